import Foundation

/// A reduction over all elements or along one axis, as in NumPy.
/// `var` and `std` divide by n (NumPy's default `ddof=0`).
public enum ReduceOp: String, Sendable, CaseIterable {
    case sum, mean, std, variance = "var", min, max, argmax, argmin, prod, any, all
}

/// A tensor seen as `outer × n × inner` around the reduced axis (`n` is its
/// length): lanes are contiguous when `inner == 1`, otherwise the reduction walks
/// whole rows of `inner` elements, which is what keeps axis 0 cache friendly.
struct AxisLayout {
    var outer: Int, n: Int, inner: Int

    init(shape: [Int], axis: Int?) {
        guard let a = axis else { outer = 1; n = shape.reduce(1, *); inner = 1; return }
        outer = shape[..<a].reduce(1, *)
        n = shape[a]
        inner = shape[(a + 1)...].reduce(1, *)
    }
}

extension Tensor {
    /// The axis `axis` of a rank-`rank` tensor, counting from the end when
    /// negative; throws `axis 2 is out of range for a tensor of rank 2`.
    public static func normalizedAxis(_ axis: Int, rank: Int) throws -> Int {
        guard axis >= -rank && axis < rank else {
            throw TensorError("axis \(axis) is out of range for a tensor of rank \(rank)")
        }
        return axis < 0 ? axis + rank : axis
    }

    /// Reduces all elements (`axis == nil`, giving a rank-0 tensor) or the elements
    /// along `axis` (negative counts from the end), removing that axis unless
    /// `keepdims`, which leaves it with size 1.
    ///
    /// - `sum` uses pairwise summation along contiguous lanes, as NumPy does; the
    ///   sum of nothing is 0 and the product of nothing is 1.
    /// - `mean` of nothing is nan; `var` is the mean squared deviation from the mean
    ///   (two passes), `std` its square root.
    /// - `min`/`max` propagate nan; `argmax`/`argmin` give the 0-based position of
    ///   the first extreme (of the first nan, if any), over the flattened tensor when
    ///   `axis == nil`. These four throw on an empty lane: `max of an empty tensor`.
    /// - `any`/`all` give 1 or 0, counting nan as nonzero.
    public func reduce(_ op: ReduceOp, axis: Int? = nil, keepdims: Bool = false) throws -> Tensor {
        let a = try axis.map { try Tensor.normalizedAxis($0, rank: rank) }
        let layout = AxisLayout(shape: shape, axis: a)
        var outShape: [Int]
        if let a {
            outShape = shape
            if keepdims { outShape[a] = 1 } else { outShape.remove(at: a) }
        } else {
            outShape = keepdims ? [Int](repeating: 1, count: rank) : []
        }
        if layout.n == 0, [.min, .max, .argmax, .argmin].contains(op), layout.outer * layout.inner > 0 {
            if let a { throw TensorError("\(op.rawValue) of an empty tensor: axis \(a) of \(shapeString(shape)) has size 0") }
            throw TensorError("\(op.rawValue) of an empty tensor")
        }
        switch op {
        case .variance, .std:
            var d = try Tensor.binary(.sub, self, try reduce(.mean, axis: a, keepdims: true))
            d.formMap(.square)
            var v = try d.reduce(.mean, axis: a, keepdims: keepdims)
            if op == .std { v.formMap(.sqrt) }
            return v
        default: break
        }
        let out = try Tensor.hugePageResult(shape: outShape)
        let src = UnsafePointer(pointer), dst = out.pointer
        switch op {
        case .sum:
            reduceAxis(SumFold.self, src, layout, dst)
        case .mean:
            reduceAxis(SumFold.self, src, layout, dst)
            let scale = 1 / Double(layout.n)   // inf when n == 0, giving 0 * inf = nan like NumPy
            for i in 0..<out.count { dst[i] *= scale }
        case .prod:
            reduceAxis(ProdFold.self, src, layout, dst)
        case .max:
            reduceAxis(MaxFold.self, src, layout, dst)
        case .min:
            reduceAxis(MinFold.self, src, layout, dst)
        case .any:
            reduceAxis(AnyFold.self, src, layout, dst)
        case .all:
            reduceAxis(AllFold.self, src, layout, dst)
        case .argmax:
            argReduce(src, layout, dst) { x, best in x > best || (x.isNaN && !best.isNaN) }
        case .argmin:
            argReduce(src, layout, dst) { x, best in x < best || (x.isNaN && !best.isNaN) }
        case .variance, .std:
            break   // handled above
        }
        return out
    }

