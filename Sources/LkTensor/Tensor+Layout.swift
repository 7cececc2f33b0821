// Rearranging elements as NumPy's repeat, triu/tril, flip, roll, diff, kron and
// meshgrid do (tile is `tiled`, in Tensor+Shape.swift). Every result is a new
// contiguous tensor whose size went through `checkedCount`.

extension Tensor {
    /// NumPy's `repeat`: each element (each slice along `axis`) repeated `repeats[k]`
    /// times in place; one count applies to all, otherwise there is one per element
    /// of the axis. `axis == nil` works on the flattened tensor.
    public func repeated(_ repeats: [Int], axis: Int?) throws -> Tensor {
        let src = axis == nil ? flattened() : self
        let a = try axis.map { try Tensor.normalizedAxis($0, rank: rank) } ?? 0
        let layout = AxisLayout(shape: src.shape, axis: a)
        let n = layout.n
        guard repeats.count == 1 || repeats.count == n else {
            throw TensorError("repeats has \(repeats.count) counts but axis \(a) has \(n) elements")
        }
        if let r = repeats.first(where: { $0 < 0 }) { throw TensorError("repeats must not be negative, got \(r)") }
        var total = 0
        for k in 0..<n {
            let (t, o) = total.addingReportingOverflow(repeats.count == 1 ? repeats[0] : repeats[k])
            if o { throw TensorError("repeats add up to more elements than a tensor can hold") }
            total = t
        }
        var outShape = src.shape
        outShape[a] = total
        let out = try Tensor.hugePageResult(shape: outShape)
        if out.count == 0 { return out }
        let inner = layout.inner
        var d = out.pointer
        for o in 0..<layout.outer {
            for k in 0..<n {
                let row = src.pointer + (o * n + k) * inner
                for _ in 0..<(repeats.count == 1 ? repeats[0] : repeats[k]) { d.update(from: row, count: inner); d += inner }
            }
        }
        return out
    }

    /// NumPy's `triu` (`upper == true`: keeps element (i, j) of each matrix in the
    /// last two axes where `j − i ≥ k`) and `tril` (keeps `j − i ≤ k`); the rest
    /// becomes 0. A vector v is first broadcast to the square matrix of rows v.
    public func triangle(upper: Bool, k: Int) throws -> Tensor {
        guard rank >= 1 else { throw TensorError("x must have at least one axis, got a number") }
        let m = rank == 1 ? try broadcast(to: [shape[0], shape[0]]) : self
        let rows = m.shape[m.rank - 2], cols = m.shape[m.rank - 1]
        let out = try Tensor.hugePageResult(shape: m.shape)
        let src = m.pointer, dst = out.pointer
        for b in 0..<(rows * cols == 0 ? 0 : out.count / (rows * cols)) {
            for i in 0..<rows {
                let base = b * rows * cols + i * cols
                for j in 0..<cols {
                    let keep = upper ? j - i >= k : j - i <= k
                    dst[base + j] = keep ? src[base + j] : 0
                }
            }
        }
        return out
    }

    /// NumPy's `flip`: the order of elements reversed along each axis in `axes`
    /// (negative counts from the end), or along every axis when `axes == nil`.
    public func flipped(axes: [Int]?) throws -> Tensor {
        let flip = try axes.map { try $0.map { try Tensor.normalizedAxis($0, rank: rank) } } ?? Array(0..<rank)
        return remapped(shape.indices.map { d in flip.contains(d) ? Array((0..<shape[d]).reversed()) : nil })
    }

    /// NumPy's `roll`: elements shifted by `shifts[i]` positions along `axes[i]`,
    /// those pushed off the end coming back at the start. `axes == nil` rolls the
    /// flattened tensor by the one shift and restores the shape.
    public func rolled(_ shifts: [Int], axes: [Int]?) throws -> Tensor {
        guard let axes else {
            guard shifts.count == 1 else { throw TensorError("shift must be one number when axis is none, got \(shifts.count)") }
            return try flattened().rolled(shifts, axes: [0]).reshaped(shape)
        }
        guard shifts.count == axes.count || shifts.count == 1 || axes.count == 1 else {
            throw TensorError("shift has \(shifts.count) values but axis has \(axes.count)")
        }
        var total = [Int](repeating: 0, count: rank)
        for i in 0..<Swift.max(shifts.count, axes.count) {
            let d = try Tensor.normalizedAxis(axes[axes.count == 1 ? 0 : i], rank: rank)
            let s = shifts[shifts.count == 1 ? 0 : i]
            total[d] = shape[d] == 0 ? 0 : (total[d] + s % shape[d]) % shape[d]
        }
        return remapped(shape.indices.map { d in
            let n = shape[d], s = (total[d] + n) % Swift.max(n, 1)
            return s == 0 ? nil : (0..<n).map { ($0 - s + n) % n }
        })
    }

