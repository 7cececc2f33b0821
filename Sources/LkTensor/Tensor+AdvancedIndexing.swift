import Foundation

/// One item of a NumPy subscript, `x[i, a:b, none, [0, 2], mask]`.
///
/// The rules are NumPy's (numpy.org, "Indexing on ndarrays"):
/// - `index` and `slice` are basic indexing: an integer removes its axis, a slice
///   keeps it.
/// - `newAxis` (lk's `none`, NumPy's `np.newaxis`) inserts an axis of size 1 and
///   consumes no axis of the tensor.
/// - `array` (integers, any shape) and `mask` (a boolean tensor, consuming as many
///   axes as it has) are advanced indexing. A mask is the same as the integer
///   arrays of its true positions (`nonzero`). All advanced indices — and, when
///   there is one, the integers too — broadcast together to one shape B, and the
///   result takes B's axes in place of the indexed ones when the advanced indices
///   stand next to each other, else at the front (NumPy's rule for
///   `x[[0, 1], :, [0, 1]]`).
public enum Subscript: Sendable {
    case index(Int)
    case slice(start: Int?, stop: Int?, step: Int?)
    case newAxis
    case array(Tensor)
    case mask(Tensor)

    var consumedAxes: Int {
        switch self {
        case .newAxis: return 0
        case .mask(let m): return m.rank
        default: return 1
        }
    }

    var isAdvanced: Bool {
        switch self {
        case .array, .mask: return true
        default: return false
        }
    }
}

/// A subscript resolved against a shape: the result's shape, and the result as an
/// outer sum of "virtual axes", each a list of source offsets (in elements). The
/// advanced block is one virtual axis of prod(B) offsets that spans B's axes.
struct IndexPlan {
    var shape: [Int] = []
    var axes: [[Int]] = []
    var base = 0

    /// Calls `body(source, result, n)` for contiguous runs, in result order.
    func walk(_ body: (Int, Int, Int) -> Void) {
        var axes = self.axes
        var src = base
        // Trailing virtual axes that step through memory one run after another
        // merge into a single copy of `run` elements.
        var run = 1
        while let last = axes.last, !last.isEmpty {
            var contiguous = true
            for (k, o) in last.enumerated() where o != last[0] + k * run { contiguous = false; break }
            guard contiguous else { break }
            run *= last.count
            src += last[0]
            axes.removeLast()
        }
        if run == 0 || axes.contains(where: { $0.isEmpty }) { return }
        if axes.isEmpty { body(src, 0, run); return }
        let k = axes.count
        var index = [Int](repeating: 0, count: k)
        src += axes.reduce(0) { $0 + $1[0] }
        var region = 0
        while true {
            body(src, region, run)
            region += run
            var d = k - 1
            while d >= 0 {
                src -= axes[d][index[d]]
                index[d] += 1
                if index[d] < axes[d].count { src += axes[d][index[d]]; break }
                index[d] = 0
                src += axes[d][0]
                d -= 1
            }
            if d < 0 { return }
        }
    }
}

extension Tensor {
    /// Whether `items` need the general plan; plain integers and slices use the
    /// orthogonal `IndexSpec` path (no offset lists).
    static func isBasic(_ items: [Subscript]) -> Bool {
        items.allSatisfy { if case .index = $0 { return true }; if case .slice = $0 { return true }; return false }
    }

    /// The elements `self[items]` selects, with NumPy's rules (see `Subscript`).
    /// Throws `index 5 is out of range for axis 0 of size 3`,
    /// `too many indices: 3 for a tensor of rank 2`, or
    /// `boolean index of shape (2,) does not match axis 0 of size 3`.
    public func get(subscript items: [Subscript]) throws -> Tensor {
        if Tensor.isBasic(items) { return try get(items.map(Tensor.spec)) }
        // x[mask] with a mask of x's whole shape: one pass, no offset list.
        if items.count == 1, case .mask(let m) = items[0], m.shape == shape {
            return compress(m)
        }
        let plan = try plan(items)
        var out = try Tensor.hugePageResult(shape: plan.shape)
        out.isBool = isBool
        let src = pointer, dst = out.pointer
        plan.walk { s, r, n in
            if n == 1 { dst[r] = src[s] } else { (dst + r).update(from: src + s, count: n) }
        }
        return out
    }