    /// `exp(x - max) / sum(exp(x - max))` along `axis` (default the last): each
    /// lane becomes positive weights summing to 1. Subtracting the lane maximum
    /// first keeps `exp` from overflowing, so large inputs are safe; a lane holding
    /// nan or +inf gives nan, as in NumPy/SciPy. A rank-0 tensor gives 1.
    public func softmax(axis: Int = -1) throws -> Tensor {
        if rank == 0 { return try reshaped([1]).softmax(axis: 0).reshaped([]) }
        let a = try Tensor.normalizedAxis(axis, rank: rank)
        if count == 0 { return self }
        var e = try Tensor.binary(.sub, self, try reduce(.max, axis: a, keepdims: true))
        e.formMap(.exp)
        try e.formBinary(.div, try e.reduce(.sum, axis: a, keepdims: true))
        return e
    }

    /// The Euclidean norm `sqrt(sum(x^2))` of all elements (the Frobenius norm of a
    /// matrix; rank-0 result), or of each lane along `axis` (that axis removed).
    /// Overflow- and underflow-safe: a lane whose sum of squares is not a normal
    /// finite number is recomputed as `m * sqrt(sum((x/m)^2))` with `m = max |x|`,
    /// so `norm([1e200, 1e200])` is `sqrt(2) * 1e200`. inf gives inf, nan gives nan.
    public func norm(axis: Int? = nil) throws -> Tensor {
        let a = try axis.map { try Tensor.normalizedAxis($0, rank: rank) }
        let layout = AxisLayout(shape: shape, axis: a)
        var outShape = shape
        if let a { outShape.remove(at: a) } else { outShape = [] }
        let out = try Tensor.hugePageResult(shape: outShape)
        let src = UnsafePointer(pointer), dst = out.pointer
        reduceAxis(SumOfSquaresFold.self, src, layout, dst)
        let (n, inner) = (layout.n, layout.inner)
        for i in 0..<out.count {
            let ss = dst[i]
            if ss.isFinite && ss >= 0x1p-900 { dst[i] = ss.squareRoot(); continue }
            dst[i] = scaledNorm(src + (i / inner) * n * inner + i % inner, n, inner)
        }
        return out
    }

    /// Running sums along `axis` (same shape), or over the flattened elements when
    /// `axis == nil` (a vector of `count` elements), as NumPy's `cumsum`.
    public func cumsum(axis: Int? = nil) throws -> Tensor {
        let a = try axis.map { try Tensor.normalizedAxis($0, rank: rank) }
        let layout = AxisLayout(shape: shape, axis: a)
        let out = try Tensor.hugePageResult(shape: a == nil ? [count] : shape)
        let (n, inner) = (layout.n, layout.inner)
        if count == 0 { return out }
        let src = UnsafePointer(pointer), dst = out.pointer
        Parallel.forEachChunk(count: layout.outer, costPerItem: n * inner, align: 1) { r in
            for o in r {
                let s = src + o * n * inner, d = dst + o * n * inner
                if inner == 1 {
                    var acc = 0.0
                    for k in 0..<n { acc += s[k]; d[k] = acc }
                } else {
                    d.update(from: s, count: inner)
                    for k in 1..<n {
                        let dk = d + k * inner, prev = dk - inner, sk = s + k * inner
                        for j in 0..<inner { dk[j] = prev[j] + sk[j] }
                    }
                }
            }
        }
        return out
    }

    /// Self with `op` applied to every element, in place when the buffer is not shared.
    mutating func formMap(_ op: UnaryOp) {
        makeUnique()
        let p = pointer
        Parallel.forEachChunk(count: count) { r in unaryRun(op, p + r.lowerBound, p + r.lowerBound, r.count) }
    }
}

// MARK: - Reduction kernels

/// Sum of `p[0..<n]` by NumPy's scheme: blocks of up to 128 elements summed with
/// eight interleaved accumulators, blocks combined pairwise. The error grows like
/// O(log n) ulp instead of O(n) for a running sum, at the speed of a running sum.
func pairwiseSum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
    pairwise(p, n, { $0 }, pairwiseSum)
}

/// Sum of the squares of `p[0..<n]`, pairwise as in `pairwiseSum`.
func pairwiseSumOfSquares(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
    pairwise(p, n, { $0 * $0 }, pairwiseSumOfSquares)
}