    /// `out[i₀, …, iᵣ] = self[map₀(i₀), …, mapᵣ(iᵣ)]` with `nil` meaning the identity.
    func remapped(_ maps: [[Int]?]) -> Tensor {
        if maps.allSatisfy({ $0 == nil }) || count == 0 || rank == 0 { return self }
        let out = sameShapeBuffer()
        let st = strides, last = rank - 1, inner = shape[last]
        let src = pointer, dst = out.pointer
        var index = [Int](repeating: 0, count: last)
        for o in 0..<(count / inner) {
            var s = 0
            for d in 0..<last { s += (maps[d]?[index[d]] ?? index[d]) * st[d] }
            let row = dst + o * inner
            if let m = maps[last] { for j in 0..<inner { row[j] = src[s + m[j]] } }
            else { row.update(from: src + s, count: inner) }
            var d = last - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return out
    }

    /// NumPy's `diff`: the n-th forward difference `out[k] = x[k+1] − x[k]` (applied
    /// n times) along `axis`; that axis shrinks by n (to 0 when n exceeds it).
    public func differenced(_ n: Int, axis: Int) throws -> Tensor {
        guard rank >= 1 else { throw TensorError("x must have at least one axis, got a number") }
        guard n >= 0 else { throw TensorError("n must be non-negative, got \(n)") }
        let a = try Tensor.normalizedAxis(axis, rank: rank)
        var x = self
        for _ in 0..<Swift.min(n, shape[a]) {
            let layout = AxisLayout(shape: x.shape, axis: a)
            var outShape = x.shape
            outShape[a] -= 1
            let out = try Tensor.hugePageResult(shape: outShape)
            let (len, inner) = (layout.n, layout.inner)
            let src = x.pointer, dst = out.pointer
            for o in 0..<layout.outer {
                for k in 0..<(len - 1) {
                    let s = src + (o * len + k) * inner, d = dst + (o * (len - 1) + k) * inner
                    for j in 0..<inner { d[j] = s[inner + j] - s[j] }
                }
            }
            x = out
        }
        return x
    }

    /// NumPy's `kron`: the Kronecker product, blocks `a[i] * b` laid out in a's
    /// shape; the operand of lower rank gets leading axes of size 1 first, and the
    /// result has shape `a.shape[d] * b.shape[d]` on each axis.
    public static func kron(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let r = Swift.max(a.rank, b.rank)
        let sa = [Int](repeating: 1, count: r - a.rank) + a.shape
        let sb = [Int](repeating: 1, count: r - b.rank) + b.shape
        if 2 * r > Tensor.maxRank { throw TensorError("kron of rank-\(r) tensors is not supported (at most rank \(Tensor.maxRank / 2))") }
        // Interleave the axes: a as (a₀, 1, a₁, 1, …), b as (1, b₀, 1, b₁, …); their
        // broadcast product has shape (a₀, b₀, a₁, b₁, …), which merges pairwise.
        let wide = try Tensor.binary(.mul, try a.reshaped(sa.flatMap { [$0, 1] }), try b.reshaped(sb.flatMap { [1, $0] }))
        return try wide.reshaped(zip(sa, sb).map { $0 * $1 })
    }

    /// NumPy's `meshgrid`: for vectors x₁ … xₖ (each flattened) of lengths n₁ … nₖ,
    /// k tensors of shape (n₁, …, nₖ) (`ij`) or (n₂, n₁, n₃, …, nₖ) (`xy`, NumPy's
    /// default), the i-th holding xᵢ along its axis.
    public static func meshgrid(_ xs: [Tensor], ij: Bool) throws -> [Tensor] {
        var sizes = xs.map(\.count)
        if !ij && xs.count >= 2 { sizes.swapAt(0, 1) }
        _ = try Tensor.checkedCount(sizes)
        return try xs.enumerated().map { i, x in
            var axis = i
            if !ij && xs.count >= 2 && i < 2 { axis = 1 - i }
            var s = [Int](repeating: 1, count: xs.count)
            s[axis] = x.count
            return try x.reshaped(s).broadcast(to: sizes)
        }
    }
}
