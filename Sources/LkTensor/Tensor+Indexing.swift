import Foundation

/// What a subscript selects along one axis. Specs apply to the leading axes in
/// order; axes without a spec are taken whole.
public enum IndexSpec: Sendable, Equatable {
    /// One position (negative counts from the end); the axis is removed.
    case index(Int)
    /// Python's `start:stop:step`: nil bounds default to the whole axis in the
    /// direction of `step` (default 1, never 0), negative bounds count from the
    /// end, and out-of-range bounds are clamped. The axis is kept.
    case slice(start: Int?, stop: Int?, step: Int?)
    /// The listed positions in order (negative allowed, repeats allowed); the axis
    /// is kept with length `count`.
    case gather([Int])
    /// The positions where the mask is true; the mask must be as long as the axis.
    case mask([Bool])

    /// The whole axis, `:`.
    public static let all = IndexSpec.slice(start: nil, stop: nil, step: nil)
}

/// One spec resolved against the size of its axis: the source positions it picks.
enum AxisSelection {
    case single(Int)
    case range(start: Int, step: Int, count: Int)
    case list([Int])

    var count: Int {
        switch self {
        case .single: return 1
        case .range(_, _, let n): return n
        case .list(let l): return l.count
        }
    }

    var keepsAxis: Bool { if case .single = self { return false } else { return true } }

    func position(_ k: Int) -> Int {
        switch self {
        case .single(let i): return i
        case .range(let s, let st, _): return s + k * st
        case .list(let l): return l[k]
        }
    }

    /// Resolves Python slice bounds (`slice.indices`) for an axis of `size`.
    static func slice(_ start: Int?, _ stop: Int?, _ step: Int?, size: Int) throws -> AxisSelection {
        // A step beyond ±size selects at most one element, so clamping it avoids
        // overflow (negating Int.min) without changing the result.
        let step = Swift.max(step ?? 1, -Int.max)
        if step == 0 { throw TensorError("slice step cannot be zero") }
        let (lower, upper) = step > 0 ? (0, size) : (-1, size - 1)
        func clamp(_ v: Int?, _ byDefault: Int) -> Int {
            guard var v else { return byDefault }
            if v < 0 { v += size; return Swift.max(v, lower) }
            return Swift.min(v, upper)
        }
        let s = clamp(start, step > 0 ? lower : upper)
        let e = clamp(stop, step > 0 ? upper : lower)
        let n = step > 0 ? (e > s ? (e - s - 1) / step + 1 : 0) : (s > e ? (s - e - 1) / -step + 1 : 0)
        return .range(start: s, step: step, count: n)
    }
}

extension Tensor {
    /// The position `i` on an axis of `size`, counting from the end when negative.
    static func checkedIndex(_ i: Int, axis: Int, size: Int) throws -> Int {
        guard i >= -size && i < size else {
            throw TensorError("index \(i) is out of range for axis \(axis) of size \(size)")
        }
        return i < 0 ? i + size : i
    }

    /// One selection per axis (missing trailing specs select whole axes).
    func selections(_ specs: [IndexSpec]) throws -> [AxisSelection] {
        if specs.count > rank { throw TensorError("too many indices: \(specs.count) for a tensor of rank \(rank)") }
        var sel: [AxisSelection] = []
        sel.reserveCapacity(rank)
        for (axis, size) in shape.enumerated() {
            switch axis < specs.count ? specs[axis] : .all {
            case .index(let i):
                sel.append(.single(try Tensor.checkedIndex(i, axis: axis, size: size)))
            case .slice(let start, let stop, let step):
                sel.append(try AxisSelection.slice(start, stop, step, size: size))
            case .gather(let list):
                sel.append(.list(try list.map { try Tensor.checkedIndex($0, axis: axis, size: size) }))
            case .mask(let mask):
                guard mask.count == size else {
                    throw TensorError("boolean mask of length \(mask.count) does not match axis \(axis) of size \(size)")
                }
                sel.append(.list(mask.indices.filter { mask[$0] }))
            }
        }
        return sel
    }

