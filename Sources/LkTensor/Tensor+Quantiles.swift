// Order statistics by selection: median, quantile and percentile as NumPy's
// (method="linear"). Each lane is copied once into scratch space and the needed
// order statistics are found by introselect (quickselect with a depth limit),
// expected O(n) per lane instead of a sort's O(n log n).

extension Tensor {
    /// NumPy's `median`: the middle element of each lane along `axis` (of all
    /// elements when `axis == nil`), or the mean `(a + b) / 2` of the two middle
    /// elements when the lane has even length. A lane holding nan gives nan; an
    /// empty lane gives nan (NumPy warns "Mean of empty slice").
    public func median(axis: Int? = nil, keepdims: Bool = false) throws -> Tensor {
        try orderStatistic(axis: axis, keepdims: keepdims, qShape: [], qs: [0.5], median: true)
    }

    /// NumPy's `quantile(x, q, method="linear")` for each `q` in [0, 1]: with the
    /// lane sorted as `s₀ ≤ … ≤ sₙ₋₁`, `v = q (n − 1)`, `i = ⌊v⌋`, `t = v − i`, the
    /// result is `sᵢ + (sᵢ₊₁ − sᵢ) t` (computed as `sᵢ₊₁ − (sᵢ₊₁ − sᵢ)(1 − t)` when
    /// `t ≥ 0.5`, as NumPy does, so infinities give NumPy's nans). The result has
    /// shape `shape(q) ++` the reduced shape. A lane holding nan gives nan; an empty
    /// lane is an error (NumPy raises IndexError).
    public func quantile(_ q: Tensor, axis: Int? = nil, keepdims: Bool = false, name: String = "q", scale: Double = 1) throws -> Tensor {
        var qs = q.scalars
        for i in qs.indices {
            let x = qs[i] / scale
            guard x >= 0 && x <= 1 else {
                let bound = scale == 1 ? "[0, 1]" : "[0, 100]"
                throw TensorError("\(name) must be in the range \(bound), got \(formatNumber(qs[i]))")
            }
            qs[i] = x
        }
        return try orderStatistic(axis: axis, keepdims: keepdims, qShape: q.shape, qs: qs, median: false)
    }

    private func orderStatistic(axis: Int?, keepdims: Bool, qShape: [Int], qs: [Double], median: Bool) throws -> Tensor {
        let a = try axis.map { try Tensor.normalizedAxis($0, rank: rank) }
        let layout = AxisLayout(shape: shape, axis: a)
        var reduced: [Int]
        if let a { reduced = shape; if keepdims { reduced[a] = 1 } else { reduced.remove(at: a) } }
        else { reduced = keepdims ? [Int](repeating: 1, count: rank) : [] }
        let out = try Tensor.hugePageResult(shape: qShape + reduced)
        let (n, inner) = (layout.n, layout.inner), lanes = layout.outer * inner
        if out.count == 0 { return out }
        if n == 0 {
            if !median { throw TensorError("cannot take a quantile of an empty lane (\(a.map { "axis \($0) of " } ?? "")shape \(shapeString(shape)))") }
            out.pointer.update(repeating: .nan, count: out.count)
            return out
        }
        let src = UnsafePointer(pointer), dst = out.pointer
        // Positions needed, in increasing order, so each selection narrows the next.
        let order = qs.indices.sorted { qs[$0] < qs[$1] }
        // One scratch lane per part, from tensor buffers: reused between calls (a fresh
        // 80 MB allocation costs its page faults every time) and within the memory limit.
        let parts = Swift.max(1, Swift.min(lanes, Parallel.threads, lanes * n / 4096))
        let scratch = try (0..<parts).map { _ in try Tensor(uninitializedShape: [n]) }
        let per = (lanes + parts - 1) / parts
        Parallel.forEachChunk(count: parts, costPerItem: Int.max / 2, align: 1) { chunk in
          for part in chunk where part * per < lanes {
            let lane = scratch[part].pointer
            for u in (part * per)..<Swift.min(lanes, (part + 1) * per) {
                let s = src + (u / inner) * n * inner + u % inner
                var hasNaN = false
                for k in 0..<n { let x = s[k * inner]; lane[k] = x; if x.isNaN { hasNaN = true } }
                if hasNaN {
                    for qi in qs.indices { dst[qi * lanes + u] = .nan }
                    continue
                }
                if median {
                    let m = n / 2
                    select(lane, 0, n, m)
                    if n % 2 == 1 { dst[u] = lane[m]; continue }
                    var below = lane[0]
                    for k in 1..<m { below = Swift.max(below, lane[k]) }
                    dst[u] = (below + lane[m]) / 2
                    continue
                }
                var from = 0
                for qi in order {
                    let v = qs[qi] * Double(n - 1)
                    let i = Swift.min(Int(v.rounded(.down)), n - 1)
                    let t = v - Double(i)
                    select(lane, from, n, i)
                    from = i
                    let lo = lane[i]
                    var hi = lo
                    if i + 1 < n {
                        hi = lane[i + 1]
                        for k in (i + 2)..<n { hi = Swift.min(hi, lane[k]) }
                    }
                    let diff = hi - lo
                    dst[qi * lanes + u] = t >= 0.5 ? hi - diff * (1 - t) : lo + diff * t
                }
            }
          }
        }
        return out
    }
}

/// Rearranges `p[lo..<hi]` (no nans) so that `p[k]` holds the value a sort would
/// put there, everything before it is ≤ and everything after it is ≥ (C++'s
/// `nth_element`). Quickselect on a median-of-three pivot; after 2·log₂ n rounds
/// that did not finish, the rest is sorted, so the worst case is O(n log n).
func select(_ p: UnsafeMutablePointer<Double>, _ lo0: Int, _ hi0: Int, _ k: Int) {
    var lo = lo0, hi = hi0 - 1
    var depth = 2 * (Int.bitWidth - (hi0 - lo0).leadingZeroBitCount)
    while hi > lo {
        if hi - lo < 16 || depth == 0 {
            var part = UnsafeMutableBufferPointer(start: p + lo, count: hi - lo + 1)
            part.sort()
            return
        }
        depth -= 1
        let mid = lo + (hi - lo) / 2
        if p[mid] < p[lo] { p.swapAt(mid, lo) }
        if p[hi] < p[lo] { p.swapAt(hi, lo) }
        if p[hi] < p[mid] { p.swapAt(hi, mid) }
        let pivot = p[mid]
        var i = lo, j = hi
        while i <= j {
            while p[i] < pivot { i += 1 }
            while p[j] > pivot { j -= 1 }
            if i <= j { p.swapAt(i, j); i += 1; j -= 1 }
        }
        // Now p[lo...j] ≤ pivot, p[i...hi] ≥ pivot and everything between equals it.
        if k <= j { hi = j } else if k >= i { lo = i } else { return }
    }
}

private extension UnsafeMutablePointer where Pointee == Double {
    @inline(__always) func swapAt(_ i: Int, _ j: Int) { let t = self[i]; self[i] = self[j]; self[j] = t }
}
