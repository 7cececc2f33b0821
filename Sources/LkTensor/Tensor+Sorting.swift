// Sorting, as NumPy's `sort(kind="stable")`, `argsort(kind="stable")`, `unique`
// and `searchsorted`. Lanes are sorted on an order-preserving 64-bit image of each
// double by the stable radix and merge sorts of RadixSort.swift.

extension Tensor {
    /// The elements of self sorted ascending along `axis` (negative counts from the
    /// end), or the flattened elements sorted when `axis == nil`, as NumPy's
    /// `sort(x, axis, kind="stable")`: nan sorts after +inf, equal elements (also
    /// −0 and +0) keep their order.
    public func sorted(axis: Int? = -1) throws -> Tensor {
        let (source, layout) = try sortLayout(axis)
        let out = try Tensor.hugePageResult(shape: source.shape)
        if out.count == 0 { return out }
        let src = UnsafePointer(source.pointer), dst = out.pointer
        let (n, inner) = (layout.n, layout.inner)
        try Tensor.forEachLaneGroup(lanes: layout.outer * inner, n: n, withIndex: false) { lanes, scratch, parallel in
            for u in lanes {
                let o = u / inner, j = u % inner
                sortLane(src + o * n * inner + j, dst + o * n * inner + j, n, inner, scratch.keys, parallel: parallel)
            }
        }
        return out
    }

    /// The 0-based positions that sort self along `axis` (or the flattened self when
    /// `axis == nil`), as NumPy's `argsort(kind="stable")`: ties, including nans
    /// (which come last), keep their original order.
    public func argsorted(axis: Int? = -1) throws -> Tensor {
        let (source, layout) = try sortLayout(axis)
        let out = try Tensor.hugePageResult(shape: source.shape)
        if out.count == 0 { return out }
        let src = UnsafePointer(source.pointer), dst = out.pointer
        let (n, inner) = (layout.n, layout.inner)
        try Tensor.forEachLaneGroup(lanes: layout.outer * inner, n: n, withIndex: true) { lanes, scratch, parallel in
            for u in lanes {
                let at = (u / inner) * n * inner + u % inner
                argsortLane(src + at, dst + at, n, inner, scratch, parallel: parallel)
            }
        }
        return out
    }

    /// Runs `body` over the lanes split among the cores, each part with its own
    /// scratch buffers (tensor buffers: reused between calls and counted against the
    /// memory limit). A single lane gets `parallel == true`: it shares its own work.
    static func forEachLaneGroup(lanes: Int, n: Int, withIndex: Bool,
                                 _ body: (Range<Int>, RadixScratch<UInt32>, Bool) -> Void) throws {
        precondition(n <= Int(UInt32.max), "sort lanes are limited by the memory limit far below 2^32 elements")
        let parts = Swift.max(1, Swift.min(lanes, Parallel.threads, lanes * n / 4096))
        let scratch = try (0..<parts).map { _ in try RadixScratch<UInt32>(n, withIndex: withIndex) }
        let per = (lanes + parts - 1) / parts
        Parallel.forEachChunk(count: parts, costPerItem: Int.max / 2, align: 1) { r in
            for p in r where p * per < lanes { body(p * per..<Swift.min(lanes, (p + 1) * per), scratch[p], lanes == 1) }
        }
    }

    /// Self (flattened when `axis == nil`) and the layout of its lanes along `axis`.
    private func sortLayout(_ axis: Int?) throws -> (Tensor, AxisLayout) {
        guard let axis else { let f = flattened(); return (f, AxisLayout(shape: f.shape, axis: 0)) }
        let a = try Tensor.normalizedAxis(axis, rank: rank)
        return (self, AxisLayout(shape: shape, axis: a))
    }

    /// The sorted distinct elements of the flattened self, as NumPy 2's `unique`
    /// (`equal_nan=True`: all nans become one nan, last). `index` (position of each
    /// value's first occurrence), `inverse` (for each element of self, the position
    /// of its value in `values`, in self's shape) and `counts` are computed when asked.
    public func unique(index wantIndex: Bool = false, inverse wantInverse: Bool = false, counts wantCounts: Bool = false) throws
        -> (values: Tensor, index: Tensor?, inverse: Tensor?, counts: Tensor?) {
        let flat = flattened()
        let n = flat.count
        let order: Tensor? = (wantIndex || wantInverse) ? try flat.argsorted(axis: 0) : nil
        let sortedValues: Tensor
        if let order {
            sortedValues = try Tensor.build(shape: [n]) { p, _ in for i in 0..<n { p[i] = flat.pointer[Int(order.pointer[i])] } }
        } else {
            sortedValues = try flat.sorted(axis: 0)
        }
        let s = sortedValues.pointer
        // starts[g] is where group g begins in the sorted order.
        var starts: [Int] = []
        for i in 0..<n {
            if i == 0 || !(s[i] == s[i - 1] || (s[i].isNaN && s[i - 1].isNaN)) { starts.append(i) }
        }
        let groups = starts.count
        let values = try Tensor.build(shape: [groups]) { p, _ in for g in 0..<groups { p[g] = s[starts[g]] } }
        var index: Tensor? = nil, inverse: Tensor? = nil, counts: Tensor? = nil
        if wantIndex, let order {
            index = try Tensor.build(shape: [groups]) { p, _ in for g in 0..<groups { p[g] = order.pointer[starts[g]] } }
        }
        if wantCounts {
            counts = try Tensor.build(shape: [groups]) { p, _ in
                for g in 0..<groups { p[g] = Double((g + 1 < groups ? starts[g + 1] : n) - starts[g]) }
            }
        }
        if wantInverse, let order {
            inverse = try Tensor.build(shape: shape) { p, _ in
                var g = 0
                for i in 0..<n {
                    if g + 1 < groups && starts[g + 1] == i { g += 1 }
                    p[Int(order.pointer[i])] = Double(g)
                }
            }
        }
        return (values, index, inverse, counts)
    }

