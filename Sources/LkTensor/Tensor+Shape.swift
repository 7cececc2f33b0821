import Foundation

extension Tensor {
    /// Joins tensors along an existing `axis` (negative counts from the end). All
    /// must have the same rank (at least 1) and the same sizes on every other axis.
    /// Errors number the arguments from 1: `concat: argument 2 has shape (2,4) but
    /// argument 1 has shape (3,3); they must match except along axis 0`.
    public static func concat(_ ts: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = ts.first else { throw TensorError("concat: needs at least one tensor") }
        if let i = ts.firstIndex(where: { $0.rank == 0 }) {
            throw TensorError("concat: argument \(i + 1) is a number (shape ()); concat joins tensors of rank 1 or more (use stack for numbers)")
        }
        let a = try normalizedAxis(axis, rank: first.rank)
        var shape = first.shape
        shape[a] = 0
        for (i, t) in ts.enumerated() {
            var other = t.shape
            if other.count == shape.count { other[a] = 0 }
            guard other == shape else {
                throw TensorError("concat: argument \(i + 1) has shape \(shapeString(t.shape)) but argument 1 has shape \(shapeString(first.shape)); they must match except along axis \(a)")
            }
        }
        shape[a] = ts.reduce(0) { $0 + $1.shape[a] }
        let outer = shape[..<a].reduce(1, *)
        return try join(ts, shape: shape, outer: outer) { $0.count / Swift.max(outer, 1) }
    }

    /// Joins tensors of one shape along a new `axis` (0...rank, negative counts
    /// from the end, -1 meaning after the last axis): numbers stack into a vector,
    /// vectors into the rows (axis 0) or columns (axis 1) of a matrix.
    public static func stack(_ ts: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = ts.first else { throw TensorError("stack: needs at least one tensor") }
        for (i, t) in ts.enumerated() where t.shape != first.shape {
            throw TensorError("stack: argument \(i + 1) has shape \(shapeString(t.shape)) but argument 1 has shape \(shapeString(first.shape)); stack needs tensors of one shape")
        }
        let a = try normalizedAxis(axis, rank: first.rank + 1)
        var shape = first.shape
        shape.insert(ts.count, at: a)
        let outer = first.shape[..<a].reduce(1, *)
        return try join(ts, shape: shape, outer: outer) { $0.count / Swift.max(outer, 1) }
    }

    /// Copies, for each of `outer` blocks, the next `block(t)` elements of each tensor in turn.
    private static func join(_ ts: [Tensor], shape: [Int], outer: Int, block: (Tensor) -> Int) throws -> Tensor {
        let out = try Tensor.hugePageResult(shape: shape)
        let blocks = ts.map(block)
        var dst = out.pointer
        for o in 0..<outer {
            for (t, b) in zip(ts, blocks) {
                dst.update(from: t.pointer + o * b, count: b)
                dst += b
            }
        }
        return out
    }

    /// NumPy's `.T`: a matrix transposed, a tensor of rank > 2 with its axes
    /// reversed, and a tensor of rank < 2 unchanged.
    public func transposed() -> Tensor {
        if rank < 2 { return self }
        return permuted(Array((0..<rank).reversed()))
    }

    /// The tensor with axis `axes[i]` of self as its axis `i`; `axes` must be a
    /// permutation of `0..<rank` (negative entries count from the end).
    public func transposed(axes: [Int]) throws -> Tensor {
        guard axes.count == rank else {
            throw TensorError("transpose: \(axes.count) axes given for a tensor of rank \(rank)")
        }
        let perm = try axes.map { try Tensor.normalizedAxis($0, rank: rank) }
        guard Set(perm).count == rank else {
            throw TensorError("transpose: axes \(axes) are not a permutation of 0..<\(rank)")
        }
        return permuted(perm)
    }

    private func permuted(_ perm: [Int]) -> Tensor {
        if perm == Array(0..<rank) { return self }
        let outShape = perm.map { shape[$0] }
        var out = sameCountBuffer(shape: outShape)
        out.isBool = isBool
        let src = pointer, dst = out.pointer
        if count == 0 { return out }
        let st = strides
        if rank == 2 {
            // Tiles keep both the reads and the writes within a few cache lines.
            let (rows, cols) = (outShape[0], outShape[1]), rowStride = st[perm[0]], colStride = st[perm[1]]
            let tile = 32
            Parallel.forEachChunk(count: (rows + tile - 1) / tile, costPerItem: tile * cols, align: 1) { r in
                for i0 in stride(from: r.lowerBound * tile, to: Swift.min(r.upperBound * tile, rows), by: tile) {
                    for j0 in stride(from: 0, to: cols, by: tile) {
                        for i in i0..<Swift.min(i0 + tile, rows) {
                            let d = dst + i * cols, s = src + i * rowStride
                            for j in j0..<Swift.min(j0 + tile, cols) { d[j] = s[j * colStride] }
                        }
                    }
                }
            }
            return out
        }
        // General case: walk the output in order, reading along the source's strides.
        let srcStrides = perm.map { st[$0] }
        let inner = outShape[rank - 1], innerStride = srcStrides[rank - 1]
        var index = [Int](repeating: 0, count: rank - 1)
        var s = 0
        for o in 0..<(count / inner) {
            let d = dst + o * inner
            for j in 0..<inner { d[j] = src[s + j * innerStride] }
            var k = rank - 2
            while k >= 0 {
                index[k] += 1
                s += srcStrides[k]
                if index[k] < outShape[k] { break }
                s -= srcStrides[k] * outShape[k]
                index[k] = 0
                k -= 1
            }
        }
        return out
    }

