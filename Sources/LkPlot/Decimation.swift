import Foundation

/// Thinning of very long lines before they reach gnuplot.
///
/// A line of 10^6 points drawn 700 pixels wide puts over a thousand segments
/// through every pixel column; cairo strokes them all (a minute for one PNG)
/// and an SVG holds them all (tens of MB). For each of `buckets` equal slices
/// of the x range this keeps the first, lowest, highest and last point in x
/// order ("M4" aggregation): the drawn line is the same at that resolution,
/// every kept point is an exact data point, and the extremes (spikes,
/// divergences) are never lost.
enum Decimation {
    /// The points to keep of a line whose x never decreases, or nil when
    /// the line is short enough, not sorted by x, or holds non-finite values.
    static func m4(x: [Double], y: [Double], buckets: Int, logx: Bool) -> [Int]? {
        let n = x.count
        guard n > buckets * 8, buckets > 0 else { return nil }
        for i in 0..<n where !x[i].isFinite || !y[i].isFinite || (i > 0 && x[i] < x[i - 1]) || (logx && x[i] <= 0) { return nil }
        let t = logx ? x.map { Foundation.log10($0) } : x
        let lo = t[0], span = t[n - 1] - t[0]
        guard span > 0 else { return nil }
        var keep: [Int] = []
        keep.reserveCapacity(buckets * 4)
        var start = 0
        while start < n {
            let b = min(buckets - 1, Int((t[start] - lo) / span * Double(buckets)))
            var end = start + 1
            var iMin = start, iMax = start
            while end < n, min(buckets - 1, Int((t[end] - lo) / span * Double(buckets))) == b {
                if y[end] < y[iMin] { iMin = end }
                if y[end] > y[iMax] { iMax = end }
                end += 1
            }
            for i in Set([start, iMin, iMax, end - 1]).sorted() { keep.append(i) }
            start = end
        }
        return keep
    }

    /// A band (x, lo, hi) whose x never decreases, thinned to two records per
    /// bucket — at the bucket's first and last x — holding the bucket's lowest
    /// lo and highest hi, so the shaded envelope is never narrower than the
    /// data's (at most a sub-pixel wider); nil as for `m4`.
    static func envelope(x: [Double], lo: [Double], hi: [Double], buckets: Int, logx: Bool) -> [[Double]]? {
        let n = x.count
        guard n > buckets * 8, buckets > 0 else { return nil }
        for i in 0..<n where !x[i].isFinite || !lo[i].isFinite || !hi[i].isFinite || (i > 0 && x[i] < x[i - 1]) || (logx && x[i] <= 0) { return nil }
        let t = logx ? x.map { Foundation.log10($0) } : x
        let first = t[0], span = t[n - 1] - t[0]
        guard span > 0 else { return nil }
        var ox: [Double] = [], ol: [Double] = [], oh: [Double] = []
        var start = 0
        while start < n {
            let b = min(buckets - 1, Int((t[start] - first) / span * Double(buckets)))
            var end = start + 1, l = lo[start], h = hi[start]
            while end < n, min(buckets - 1, Int((t[end] - first) / span * Double(buckets))) == b {
                l = min(l, lo[end]); h = max(h, hi[end]); end += 1
            }
            ox.append(x[start]); ol.append(l); oh.append(h)
            if end - 1 > start { ox.append(x[end - 1]); ol.append(l); oh.append(h) }
            start = end
        }
        return [ox, ol, oh]
    }

    /// The figure with its long lines thinned for a plot `pixels` wide.
    static func thinned(_ f: Figure, pixels: Int) -> Figure {
        var f = f
        let buckets = max(64, 2 * pixels / max(f.cols, 1))
        for p in f.panels.indices {
            for s in f.panels[p].series.indices {
                let series = f.panels[p].series[s]
                if series.kind == .band, case .records(let cols) = series.data, cols.count == 3,
                   let thin = envelope(x: cols[0], lo: cols[1], hi: cols[2], buckets: buckets, logx: f.panels[p].logx) {
                    f.panels[p].series[s].data = .records(thin)
                    continue
                }
                guard series.kind == .lines, case .records(let cols) = series.data, cols.count == 2,
                      let keep = m4(x: cols[0], y: cols[1], buckets: buckets, logx: f.panels[p].logx) else { continue }
                f.panels[p].series[s].data = .records(cols.map { c in keep.map { c[$0] } })
            }
        }
        return f
    }
}
