import Foundation

/// The measurements a figure is laid out with: the size of one panel and of
/// a character, in the terminal's units (pixels, or characters for text).
public struct Canvas: Equatable, Sendable {
    public var panelWidth: Double
    public var panelHeight: Double
    public var charWidth: Double
    public var lineHeight: Double
    /// The terminal's font size in points (0 for text plots).
    public var fontSize: Double
    public init(panelWidth: Double, panelHeight: Double, charWidth: Double, lineHeight: Double, fontSize: Double = 0) {
        self.panelWidth = panelWidth; self.panelHeight = panelHeight; self.charWidth = charWidth; self.lineHeight = lineHeight
        self.fontSize = fontSize
    }
    /// A text plot (where a grid would be drawn in characters over the data).
    public var isText: Bool { fontSize == 0 && charWidth == 1 }
    /// A 640×420 panel with a 14-point font, the default picture.
    public static let standard = Canvas(panelWidth: 640, panelHeight: 420, charWidth: 9.5, lineHeight: 21, fontSize: 14)
}

/// Axis ranges, log-axis tics and legend placement, computed from the data
/// so that the script states them exactly (gnuplot's autoscaling rounds out to
/// tic marks, and on a log axis to whole decades).
enum Axes {
    /// The smallest and largest finite value (positive only on a log axis).
    struct Extent: Equatable {
        var lo = Double.infinity, hi = -Double.infinity
        var isEmpty: Bool { !(lo <= hi) }
        mutating func add(_ v: Double, log: Bool) {
            guard v.isFinite, !log || v > 0 else { return }
            lo = Swift.min(lo, v); hi = Swift.max(hi, v)
        }
        mutating func add(_ vs: [Double], log: Bool) { for v in vs { add(v, log: log) } }
    }

    /// The columns of a series that hold x values and y values.
    static func xy(_ s: Series) -> (x: [Double], y: [[Double]])? {
        guard case .records(let c) = s.data, c.count >= 2 else { return nil }
        switch s.kind {
        case .boxes:
            // centre ± half width; heights from 0.
            guard c.count >= 3 else { return (c[0], [c[1], [0]]) }
            var ends: [Double] = []
            for (x, w) in zip(c[0], c[2]) { ends.append(x - w / 2); ends.append(x + w / 2) }
            var ys: [[Double]] = [c[1], [0]]
            if c.count >= 5 { ys.append(c[3]); ys.append(c[4]) }
            return (ends, ys)
        case .errorbars, .errorlines, .whiskers, .band:
            return (c[0], Array(c[1...]))
        default:
            return (c[0], [c[1]])
        }
    }

    /// The data extents of a 2-D panel, reference lines included.
    static func extents(_ p: Panel) -> (x: Extent, y: Extent) {
        var ex = Extent(), ey = Extent()
        for s in p.series {
            guard let (x, ys) = xy(s) else { continue }
            ex.add(x, log: p.logx)
            for y in ys { ey.add(y, log: p.logy) }
        }
        for a in p.annotations {
            switch a {
            case .hline(let y, _): ey.add(y, log: p.logy)
            case .vline(let x, _): ex.add(x, log: p.logx)
            case .text(let x, let y, _, _): ex.add(x, log: p.logx); ey.add(y, log: p.logy)
            }
        }
        return (ex, ey)
    }

    /// Whether the panel's ranges are computed here (2-D data plots).
    static func computesRanges(_ p: Panel) -> Bool {
        !p.threeD && !p.matrixOrientation && !p.series.contains { s in
            if case .records = s.data { return false }
            return true
        }
    }

    /// The drawn range: the data's extent with a margin (none on x for
    /// curves, which fill the width; none at a bar chart's zero), an end the
    /// user fixed kept as given.
    static func range(_ e: Extent, log: Bool, margin: Double, fixed: AxisRange?, zeroBase: Bool) -> (Double, Double)? {
        var lo = e.lo, hi = e.hi
        if let f = fixed?.lo { lo = f }
        if let f = fixed?.hi { hi = f }
        guard lo.isFinite, hi.isFinite, !log || (lo > 0 && hi > 0) else { return nil }
        if lo > hi { return nil }
        func t(_ v: Double) -> Double { log ? Foundation.log10(v) : v }
        func u(_ v: Double) -> Double { log ? pow(10, v) : v }
        let a = t(lo), b = t(hi)
        if a == b {
            let d = log ? 0.5 : (a == 0 ? 1 : abs(a) * 0.1)
            return (fixed?.lo == nil ? u(a - d) : lo, fixed?.hi == nil ? u(b + d) : hi)
        }
        // Ends that get no margin are kept exactly (no round trip through log10).
        let m = (b - a) * margin
        let padLo = m > 0 && fixed?.lo == nil && !(zeroBase && lo == 0)
        let padHi = m > 0 && fixed?.hi == nil && !(zeroBase && hi == 0)
        return (padLo ? u(a - m) : lo, padHi ? u(b + m) : hi)
    }

    // MARK: log tics