    /// A new buffer of self's element count with another shape; cannot fail (see
    /// `sameShapeBuffer`).
    func sameCountBuffer(shape newShape: [Int]) -> Tensor {
        var t = sameShapeBuffer()
        // Same element count, no negative sizes: reshaping cannot fail.
        if let r = try? t.reshaped(newShape) { t = r }
        return t
    }

    /// Evenly spaced values `start, start + d, …` below `stop` (above it for a
    /// negative step), with NumPy's length `ceil((stop - start) / step)` (0 when that
    /// is negative) and NumPy's values `start + i * d` where `d = (start + step) - start`.
    public static func arange(_ start: Double, _ stop: Double, _ step: Double = 1) throws -> Tensor {
        guard step != 0 else { throw TensorError("arange: step must not be zero") }
        guard start.isFinite, stop.isFinite, step.isFinite else {
            throw TensorError("arange: start, stop and step must be finite, got \(start), \(stop), \(step)")
        }
        let length = Swift.max(((stop - start) / step).rounded(.up), 0)
        guard length < 1e15 else {
            throw TensorError("arange: \(start) to \(stop) by \(step) would have \(length) elements, too many")
        }
        let delta = (start + step) - start
        return try Tensor.build(shape: [Int(length)]) { p, n in
            for i in 0..<n { p[i] = start + Double(i) * delta }
            if n > 0 { p[0] = start }
            if n > 1 { p[1] = start + step }
        }
    }

    /// `n` evenly spaced values from `a` to `b`, both included (the last is exactly
    /// `b`); `n == 1` gives `[a]`, `n == 0` an empty vector. Values are
    /// `a + i * (b - a) / (n - 1)`, as in NumPy.
    public static func linspace(_ a: Double, _ b: Double, _ n: Int) throws -> Tensor {
        guard n >= 0 else { throw TensorError("linspace: the number of points must be non-negative, got \(n)") }
        let div = Double(n - 1), delta = b - a, step = delta / div
        return try Tensor.build(shape: [n]) { p, n in
            if n == 1 { p[0] = a; return }
            for i in 0..<n {
                // When the step underflows to 0, scale before dividing (NumPy does the same).
                p[i] = (step == 0 ? Double(i) / div * delta : Double(i) * step) + a
            }
            if n > 1 { p[n - 1] = b }
            // One point is `a` (NumPy); the step above divides by n − 1 = 0.
            if n == 1 { p[0] = a }
        }
    }

    /// The `n × m` matrix (m defaults to n) with ones on the main diagonal.
    public static func eye(_ n: Int, _ m: Int? = nil) throws -> Tensor {
        let m = m ?? n
        var t = try Tensor(shape: [n, m], repeating: 0)
        t.withUnsafeMutableBufferPointer { p in for i in 0..<Swift.min(n, m) { p[i * m + i] = 1 } }
        return t
    }

    /// For a vector of length k, the k × k matrix with it on the diagonal; for a
    /// matrix (any r × c), its main diagonal as a vector of length min(r, c).
    public static func diag(_ t: Tensor) throws -> Tensor {
        switch t.rank {
        case 1:
            let k = t.shape[0]
            var out = try Tensor(shape: [k, k], repeating: 0)
            out.withUnsafeMutableBufferPointer { p in for i in 0..<k { p[i * k + i] = t.pointer[i] } }
            return out
        case 2:
            let (r, c) = (t.shape[0], t.shape[1])
            return try Tensor.build(shape: [Swift.min(r, c)]) { p, n in for i in 0..<n { p[i] = t.pointer[i * c + i] } }
        default:
            throw TensorError("diag: expects a vector or a matrix, got shape \(shapeString(t.shape))")
        }
    }

    /// Self without its axes of size 1 (no copy).
    public func squeezed() -> Tensor { reshapedKeepingCount(shape.filter { $0 != 1 }) }

    /// Self as a vector of `count` elements in row-major order (no copy).
    public func flattened() -> Tensor { reshapedKeepingCount([count]) }

    /// Self with a new axis of size 1 inserted at position `axis` (0...rank,
    /// negative counts from the end) (no copy).
    public func expanded(axis: Int) throws -> Tensor {
        var s = shape
        s.insert(1, at: try Tensor.normalizedAxis(axis, rank: rank + 1))
        return reshapedKeepingCount(s)
    }

    /// NumPy's `tile`: self repeated `reps[i]` times along axis i. A shorter `reps`
    /// is padded with leading 1s; a longer one gives self leading axes of size 1.
    public func tiled(_ reps: [Int]) throws -> Tensor {
        if let r = reps.first(where: { $0 < 0 }) { throw TensorError("tile: repetitions must be non-negative, got \(r)") }
        let r = Swift.max(rank, reps.count)
        let s = [Int](repeating: 1, count: r - rank) + shape
        let n = [Int](repeating: 1, count: r - reps.count) + reps
        // Broadcast (1, s0, 1, s1, …) to (n0, s0, n1, s1, …), then merge each pair.
        let spread = try reshaped(s.flatMap { [1, $0] })
        let big = try spread.broadcast(to: zip(n, s).flatMap { [$0, $1] })
        return try big.reshaped(zip(n, s).map { $0 * $1 })
    }

    /// `reshaped` for a shape known to have self's element count, which cannot fail.
    private func reshapedKeepingCount(_ s: [Int]) -> Tensor {
        (try? reshaped(s)) ?? self
    }
}
