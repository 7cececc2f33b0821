import LkTensor

/// Panels for each plot kind, from tensors whose shapes the caller has
/// checked. Plain functions of their inputs, so tests can build a panel and
/// compare its script with a golden one.
public enum Plots {
    /// Column `j` of a matrix, or the whole of a vector.
    public static func column(_ t: Tensor, _ j: Int) -> [Double] {
        if t.rank == 1 { return t.scalars }
        let rows = t.shape[0], cols = t.shape[1]
        return (0..<rows).map { t.pointer[$0 * cols + j] }
    }

    /// Number of lines a tensor draws: a vector one, a matrix one per column.
    public static func lineCount(_ t: Tensor) -> Int { t.rank == 2 ? t.shape[1] : 1 }

    /// One line per column of `y` (a vector is one column) against `x`
    /// (a vector shared by all lines, a matrix of the same shape as `y`, or
    /// nil for 0, 1, 2, …).
    public static func lines(x: Tensor?, y: Tensor, kind: Series.Kind = .lines) -> Panel {
        let n = y.shape[0]
        let shared = x.map { $0.rank == 1 ? $0.scalars : [] } ?? (0..<n).map(Double.init)
        var panel = Panel()
        for j in 0..<lineCount(y) {
            let xs = shared.isEmpty ? column(x!, j) : shared
            panel.series.append(Series(kind, .records([xs, column(y, j)])))
        }
        return panel
    }

    /// Points at (x, y): coloured by `values` through the palette (with a
    /// colour bar), or one series per distinct label in order of first
    /// appearance (with a legend), or all alike.
    public static func scatter(x: [Double], y: [Double], values: [Double]? = nil, labels: [String]? = nil) -> Panel {
        var panel = Panel()
        if let values {
            var s = Series(.points, .records([x, y, values]))
            s.colorFromData = true
            panel.series = [s]
            panel.colorbar = true
            panel.palette = .viridis
        } else if let labels {
            var order: [String] = []
            var members: [String: [Int]] = [:]
            for (i, l) in labels.enumerated() {
                if members[l] == nil { order.append(l) }
                members[l, default: []].append(i)
            }
            panel.series = order.map { l in
                let idx = members[l]!
                return Series(.points, .records([idx.map { x[$0] }, idx.map { y[$0] }]), title: l)
            }
        } else {
            panel.series = [Series(.points, .records([x, y]))]
        }
        return panel
    }

    /// A matrix as coloured cells, row 0 at the top, with a colour bar. A
    /// diverging palette is centred on zero unless a range is given.
    public static func heatmap(_ m: Tensor, palette: Palette = .viridis, crange: AxisRange? = nil) -> Panel {
        var panel = Panel(series: [Series(.image, .array(values: m.scalars, rows: m.shape[0], cols: m.shape[1]))])
        panel.palette = palette
        panel.colorbar = true
        panel.matrixOrientation = true
        panel.equalAspect = true
        panel.crange = crange
        if palette == .rdbu, crange == nil {
            let top = m.scalars.filter { $0.isFinite }.map(abs).max() ?? 1
            panel.crange = AxisRange(-(top > 0 ? top : 1), top > 0 ? top : 1)
        }
        return panel
    }

    /// A grey-scale picture: square pixels, row 0 at the top, no axes.
    public static func picture(_ m: Tensor, crange: AxisRange? = nil, title: String? = nil) -> Panel {
        var panel = Panel(series: [Series(.image, .array(values: m.scalars, rows: m.shape[0], cols: m.shape[1]))])
        panel.palette = .grey
        panel.matrixOrientation = true
        panel.equalAspect = true
        panel.bare = true
        panel.crange = crange
        panel.title = title
        return panel
    }

    /// Bin edges: `count` equal bins over the finite range of the data (as
    /// NumPy's `histogram`; a constant sample spans value ± 0.5).
    public static func edges(_ columns: [[Double]], count: Int) -> [Double] {
        let finite = columns.joined().filter { $0.isFinite }
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if lo == hi { lo -= 0.5; hi += 0.5 }
        return (0...count).map { i in i == count ? hi : lo + (hi - lo) * Double(i) / Double(count) }
    }