    static let superscripts: [Character: Character] = [
        "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
    ]

    /// `10ᵏ` with a superscript exponent.
    static func power(_ k: Int) -> String { "10" + String(String(k).map { superscripts[$0]! }) }

    /// The tics of a log axis over [lo, hi]: a labelled tic at each power of
    /// ten (every second or more when the range spans many decades), minor
    /// tics at 2…9 times a power; when fewer than two powers fall in the range,
    /// 2×, 3× and 5× are labelled too (`2×10⁻¹`), so a short axis still has numbers.
    static func logTics(lo: Double, hi: Double) -> [Tick] {
        guard lo > 0, hi > lo else { return [] }
        let eps = 1e-9
        let k0 = Int(Foundation.floor(Foundation.log10(lo) + eps)), k1 = Int(Foundation.ceil(Foundation.log10(hi) - eps))
        let inside = (k0...k1).filter { let v = pow(10, Double($0)); return v >= lo * (1 - eps) && v <= hi * (1 + eps) }
        let step = Swift.max(1, Int(Foundation.ceil(Double(inside.count) / 7)))
        var tics: [Tick] = []
        let few = inside.count < 2
        for k in k0...k1 {
            let base = pow(10, Double(k))
            for m in 1...9 {
                let v = Double(m) * base
                guard v >= lo * (1 - eps), v <= hi * (1 + eps) else { continue }
                if m == 1 {
                    let labelled = ((k % step) + step) % step == 0
                    tics.append(Tick(v, labelled ? power(k) : "", minor: !labelled))
                } else if few && (m == 2 || m == 3 || m == 5) {
                    tics.append(Tick(v, "\(m)×" + power(k)))
                } else if step == 1 {
                    tics.append(Tick(v, "", minor: true))
                }
            }
        }
        if tics.filter({ !$0.minor }).count < 2 {
            // Less than a factor of ~3: every m×10ᵏ inside gets its number.
            tics = tics.map { t in
                let k = Int(Foundation.floor(Foundation.log10(t.value) + eps))
                let m = Int((t.value / pow(10, Double(k))).rounded())
                return Tick(t.value, m == 1 ? power(k) : "\(m)×" + power(k))
            }
        }
        return tics
    }

    // MARK: legend placement

    /// Points along what a panel draws, in axis fractions (0…1 across the
    /// drawn ranges), for finding where a legend would cover nothing.
    static func ink(_ p: Panel, x: (Double, Double), y: (Double, Double)) -> [(Double, Double)] {
        func f(_ v: Double, _ r: (Double, Double), _ log: Bool) -> Double {
            log ? (Foundation.log10(v) - Foundation.log10(r.0)) / (Foundation.log10(r.1) - Foundation.log10(r.0)) : (v - r.0) / (r.1 - r.0)
        }
        func fx(_ v: Double) -> Double { f(v, x, p.logx) }
        func fy(_ v: Double) -> Double { f(v, y, p.logy) }
        var out: [(Double, Double)] = []
        // A curve: its points and points between them, so a segment crossing
        // a corner counts even when no data point lies there.
        func curve(_ xs: [Double], _ ys: [Double]) {
            let n = Swift.min(xs.count, ys.count)
            guard n > 0 else { return }
            let stride = Swift.max(1, n / 2000)
            var prev: (Double, Double)? = nil
            for i in Array(Swift.stride(from: 0, to: n - 1, by: stride)) + [n - 1] {
                let q = (fx(xs[i]), fy(ys[i]))
                guard q.0.isFinite, q.1.isFinite else { prev = nil; continue }
                if let a = prev {
                    let steps = Swift.min(40, Swift.max(1, Int((abs(q.0 - a.0) + abs(q.1 - a.1)) * 60)))
                    if steps > 1 {
                        for s in 1..<steps {
                            let t = Double(s) / Double(steps)
                            out.append((a.0 + (q.0 - a.0) * t, a.1 + (q.1 - a.1) * t))
                        }
                    }
                }
                out.append(q)
                prev = q
            }
        }
        // A filled region from lo to hi at each x.
        func fill(_ xs: [Double], _ lo: [Double], _ hi: [Double]) {
            let n = Swift.min(xs.count, lo.count, hi.count)
            let stride = Swift.max(1, n / 400)
            for i in Swift.stride(from: 0, to: n, by: stride) {
                let a = fy(lo[i]), b = fy(hi[i]), cx = fx(xs[i])
                guard a.isFinite, b.isFinite, cx.isFinite else { continue }
                for s in 0...10 { out.append((cx, a + (b - a) * Double(s) / 10)) }
            }
        }
        for s in p.series {
            guard case .records(let c) = s.data, c.count >= 2 else { continue }
            switch s.kind {
            case .lines, .linespoints, .steps, .errorlines:
                curve(c[0], c[1])
                if s.kind == .errorlines, c.count >= 4 { fill(c[0], c[2], c[3]) }
            case .points:
                let n = c[0].count, stride = Swift.max(1, n / 4000)
                for i in Swift.stride(from: 0, to: n, by: stride) { out.append((fx(c[0][i]), fy(c[1][i]))) }
            case .errorbars, .whiskers:
                if c.count >= 4 { fill(c[0], c[2], c[3]) } else { curve(c[0], c[1]) }
            case .impulses:
                fill(c[0], c[0].map { _ in y.0 > 0 ? y.0 : 0 }, c[1])
            case .band:
                if c.count >= 3 { fill(c[0], c[1], c[2]) }
            case .boxes:
                let w = c.count >= 3 ? c[2] : c[0].map { _ in 0 }
                let zero = c[1].map { _ in p.logy ? y.0 : 0 }
                fill(c[0], zero, c[1])
                fill(zip(c[0], w).map { $0 - $1 / 2 }, zero, c[1])
                fill(zip(c[0], w).map { $0 + $1 / 2 }, zero, c[1])
            case .image, .surface:
                break
            }
        }
        for a in p.annotations {
            switch a {
            case .hline(let v, _): let q = fy(v); for s in 0...40 { out.append((Double(s) / 40, q)) }
            case .vline(let v, _): let q = fx(v); for s in 0...40 { out.append((q, Double(s) / 40)) }
            case .text(let tx, let ty, let t, _): out.append((fx(tx), fy(ty))); out.append((fx(tx) + Double(t.count) * 0.012, fy(ty)))
            }
        }
        return out
    }