@inline(__always)
func pairwise(_ p: UnsafePointer<Double>, _ n: Int, _ f: (Double) -> Double,
              _ recurse: (UnsafePointer<Double>, Int) -> Double) -> Double {
    if n < 8 {
        var s = 0.0
        for i in 0..<n { s += f(p[i]) }
        return s
    }
    if n <= 128 {
        var r0 = f(p[0]), r1 = f(p[1]), r2 = f(p[2]), r3 = f(p[3])
        var r4 = f(p[4]), r5 = f(p[5]), r6 = f(p[6]), r7 = f(p[7])
        var i = 8
        while i + 8 <= n {
            r0 += f(p[i]); r1 += f(p[i + 1]); r2 += f(p[i + 2]); r3 += f(p[i + 3])
            r4 += f(p[i + 4]); r5 += f(p[i + 5]); r6 += f(p[i + 6]); r7 += f(p[i + 7])
            i += 8
        }
        var s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n { s += f(p[i]); i += 1 }
        return s
    }
    let half = (n / 2) & ~7
    return recurse(p, half) + recurse(p + half, n - half)
}

/// `m * sqrt(sum((x/m)^2))` over `n` elements `stride` apart, `m = max |x|`.
func scaledNorm(_ p: UnsafePointer<Double>, _ n: Int, _ stride: Int) -> Double {
    var m = 0.0
    for k in 0..<n { m = BinaryOp.maximum(m, Swift.abs(p[k * stride])) }
    if m == 0 || !m.isFinite { return m }
    var s = 0.0
    for k in 0..<n { let y = p[k * stride] / m; s += y * y }
    return m * s.squareRoot()
}

/// A reduction written as a fold, so that `reduceAxis` can be specialised for it:
/// a lane of length n ≥ 1 reduces to `step(...step(first(x0), x1)..., x_{n-1})`,
/// or to `lane(p, n)` when contiguous (which may sum pairwise instead).
protocol Fold {
    static var identity: Double { get }
    static func first(_ x: Double) -> Double
    static func step(_ acc: Double, _ x: Double) -> Double
    static func lane(_ p: UnsafePointer<Double>, _ n: Int) -> Double
    /// Merges the results of two parts of one lane.
    static func combine(_ a: Double, _ b: Double) -> Double
}

extension Fold {
    @inline(__always) static func first(_ x: Double) -> Double { x }
    @inline(__always) static func combine(_ a: Double, _ b: Double) -> Double { step(a, b) }
    @inline(__always) static func lane(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        var acc = first(p[0])
        for i in 1..<n { acc = step(acc, p[i]) }
        return acc
    }
}

enum SumFold: Fold {
    static var identity: Double { 0 }
    @inline(__always) static func step(_ a: Double, _ x: Double) -> Double { a + x }
    static func lane(_ p: UnsafePointer<Double>, _ n: Int) -> Double { pairwiseSum(p, n) }
}

enum SumOfSquaresFold: Fold {
    static var identity: Double { 0 }
    @inline(__always) static func first(_ x: Double) -> Double { x * x }
    @inline(__always) static func step(_ a: Double, _ x: Double) -> Double { a + x * x }
    @inline(__always) static func combine(_ a: Double, _ b: Double) -> Double { a + b }
    static func lane(_ p: UnsafePointer<Double>, _ n: Int) -> Double { pairwiseSumOfSquares(p, n) }
}

enum ProdFold: Fold {
    static var identity: Double { 1 }
    @inline(__always) static func step(_ a: Double, _ x: Double) -> Double { a * x }
}

enum MaxFold: Fold {
    static var identity: Double { -.infinity }
    @inline(__always) static func step(_ a: Double, _ x: Double) -> Double { BinaryOp.maximum(a, x) }
}

enum MinFold: Fold {
    static var identity: Double { .infinity }
    @inline(__always) static func step(_ a: Double, _ x: Double) -> Double { BinaryOp.minimum(a, x) }
}

enum AnyFold: Fold {
    static var identity: Double { 0 }
    @inline(__always) static func first(_ x: Double) -> Double { x != 0 ? 1 : 0 }
    @inline(__always) static func step(_ a: Double, _ x: Double) -> Double { (a != 0 || x != 0) ? 1 : 0 }
}

enum AllFold: Fold {
    static var identity: Double { 1 }
    @inline(__always) static func first(_ x: Double) -> Double { x != 0 ? 1 : 0 }
    @inline(__always) static func step(_ a: Double, _ x: Double) -> Double { (a != 0 && x != 0) ? 1 : 0 }
}