    /// Writes `value`, broadcast to the selection's shape, into `self[items]`
    /// (NumPy's `x[idx] = v`; with repeated positions the last write wins).
    public mutating func set(subscript items: [Subscript], to value: Tensor) throws {
        if Tensor.isBasic(items) { return try set(items.map(Tensor.spec), to: value) }
        if !value.isBool { isBool = false }
        if value.count == 1, items.count == 1, case .mask(let m) = items[0], m.shape == shape {
            return fill(where: m, with: value.pointer.pointee)
        }
        let plan = try plan(items)
        var v = value
        while v.rank > plan.shape.count, v.shape[0] == 1 { v = try v.reshaped(Array(v.shape.dropFirst())) }
        guard v.rank <= plan.shape.count, Tensor.broadcastShape(v.shape, plan.shape) == plan.shape else {
            throw TensorError("cannot assign a value of shape \(shapeString(value.shape)) to a selection of shape \(shapeString(plan.shape))")
        }
        makeUnique()
        let dst = pointer
        if v.count == 1 {
            let x = v.pointer.pointee
            plan.walk { d, _, n in
                if n == 1 { dst[d] = x } else { (dst + d).update(repeating: x, count: n) }
            }
            return
        }
        v = try v.broadcast(to: plan.shape)
        let src = v.pointer
        plan.walk { d, r, n in
            if n == 1 { dst[d] = src[r] } else { (dst + d).update(from: src + r, count: n) }
        }
    }

    /// Adds `value`, broadcast to the selection's shape, into `self[items]`;
    /// repeated positions add up (NumPy's `np.add.at`): the gradient of indexing.
    public mutating func add(subscript items: [Subscript], _ value: Tensor) throws {
        let plan = try plan(items)
        var v = value
        while v.rank > plan.shape.count, v.shape[0] == 1 { v = try v.reshaped(Array(v.shape.dropFirst())) }
        guard v.rank <= plan.shape.count, Tensor.broadcastShape(v.shape, plan.shape) == plan.shape else {
            throw TensorError("cannot add a value of shape \(shapeString(value.shape)) to a selection of shape \(shapeString(plan.shape))")
        }
        v = try v.broadcast(to: plan.shape)
        makeUnique()
        isBool = false
        let dst = pointer, src = v.pointer
        plan.walk { d, r, n in for k in 0..<n { dst[d + k] += src[r + k] } }
    }

    static func spec(_ item: Subscript) -> IndexSpec {
        switch item {
        case .index(let i): return .index(i)
        case .slice(let a, let b, let c): return .slice(start: a, stop: b, step: c)
        default: preconditionFailure("not a basic index")
        }
    }

    /// The elements where `mask` (of self's shape) is true, in row-major order.
    /// Branch-free (a random mask would mispredict every other element) and in
    /// fixed blocks counted in parallel first, so each block knows where to write.
    func compress(_ mask: Tensor) -> Tensor {
        let m = mask.pointer, src = pointer, n = count
        let block = 1 << 16
        let blocks = (n + block - 1) / block
        var counts = [Int](repeating: 0, count: max(blocks, 1))
        counts.withUnsafeMutableBufferPointer { c in
            let cp = c.baseAddress!
            Parallel.forEachChunk(count: blocks, costPerItem: block) { r in
                for k in r {
                    var kept = 0
                    for i in (k * block)..<min((k + 1) * block, n) { kept &+= m[i] != 0 ? 1 : 0 }
                    cp[k] = kept
                }
            }
        }
        var starts = [Int](repeating: 0, count: max(blocks, 1))
        var total = 0
        for k in 0..<blocks { starts[k] = total; total += counts[k] }
        // Never larger than self, which already fits in memory.
        var out = try! Tensor(uninitializedShape: [total], countingTotal: false)
        out.isBool = isBool
        let dst = out.pointer
        starts.withUnsafeBufferPointer { st in
            let sp = st.baseAddress!
            Parallel.forEachChunk(count: blocks, costPerItem: block) { r in
                for k in r {
                    var w = sp[k]
                    let end = k + 1 < blocks ? sp[k + 1] : total
                    let lo = k * block, hi = min((k + 1) * block, n)
                    // Writes every element and advances only past kept ones; once the
                    // block's last kept element is written, stop (the rest are dropped).
                    var i = lo
                    while i < hi && w < end {
                        dst[w] = src[i]
                        w &+= m[i] != 0 ? 1 : 0
                        i += 1
                    }
                }
            }
        }
        return out
    }

    mutating func fill(where mask: Tensor, with value: Double) {
        makeUnique()
        let m = mask.pointer, dst = pointer
        for i in 0..<count where m[i] != 0 { dst[i] = value }
    }

