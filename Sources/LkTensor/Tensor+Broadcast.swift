import Foundation

extension Tensor {
    /// The shape that `a` and `b` broadcast to under NumPy's rules, or nil if they
    /// are incompatible. Shapes are aligned at their last axis; missing leading
    /// axes count as 1; two sizes are compatible when equal or when one is 1
    /// (so 1 and 0 give 0, but 3 and 0 are incompatible).
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// `a op b` elementwise, broadcasting `a` and `b` to a common shape (NumPy's rules).
    /// Throws `shape mismatch: (3,4) + (5,2)` when the shapes are incompatible.
    public static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        if a.shape == b.shape { return try binarySameShape(op, a, b) }
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw TensorError("shape mismatch: \(shapeString(a.shape)) \(op.symbol) \(shapeString(b.shape))")
        }
        // A one-element operand that does not add axes is a number.
        if shape == a.shape, b.count == 1 { return try binary(op, a, b.pointer.pointee) }
        if shape == b.shape, a.count == 1 { return try binary(op, a.pointer.pointee, b) }
        var out = try Tensor.hugePageResult(shape: shape)
        out.isBool = op.isComparison
        let pa = a.pointer, pb = b.pointer, dst = out.pointer
        BroadcastPlan(shape: shape, a.shape, b.shape).execute { oa, sa, ob, sb, od, n in
            binaryRun(op, pa + oa, sa, pb + ob, sb, dst + od, n)
        }
        return out
    }

    /// Replaces self by `self op b`, reusing self's buffer when it is not shared and
    /// `b` broadcasts to self's shape; otherwise the same as `self = binary(op, self, b)`.
    public mutating func formBinary(_ op: BinaryOp, _ b: Tensor) throws {
        guard let shape = Tensor.broadcastShape(self.shape, b.shape) else {
            throw TensorError("shape mismatch: \(shapeString(self.shape)) \(op.symbol) \(shapeString(b.shape))")
        }
        if shape != self.shape { self = try Tensor.binary(op, self, b); return }
        // If b shares self's buffer, makeUnique copies self, so b is never written.
        makeUnique()
        isBool = op.isComparison
        let p = pointer, pb = b.pointer
        BroadcastPlan(shape: shape, shape, b.shape).execute { oa, sa, ob, sb, od, n in
            binaryRun(op, p + oa, sa, pb + ob, sb, p + od, n)
        }
    }

    /// Self repeated along new leading axes and along axes of size 1 so that it has
    /// `shape` (NumPy's `broadcast_to`, copied into a new contiguous tensor).
    /// Throws `cannot broadcast (3,) to (2,4)` when that is impossible.
    public func broadcast(to shape: [Int]) throws -> Tensor {
        guard shape.count >= self.shape.count, Tensor.broadcastShape(self.shape, shape) == shape else {
            throw TensorError("cannot broadcast \(shapeString(self.shape)) to \(shapeString(shape))")
        }
        if shape == self.shape { return self }
        let out = try Tensor.hugePageResult(shape: shape)
        let src = pointer, dst = out.pointer
        BroadcastPlan(shape: shape, self.shape, self.shape).execute { oa, sa, _, _, od, n in
            if sa != 0 { (dst + od).update(from: src + oa, count: n) }
            else { (dst + od).update(repeating: src[oa], count: n) }
        }
        return out
    }
}

/// How to walk a contiguous output of some shape while reading two operands that
/// broadcast to it: as `outer` runs of `run` elements, each operand advancing by
/// 0 (broadcast) or 1 (contiguous) within a run.
///
/// Axes of size 1 are dropped and neighbouring axes that are contiguous in both
/// operands are merged, so same-layout cases collapse to a single long run and
/// `(n,1) + (1,m)` becomes n runs of m elements with the left operand fixed.
struct BroadcastPlan {
    /// Sizes of the outer (merged) axes, and each operand's stride along them.
    var sizes: [Int] = []
    var stridesA: [Int] = []
    var stridesB: [Int] = []
    /// Length of the innermost run and each operand's stride (0 or 1) within it.
    var run = 1
    var runStrideA = 0
    var runStrideB = 0
    /// Number of runs.
    var outer = 1

    /// `a` and `b` must broadcast to `shape` (checked by the caller).
    init(shape: [Int], _ a: [Int], _ b: [Int]) {
        let sa = BroadcastPlan.broadcastStrides(a, to: shape)
        let sb = BroadcastPlan.broadcastStrides(b, to: shape)
        // Build the merged axes from the innermost outwards.
        var merged: [(size: Int, a: Int, b: Int)] = []
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if let last = merged.last, sa[i] == last.a * last.size, sb[i] == last.b * last.size {
                merged[merged.count - 1].size *= shape[i]
            } else {
                merged.append((shape[i], sa[i], sb[i]))
            }
        }
        guard let inner = merged.first else { return }   // one element: a single run of 1
        run = inner.size
        runStrideA = inner.a
        runStrideB = inner.b
        for axis in merged.dropFirst().reversed() {
            sizes.append(axis.size)
            stridesA.append(axis.a)
            stridesB.append(axis.b)
            outer *= axis.size
        }
    }

    /// Row-major element strides of `shape` seen from `target` (right-aligned),
    /// with 0 on broadcast axes and on the missing leading ones.
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = Tensor.strides(for: shape)
        let lead = target.count - shape.count
        return target.indices.map { i in
            i < lead || shape[i - lead] == 1 ? 0 : own[i - lead]
        }
    }

    /// Calls `kernel(offsetA, strideA, offsetB, strideB, outputOffset, length)` for
    /// runs covering the whole output, splitting the work across cores when large.
    func execute(_ kernel: (Int, Int, Int, Int, Int, Int) -> Void) {
        if outer * run == 0 { return }
        if outer == 1 {
            let ra = runStrideA, rb = runStrideB
            Parallel.forEachChunk(count: run) { r in
                kernel(r.lowerBound * ra, ra, r.lowerBound * rb, rb, r.lowerBound, r.count)
            }
        } else {
            Parallel.forEachChunk(count: outer, costPerItem: run, align: 1) { r in
                forEachRun(r) { oa, ob, od in kernel(oa, runStrideA, ob, runStrideB, od, run) }
            }
        }
    }

    /// Calls `body(offsetA, offsetB, outputOffset)` for the runs numbered `range`,
    /// stepping an odometer over the outer axes instead of dividing per run.
    func forEachRun(_ range: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        let k = sizes.count
        var index = [Int](repeating: 0, count: k)
        var oa = 0, ob = 0
        var rest = range.lowerBound
        for d in stride(from: k - 1, through: 0, by: -1) {
            index[d] = rest % sizes[d]
            rest /= sizes[d]
            oa += index[d] * stridesA[d]
            ob += index[d] * stridesB[d]
        }
        for o in range {
            body(oa, ob, o * run)
            var d = k - 1
            while d >= 0 {
                index[d] += 1
                oa += stridesA[d]
                ob += stridesB[d]
                if index[d] < sizes[d] { break }
                oa -= stridesA[d] * sizes[d]
                ob -= stridesB[d] * sizes[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}