    /// Counts per bin: each bin is half-open [a, b) except the last, which
    /// holds its right edge (NumPy's rule); values outside and nan are not counted.
    public static func counts(_ values: [Double], edges: [Double]) -> [Double] {
        let bins = edges.count - 1
        var counts = [Double](repeating: 0, count: bins)
        guard bins > 0, let first = edges.first, let last = edges.last else { return counts }
        for v in values where v >= first && v <= last {
            // The last edge not above v, by bisection.
            var lo = 0, hi = bins
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if edges[mid] <= v { lo = mid } else { hi = mid }
            }
            counts[lo] += 1
        }
        return counts
    }

    /// Bars of a histogram of each column over shared edges; with `density`
    /// each histogram integrates to 1.
    public static func histogram(_ columns: [[Double]], edges: [Double], density: Bool) -> Panel {
        var panel = Panel()
        let centres = (0..<(edges.count - 1)).map { (edges[$0] + edges[$0 + 1]) / 2 }
        let widths = (0..<(edges.count - 1)).map { edges[$0 + 1] - edges[$0] }
        for values in columns {
            var c = counts(values, edges: edges)
            if density {
                let total = c.reduce(0, +)
                if total > 0 { c = zip(c, widths).map { $0 / (total * $1) } }
            }
            var s = Series(.boxes, .records([centres, c, widths]))
            s.fillOpacity = columns.count > 1 ? 0.45 : 0.6
            panel.series.append(s)
        }
        return panel
    }

    /// A 3-D surface z = Z[i, j] over x[j], y[i] (grid indices when nil).
    public static func surface(_ z: Tensor, x: [Double]? = nil, y: [Double]? = nil) -> Panel {
        let rows = z.shape[0], cols = z.shape[1]
        let xs = x ?? (0..<cols).map(Double.init), ys = y ?? (0..<rows).map(Double.init)
        var cx: [Double] = [], cy: [Double] = []
        cx.reserveCapacity(rows * cols)
        cy.reserveCapacity(rows * cols)
        for i in 0..<rows { for j in 0..<cols { cx.append(xs[j]); cy.append(ys[i]) } }
        var panel = Panel(series: [Series(.surface, .grid(columns: [cx, cy, z.scalars], rows: rows, cols: cols))])
        panel.threeD = true
        panel.palette = .viridis
        panel.colorbar = true
        return panel
    }
}

extension Plots {
    /// Markers at (x, y) with error bars from `lo` to `hi` (one series per
    /// column), joined by a line unless `lines` is false.
    public static func errorbars(x: [Double], y: [[Double]], lo: [[Double]], hi: [[Double]], lines: Bool = true) -> Panel {
        var panel = Panel()
        for j in y.indices {
            panel.series.append(Series(lines ? .errorlines : .errorbars, .records([x, y[j], lo[j], hi[j]])))
        }
        return panel
    }

    /// How `band` summarises runs at each x.
    public enum Spread: String, CaseIterable, Sendable {
        /// mean ± standard deviation (over runs, ddof 0 as NumPy's `std`).
        case std
        /// mean ± standard error of the mean, std/√S with ddof 1.
        case sem
        /// mean ± 1.96 standard errors (a normal 95% interval of the mean).
        case ci95
        /// from the smallest run to the largest.
        case minmax
    }

    /// The mean of each row of runs (S columns) and the low and high edge of
    /// its spread. Non-finite values are left out of each row.
    public static func summary(_ runs: [[Double]], spread: Spread) -> (mean: [Double], lo: [Double], hi: [Double]) {
        var m: [Double] = [], lo: [Double] = [], hi: [Double] = []
        for row in runs {
            let v = row.filter { $0.isFinite }
            guard !v.isEmpty else { m.append(.nan); lo.append(.nan); hi.append(.nan); continue }
            let n = Double(v.count)
            let mean = v.reduce(0, +) / n
            let ss = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            m.append(mean)
            switch spread {
            case .std:
                let s = (ss / n).squareRoot()
                lo.append(mean - s); hi.append(mean + s)
            case .sem, .ci95:
                let se = v.count > 1 ? (ss / (n - 1)).squareRoot() / n.squareRoot() : 0
                let k = spread == .ci95 ? 1.96 : 1
                lo.append(mean - k * se); hi.append(mean + k * se)
            case .minmax:
                lo.append(v.min()!); hi.append(v.max()!)
            }
        }
        return (m, lo, hi)
    }

    /// A shaded band from `lo` to `hi` and, when given, the line `y` over it
    /// in the same colour.
    public static func band(x: [Double], y: [Double]?, lo: [Double], hi: [Double]) -> [Series] {
        var fill = Series(.band, .records([x, lo, hi]))
        fill.fillOpacity = 0.25
        guard let y else { return [fill] }
        return [fill, Series(.lines, .records([x, y]))]
    }

    /// Bars of `heights` (one group of bars per row, one bar per column, side
    /// by side within `width` of each position), with error bars when `err`
    /// is given (the same shape as heights).
    public static func bars(positions: [Double], heights: [[Double]], err: [[Double]]?, width: Double = 0.8) -> Panel {
        var panel = Panel()
        let k = heights.count
        let w = width / Double(k)
        for j in 0..<k {
            let centres = positions.map { $0 - width / 2 + w * (Double(j) + 0.5) }
            var s = Series(.boxes, .records([centres, heights[j], Array(repeating: w, count: centres.count)]))
            s.fillOpacity = 0.85
            panel.series.append(s)
        }
        if let err {
            for j in 0..<k {
                let centres = positions.map { $0 - width / 2 + w * (Double(j) + 0.5) }
                let h = heights[j], e = err[j]
                var s = Series(.whiskers, .records([centres, h, zip(h, e).map { $0 - $1 }, zip(h, e).map { $0 + $1 }]))
                s.color = "#202020"; s.lineWidth = 1.5
                panel.series.append(s)
            }
        }
        return panel
    }
}