    /// Resolves a NumPy subscript against self's shape.
    func plan(_ items: [Subscript]) throws -> IndexPlan {
        let consumed = items.reduce(0) { $0 + $1.consumedAxes }
        if consumed > rank { throw TensorError("too many indices: \(consumed) for a tensor of rank \(rank)") }
        let strides = self.strides
        let anyArray = items.contains { $0.isAdvanced }

        // Each item becomes either a basic virtual axis or part of the advanced block.
        enum Piece { case basic(offsets: [Int], size: Int?), advanced(axis: Int, positions: Tensor) }
        var pieces: [(item: Int, piece: Piece)] = []
        var base = 0
        var axis = 0
        for (k, item) in items.enumerated() {
            switch item {
            case .index(let i):
                let j = try Tensor.checkedIndex(i, axis: axis, size: shape[axis])
                if anyArray {
                    pieces.append((k, .advanced(axis: axis, positions: Tensor(scalar: Double(j)))))
                } else {
                    base += j * strides[axis]
                }
                axis += 1
            case .slice(let a, let b, let c):
                let sel = try AxisSelection.slice(a, b, c, size: shape[axis])
                let st = strides[axis]
                pieces.append((k, .basic(offsets: (0..<sel.count).map { sel.position($0) * st }, size: nil)))
                axis += 1
            case .newAxis:
                pieces.append((k, .basic(offsets: [0], size: nil)))
            case .array(let t):
                pieces.append((k, .advanced(axis: axis, positions: t)))
                axis += 1
            case .mask(let m):
                for d in 0..<m.rank where m.shape[d] != shape[axis + d] {
                    throw TensorError("boolean index of shape \(shapeString(m.shape)) does not match axis \(axis + d) of size \(shape[axis + d]) (NumPy: the mask must have the shape of the axes it indexes)")
                }
                // nonzero(m): one integer array per axis the mask covers.
                var coords = [[Double]](repeating: [], count: m.rank)
                let mstrides = m.strides
                for f in 0..<m.count where m.pointer[f] != 0 {
                    var rest = f
                    for d in 0..<m.rank { coords[d].append(Double(rest / mstrides[d])); rest %= mstrides[d] }
                }
                for d in 0..<m.rank {
                    pieces.append((k, .advanced(axis: axis + d, positions: Tensor(coords[d]))))
                }
                axis += m.rank
            }
        }
        for a in axis..<rank {
            let st = strides[a]
            pieces.append((items.count, .basic(offsets: (0..<shape[a]).map { $0 * st }, size: nil)))
        }

        var plan = IndexPlan()
        plan.base = base
        let advanced = pieces.compactMap { p -> (Int, Tensor)? in
            if case .advanced(let ax, let t) = p.piece { return (ax, t) } else { return nil }
        }
        if advanced.isEmpty {
            for p in pieces { if case .basic(let o, _) = p.piece { plan.axes.append(o); plan.shape.append(o.count) } }
            return plan
        }
        // Broadcast the advanced indices together and sum their offsets.
        var b: [Int] = []
        for (_, t) in advanced {
            guard let s = Tensor.broadcastShape(b, t.shape) else {
                throw TensorError("index arrays cannot be broadcast together: \(advanced.map { shapeString($0.1.shape) }.joined(separator: " and "))")
            }
            b = s
        }
        let n = try Tensor.checkedCount(b)
        var offsets = [Int](repeating: 0, count: n)
        for (ax, t) in advanced {
            let bt = try t.broadcast(to: b)
            let size = shape[ax], st = strides[ax]
            for e in 0..<n {
                let x = bt.pointer[e]
                guard x == x.rounded(), abs(x) < 9e15 else {
                    throw TensorError("an index must be an integer, got \(formatNumber(x))")
                }
                offsets[e] += try Tensor.checkedIndex(Int(x), axis: ax, size: size) * st
            }
        }
        // Where B's axes go: in place when the advanced items are consecutive.
        let advancedItems = pieces.enumerated().filter { if case .advanced = $0.element.piece { return true }; return false }.map { $0.element.item }
        let distinct = Array(Set(advancedItems)).sorted()
        let adjacent = distinct.last! - distinct.first! == distinct.count - 1
        var placed = false
        func placeAdvanced() { plan.axes.append(offsets); plan.shape.append(contentsOf: b); placed = true }
        if !adjacent { placeAdvanced() }
        for p in pieces {
            switch p.piece {
            case .basic(let o, _): plan.axes.append(o); plan.shape.append(o.count)
            case .advanced: if !placed { placeAdvanced() }
            }
        }
        return plan
    }
}