    /// Calls `body(sourceOffset, regionOffset, length)` for contiguous runs covering
    /// the selected region, in row-major order of the region. Trailing whole axes,
    /// and a unit-step range just before them, are merged into each run.
    static func walk(_ sel: [AxisSelection], shape: [Int], _ body: (Int, Int, Int) -> Void) {
        // An empty region has nothing to walk; its other axes may be huge (zeros(0, 2^32, 2^32)),
        // and run lengths or offset tables over them would overflow or exhaust memory.
        if sel.contains(where: { $0.count == 0 }) { return }
        let strides = Tensor.strides(for: shape)
        var k = sel.count
        var run = 1
        while k > 0, case .range(0, 1, shape[k - 1]) = sel[k - 1] {
            k -= 1
            run *= shape[k]
        }
        var base = 0
        if k > 0 {
            switch sel[k - 1] {
            case .range(let start, 1, let n): k -= 1; base = start * strides[k]; run *= n
            case .single(let i): k -= 1; base = i * strides[k]
            default: break
            }
        }
        // Offsets of each selected position along the remaining (walked) axes.
        let offsets = (0..<k).map { a in (0..<sel[a].count).map { sel[a].position($0) * strides[a] } }
        if run == 0 || offsets.contains(where: { $0.isEmpty }) { return }
        var index = [Int](repeating: 0, count: k)
        var src = base + offsets.reduce(0) { $0 + $1[0] }
        var region = 0
        while true {
            body(src, region, run)
            region += run
            var d = k - 1
            while d >= 0 {
                src -= offsets[d][index[d]]
                index[d] += 1
                if index[d] < offsets[d].count { src += offsets[d][index[d]]; break }
                index[d] = 0
                src += offsets[d][0]
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// The elements selected by `specs` (see `IndexSpec`), as a new tensor whose
    /// axes are the kept ones in order. Fewer specs than axes select the remaining
    /// axes whole; all-`index` specs give a rank-0 tensor.
    /// Throws `index 5 is out of range for axis 0 of size 3` or
    /// `too many indices: 3 for a tensor of rank 2`.
    public func get(_ specs: [IndexSpec]) throws -> Tensor {
        if specs.count == rank, let offset = try scalarOffset(specs) { return Tensor(scalar: pointer[offset]) }
        let sel = try selections(specs)
        var out = try Tensor.hugePageResult(shape: sel.filter(\.keepsAxis).map(\.count))
        out.isBool = isBool
        let src = pointer, dst = out.pointer
        Tensor.walk(sel, shape: shape) { s, r, n in
            if n == 1 { dst[r] = src[s] } else { (dst + r).update(from: src + s, count: n) }
        }
        return out
    }

    /// Writes `value`, broadcast to the shape of the selected region, into the
    /// selection (this tensor only: copy-on-write keeps other copies unchanged).
    /// Leading axes of size 1 in `value` beyond the region's rank are ignored, as
    /// in NumPy. With repeated `gather` positions, the last write wins.
    /// Throws `cannot assign a value of shape (3,) to a selection of shape (2,4)`.
    public mutating func set(_ specs: [IndexSpec], to value: Tensor) throws {
        let sel = try selections(specs)
        let region = sel.filter(\.keepsAxis).map(\.count)
        var v = value
        while v.rank > region.count, v.shape[0] == 1 { v = try v.reshaped(Array(v.shape.dropFirst())) }
        guard v.rank <= region.count, Tensor.broadcastShape(v.shape, region) == region else {
            throw TensorError("cannot assign a value of shape \(shapeString(value.shape)) to a selection of shape \(shapeString(region))")
        }
        if v.count == 1 { return fill(sel, with: v.pointer.pointee) }
        v = try v.broadcast(to: region)
        makeUnique()   // copies if `value` shares this buffer, so v is never overwritten
        let dst = pointer, src = v.pointer
        Tensor.walk(sel, shape: shape) { d, r, n in
            if n == 1 { dst[d] = src[r] } else { (dst + d).update(from: src + r, count: n) }
        }
    }

    /// Writes the number `value` into every selected element.
    public mutating func set(_ specs: [IndexSpec], to value: Double) throws {
        if specs.count == rank, let offset = try scalarOffset(specs) {
            makeUnique()
            pointer[offset] = value
            return
        }
        fill(try selections(specs), with: value)
    }

    private mutating func fill(_ sel: [AxisSelection], with value: Double) {
        makeUnique()
        let dst = pointer
        Tensor.walk(sel, shape: shape) { d, _, n in
            if n == 1 { dst[d] = value } else { (dst + d).update(repeating: value, count: n) }
        }
    }

    /// The flat offset when every spec is `.index` (one element), else nil.
    private func scalarOffset(_ specs: [IndexSpec]) throws -> Int? {
        var offset = 0
        for (axis, spec) in specs.enumerated() {
            guard case .index(let i) = spec else { return nil }
            offset = offset * shape[axis] + (try Tensor.checkedIndex(i, axis: axis, size: shape[axis]))
        }
        return offset
    }

    /// Element `i` of a vector (negative counts from the end), without allocating.
    public func element(_ i: Int) throws -> Double {
        guard rank == 1 else { throw TensorError("one index given for a tensor of shape \(shapeString(shape))") }
        return pointer[try Tensor.checkedIndex(i, axis: 0, size: shape[0])]
    }

    /// Element `[i, j]` of a matrix (negative counts from the end), without allocating.
    public func element(_ i: Int, _ j: Int) throws -> Double {
        guard rank == 2 else { throw TensorError("two indices given for a tensor of shape \(shapeString(shape))") }
        let r = try Tensor.checkedIndex(i, axis: 0, size: shape[0])
        let c = try Tensor.checkedIndex(j, axis: 1, size: shape[1])
        return pointer[r * shape[1] + c]
    }
}