    /// For each element of `v`, the position in the ascending vector `a` where it
    /// would be inserted to keep `a` sorted, as NumPy's `searchsorted`: the first
    /// such position (`side="left"`, `a[i-1] < v <= a[i]`) or the last (`right`,
    /// `a[i-1] <= v < a[i]`). nan counts as larger than everything, as in NumPy's
    /// sort order. `a` is not checked for being sorted (NumPy does not either).
    public static func searchsorted(_ a: Tensor, _ v: Tensor, right: Bool = false) throws -> Tensor {
        guard a.rank == 1 else { throw TensorError("a must be a vector, got \(a.rank == 0 ? "a number" : "shape \(shapeString(a.shape))")") }
        let n = a.count, ap = UnsafePointer(a.pointer)
        let out = try Tensor.hugePageResult(shape: v.shape)
        let vp = UnsafePointer(v.pointer), dst = out.pointer
        Parallel.forEachChunk(count: v.count, costPerItem: 64) { r in
            for i in r {
                let key = sortKey(vp[i])
                var lo = 0, hi = n
                while lo < hi {
                    let mid = (lo + hi) / 2, k = sortKey(ap[mid])
                    if right ? k <= key : k < key { lo = mid + 1 } else { hi = mid }
                }
                dst[i] = Double(lo)
            }
        }
        return out
    }
}

// MARK: - Lane kernels

/// Below this length a lane is sorted by insertion (stable, and cheaper than the
/// radix passes' histograms).
let insertionLimit = 48

/// Sorts the n values at `s[0], s[stride], …` into `d[0], d[stride], …` (which may
/// be the same lane of another tensor). `keys` has room for 2n keys.
func sortLane(_ s: UnsafePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ n: Int, _ stride: Int,
              _ keys: UnsafeMutablePointer<UInt64>, parallel: Bool = false) {
    var negativeZero = false
    forEachSlice(n, parallel: parallel) { range in
        var sawNegativeZero = false
        for k in range {
            let x = s[k * stride]
            sawNegativeZero = sawNegativeZero || x.bitPattern == signBit
            keys[k] = sortKey(x)
        }
        return sawNegativeZero
    }.forEach { negativeZero = negativeZero || $0 }
    let noIndex: UnsafeMutablePointer<UInt32>? = nil
    radixSort(keys, keys + n, n, noIndex, noIndex, parallel: parallel) { lo, count, sorted, _ in
        let out = d + lo * stride
        for k in 0..<count { out[k * stride] = keyValue(sorted[k]) }
    }
    guard negativeZero else { return }
    // The zeros form one run in the output; refill it with the input's zeros in their
    // original order, which is what a stable sort comparing −0 == +0 gives.
    var lo = 0, hi = n
    while lo < hi { let mid = (lo + hi) / 2; if d[mid * stride] < 0 { lo = mid + 1 } else { hi = mid } }
    var at = lo
    for k in 0..<n where s[k * stride] == 0 { d[at * stride] = s[k * stride]; at += 1 }
}

/// Writes into `d[k * stride]` the positions that sort the lane at `s` (stride apart).
func argsortLane<I: FixedWidthInteger & UnsignedInteger>(_ s: UnsafePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ n: Int, _ stride: Int,
                                                       _ scratch: RadixScratch<I>, parallel: Bool = false) {
    let keys = scratch.keys
    let index = scratch.index
    _ = forEachSlice(n, parallel: parallel) { range in
        for k in range { keys[k] = sortKey(s[k * stride]); index[k] = I(truncatingIfNeeded: k) }
        return false
    }
    radixSort(keys, keys + n, n, scratch.index, scratch.index + n, parallel: parallel) { lo, count, _, index in
        let out = d + lo * stride
        for k in 0..<count { out[k * stride] = Double(index![k]) }
    }
}