    /// The legend's size in axis fractions for `entries` titles of at most
    /// `chars` characters, on a panel measured by `canvas`.
    static func legendSize(entries: Int, chars: Int, canvas: Canvas, hasTitle: Bool, hasXLabel: Bool, hasYLabel: Bool) -> (Double, Double) {
        // The plot area: the panel less tic labels, axis labels and title.
        let plotW = Swift.max(canvas.panelWidth - canvas.charWidth * Double(8 + (hasYLabel ? 3 : 0)), canvas.panelWidth * 0.4)
        let plotH = Swift.max(canvas.panelHeight - canvas.lineHeight * Double(2 + (hasTitle ? 2 : 0) + (hasXLabel ? 1 : 0)), canvas.panelHeight * 0.4)
        let w = (Double(chars) + 6) * canvas.charWidth
        // A text plot's key takes a line per entry plus a blank line around it.
        let h = canvas.isText ? (Double(entries) + 1.5) : (Double(entries) + 0.6) * canvas.lineHeight * 1.1
        return (w / plotW, h / plotH)
    }

    /// Where the legend goes: an inside corner it would cover nothing in
    /// (preferring top right, top left, bottom right, bottom left); else the
    /// corner that needs the least extra room on y to be clear — `grow`, the
    /// fraction of the current span to add at the top (or bottom), at most
    /// 0.6 and only where the user left that end of the range free; else below
    /// the axes (a wide legend) or outside on the right.
    static func legendPlacement(ink: [(Double, Double)], size: (Double, Double),
                                canGrowTop: Bool, canGrowBottom: Bool) -> (LegendPosition, grow: Double) {
        let (w, h) = (size.0 + 0.03, size.1 + 0.04)
        let wide: LegendPosition = w >= 0.45 ? .below : .outside
        if w >= 0.9 || h >= 0.7 { return (wide, 0) }
        let corners: [(LegendPosition, Double, Bool)] = [(.topRight, 1 - w, true), (.topLeft, 0, true),
                                                        (.bottomRight, 1 - w, false), (.bottomLeft, 0, false)]
        var best: (LegendPosition, Double)? = nil
        for (pos, x0, top) in corners {
            let column = ink.filter { $0.0 >= x0 && $0.0 <= x0 + w }
            if top {
                let high = column.map(\.1).max() ?? -1
                if high < 1 - h { return (pos, 0) }
                // Data at fraction f moves to f/(1+g) once the top grows by g.
                let g = high / (1 - h) - 1
                if canGrowTop, g <= 0.6, best == nil || g < best!.1 { best = (pos, g) }
            } else {
                let low = column.map(\.1).min() ?? 2
                if low > h { return (pos, 0) }
                // f moves to (f + g)/(1 + g) once the bottom grows by g.
                let g = (h - low) / (1 - h)
                if canGrowBottom, g <= 0.6, best == nil || g < best!.1 { best = (pos, g) }
            }
        }
        if let best { return (best.0, best.1 + 0.02) }
        return (wide, 0)
    }
}

extension Axes {
    /// A range grown by `g` of its span at the top or the bottom (in log10 on a log axis).
    static func grown(_ r: (Double, Double), by g: Double, top: Bool, log: Bool) -> (Double, Double) {
        let a = log ? Foundation.log10(r.0) : r.0, b = log ? Foundation.log10(r.1) : r.1
        let d = (b - a) * g
        let (na, nb) = top ? (a, b + d) : (a - d, b)
        return log ? (top ? r.0 : pow(10, na), top ? pow(10, nb) : r.1) : (na, nb)
    }
}