/// Reduces each lane of `layout` into `dst` (outer × inner values) with `F`:
/// contiguous lanes (`inner == 1`) with `F.lane`; otherwise by accumulating whole
/// rows, `acc = first(row0)` then `acc = step(acc, row_k)` elementwise, which reads
/// memory in order. A zero-length lane gives `F.identity`. Work is split over
/// lanes, over column blocks when there are fewer lanes than cores, or within a
/// single long lane.
func reduceAxis<F: Fold>(_ fold: F.Type, _ src: UnsafePointer<Double>, _ layout: AxisLayout,
                         _ dst: UnsafeMutablePointer<Double>) {
    let (outer, n, inner) = (layout.outer, layout.n, layout.inner)
    if outer * inner == 0 { return }
    if n == 0 { dst.update(repeating: F.identity, count: outer * inner); return }
    if inner == 1 && outer == 1 {
        // One long lane: reduce contiguous parts on separate cores, then fold the parts.
        let parts = max(1, min(Parallel.threads, n / Parallel.grain))
        var partial = [Double](repeating: 0, count: parts)
        partial.withUnsafeMutableBufferPointer { part in
            let per = (n + parts - 1) / parts
            Parallel.forEachChunk(count: parts, costPerItem: per, align: 1) { r in
                for k in r { part[k] = F.lane(src + k * per, min(per, n - k * per)) }
            }
        }
        dst[0] = partial.dropFirst().reduce(partial[0], F.combine)
    } else if inner == 1 {
        Parallel.forEachChunk(count: outer, costPerItem: n, align: 1) { r in
            for o in r { dst[o] = F.lane(src + o * n, n) }
        }
    } else if outer == 1 && Parallel.threads > 1 && n >= 64 && n * inner >= 4 * Parallel.grain {
        // Axis 0 of a matrix: each core folds a contiguous band of whole rows into its
        // own accumulator (streaming memory in order, which the prefetcher likes far
        // better than interleaved half-rows), then the accumulators are combined.
        let parts = min(Parallel.threads, n / 32)
        let per = (n + parts - 1) / parts
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: parts * inner)
        defer { partials.deallocate() }
        Parallel.forEachChunk(count: parts, costPerItem: per * inner, align: 1) { r in
            for k in r {
                let rows = min(per, n - k * per)
                if rows > 0 { accumulateRows(F.self, src + k * per * inner, rows, inner, partials + k * inner, inner) }
            }
        }
        dst.update(from: partials, count: inner)
        for k in 1..<parts where k * per < n {
            let p = partials + k * inner
            for j in 0..<inner { dst[j] = F.combine(dst[j], p[j]) }
        }
    } else {
        // Column blocks give every core work when there are few lanes.
        let blocks = outer >= Parallel.threads ? 1 : max(1, min(Parallel.threads, inner / 1024))
        let width = (inner + blocks - 1) / blocks
        Parallel.forEachChunk(count: outer * blocks, costPerItem: n * width, align: 1) { r in
            for u in r {
                let o = u / blocks, c0 = (u % blocks) * width, w = min(width, inner - c0)
                if w > 0 { accumulateRows(F.self, src + o * n * inner + c0, n, inner, dst + o * inner + c0, w) }
            }
        }
    }
}

/// `acc[j] = fold over k of rows[k * stride + j]` for `j < width`.
@inline(__always)
func accumulateRows<F: Fold>(_ fold: F.Type, _ rows: UnsafePointer<Double>, _ n: Int, _ stride: Int,
                             _ acc: UnsafeMutablePointer<Double>, _ width: Int) {
    for j in 0..<width { acc[j] = F.first(rows[j]) }
    var row = rows
    for _ in 1..<n {
        row += stride
        for j in 0..<width { acc[j] = F.step(acc[j], row[j]) }
    }
}

/// Writes the 0-based position of the first element in each lane for which
/// `better(x, best)` held against every earlier one.
@inline(__always)
func argReduce(_ src: UnsafePointer<Double>, _ layout: AxisLayout, _ dst: UnsafeMutablePointer<Double>,
               _ better: (Double, Double) -> Bool) {
    let (outer, n, inner) = (layout.outer, layout.n, layout.inner)
    if outer * inner == 0 || n == 0 { return }
    Parallel.forEachChunk(count: outer, costPerItem: n * inner, align: 1) { r in
        var best = [Double](repeating: 0, count: inner)
        for o in r {
            let base = src + o * n * inner, out = dst + o * inner
            for j in 0..<inner { best[j] = base[j]; out[j] = 0 }
            for k in 1..<n {
                let row = base + k * inner
                for j in 0..<inner where better(row[j], best[j]) { best[j] = row[j]; out[j] = Double(k) }
            }
        }
    }
}
