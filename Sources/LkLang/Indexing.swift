import LkTensor

/// An index item with its expressions compiled.
enum CompiledIndex {
    case expr(Node)
    case slice(Node?, Node?, Node?)
}

/// An evaluated index item: a NumPy subscript item, or a record's field name.
enum IndexKey {
    case item(Subscript)
    case key(String)
}

/// Evaluates index items; each error points at its item.
func evaluateIndex(_ items: [CompiledIndex], _ f: Frame) throws -> [IndexKey] {
    var keys: [IndexKey] = []
    keys.reserveCapacity(items.count)
    for item in items {
        switch item {
        case .expr(let n):
            keys.append(try indexKey(try n.eval(f), n))
        case .slice(let a, let b, let c):
            func bound(_ node: Node?, _ what: String) throws -> Int? {
                guard let node else { return nil }
                let v = try node.eval(f).normalized
                if case .none = v { return nil }
                guard case .number(let x) = v else { throw node.fail("a slice \(what) must be a number, got \(v.describedKind)") }
                return try integer(x, node, "a slice \(what)")
            }
            let step = try bound(c, "step")
            if step == 0, let c { throw c.fail("slice step cannot be zero") }
            keys.append(.item(.slice(start: try bound(a, "start"), stop: try bound(b, "stop"), step: step)))
        }
    }
    return keys
}

/// The index item an evaluated index expression stands for, with NumPy's
/// reading: a number is a position, `none` a new axis, a boolean tensor (from a
/// comparison) or a list of `true`/`false` a mask, and any other tensor or list
/// of numbers an integer-array index.
func indexKey(_ value: Value, _ n: Node) throws -> IndexKey {
    let v = value.undual.normalized
    switch v {
    case .number(let x): return .item(.index(try integer(x, n, "an index")))
    case .none: return .item(.newAxis)
    case .bool:
        throw n.fail("a single true/false cannot be an index (NumPy would read x[True] as a new axis); use a boolean tensor of the axis' length as a mask")
    case .string(let s): return .key(s)
    case .tensor(let t):
        if t.isBool { return .item(.mask(t)) }
        for x in t.scalars where !(x == x.rounded() && abs(x) < 9.0e15) {
            throw n.fail("an index tensor must hold integers (positions) or be boolean (a mask, from a comparison), got \(Display.plain(.number(x)))")
        }
        return .item(.array(t))
    case .list(let l):
        if !l.isEmpty, l.allSatisfy({ if case .bool = $0 { return true }; return false }) {
            return .item(.mask(Tensor(boolList: l.map { if case .bool(let b) = $0 { return b }; return false })))
        }
        guard let t = try? ListNode.build(l), case .tensor(let tt) = t, !tt.isBool || l.isEmpty else {
            throw n.fail("a list index must hold integers (positions) or only true/false (a mask), got a list of \(l.map { $0.typeName }.uniqued().joined(separator: ", "))")
        }
        return try indexKey(.tensor(tt), n)
    default:
        throw n.fail("cannot index with \(v.describedKind)")
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] { var seen = Set<Element>(); return filter { seen.insert($0).inserted } }
}

extension Tensor {
    /// A boolean vector from Swift booleans.
    init(boolList: [Bool]) {
        self.init(boolList.map { $0 ? 1.0 : 0.0 })
        isBool = true
    }
}

@inline(__always) func integer(_ x: Double, _ node: Node, _ what: String) throws -> Int {
    guard x == x.rounded(), abs(x) < 9.0e15 else {
        throw node.fail("\(what) must be an integer, got \(Display.plain(.number(x)))")
    }
    return Int(x)
}

/// Reads `container[keys]`.
func readIndex(_ container: Value, _ keys: [IndexKey]) throws -> Value {
    if container.isDual { return try AD.index(container, try items(keys)) }
    if let e = container.escaped { return try readIndex(e, keys) }
    switch container {
    case .tensor(let t):
        return Value.from(try t.get(subscript: try items(keys)))
    case .list(let l):
        return try readSequence(l, keys, wrap: { .list($0) })
    case .string(let s):
        let chars = s.map { Value.string(String($0)) }
        return try readSequence(chars, keys, wrap: { .string($0.map { if case .string(let c) = $0 { return c }; return "" }.joined()) })
    case .record(let r):
        guard keys.count == 1, case .key(let k) = keys[0] else { throw Operators.Failure(message: "a record is indexed by a field name string, like r[\"x\"]") }
        return try FieldNode.field(.record(r), k)
    case .number:
        throw Operators.Failure(message: "cannot index a number")
    default:
        throw Operators.Failure(message: "cannot index a \(container.typeName)")
    }
}

func items(_ keys: [IndexKey]) throws -> [Subscript] {
    try keys.map {
        switch $0 {
        case .item(let s): return s
        case .key(let k): throw Operators.Failure(message: "cannot index a tensor with the string \"\(k)\"")
        }
    }
}

/// The positions of a sequence of `count` items that one index item selects, or
/// nil for a single position (which gives the item itself, not a sequence).
func sequencePositions(_ item: Subscript, _ count: Int) throws -> (single: Int?, many: [Int]) {
    switch item {
    case .index(let i):
        return (try position(i, count), [])
    case .slice(let a, let b, let s):
        return (nil, sliceIndices(count: count, a, b, s))
    case .array(let t):
        guard t.rank == 1 else { throw Operators.Failure(message: "a list is indexed by a vector of positions, got shape \(shapeString(t.shape))") }
        return (nil, try t.scalars.map { try position(Int($0), count) })
    case .mask(let m):
        guard m.rank == 1, m.count == count else {
            throw Operators.Failure(message: "boolean index of shape \(shapeString(m.shape)) does not match a list of length \(count)")
        }
        return (nil, (0..<count).filter { m.pointer[$0] != 0 })
    case .newAxis:
        throw Operators.Failure(message: "none (a new axis) cannot index a list; make it a tensor first")
    }
}

/// Python-style index and slice on a sequence (lists and strings), and NumPy's
/// integer-array and mask selection.
func readSequence(_ items: [Value], _ keys: [IndexKey], wrap: ([Value]) -> Value) throws -> Value {
    guard keys.count == 1, case .item(let item) = keys[0] else {
        throw Operators.Failure(message: "a list takes one index, got \(keys.count)")
    }
    let (single, many) = try sequencePositions(item, items.count)
    if let single { return items[single] }
    return wrap(many.map { items[$0] })
}

func position(_ i: Int, _ count: Int) throws -> Int {
    let j = i < 0 ? i + count : i
    guard j >= 0 && j < count else { throw Operators.Failure(message: "index \(i) is out of range for length \(count)") }
    return j
}

/// The positions a Python slice selects.
func sliceIndices(count n: Int, _ start: Int?, _ stop: Int?, _ step: Int?) -> [Int] {
    let s = step ?? 1
    func clamp(_ v: Int?, _ dflt: Int, lo: Int, hi: Int) -> Int {
        guard var v else { return dflt }
        if v < 0 { v += n }
        return min(max(v, lo), hi)
    }
    if s > 0 {
        let a = clamp(start, 0, lo: 0, hi: n), b = clamp(stop, n, lo: 0, hi: n)
        return a < b ? Array(stride(from: a, to: b, by: s)) : []
    } else {
        let a = clamp(start, n - 1, lo: -1, hi: n - 1), b = clamp(stop, -1, lo: -1, hi: n - 1)
        return a > b ? Array(stride(from: a, to: b, by: s)) : []
    }
}

/// Writes `container[keys] = value` in place.
func writeIndex(_ container: inout Value, _ keys: [IndexKey], _ value: Value) throws {
    if container.isDual || (value.isDual && container.undual.isTensorLike) {
        container = try AD.setIndex(container, try items(keys), value)
        return
    }
    if let e = container.escaped { container = e }
    let value = value.escaped ?? value
    switch container {
    case .tensor(var t):
        container = .none   // keep the buffer uniquely referenced so the write does not copy
        defer { container = .tensor(t) }
        let target = try items(keys)
        switch value.normalized {
        case .number(let x): try t.set(subscript: target, to: Tensor(scalar: x))
        case .bool(let b):
            var v = Tensor(scalar: b ? 1 : 0)
            v.isBool = true
            try t.set(subscript: target, to: v)
        case .tensor(let v): try t.set(subscript: target, to: v)
        case .list(let l):
            guard let v = Arguments.asTensor(.list(l)) else { throw Operators.Failure(message: "cannot store \(value.describedKind) in a tensor") }
            try t.set(subscript: target, to: v)
        default: throw Operators.Failure(message: "cannot store \(value.describedKind) in a tensor")
        }
    case .list(var l):
        container = .none
        defer { container = .list(l) }
        guard keys.count == 1, case .item(let item) = keys[0] else { throw Operators.Failure(message: "a list takes one index") }
        switch item {
        case .slice(let a, let b, let s) where (s ?? 1) == 1:
            let idx = sliceIndices(count: l.count, a, b, 1)
            let lo = idx.first ?? min(max(a.map { $0 < 0 ? $0 + l.count : $0 } ?? 0, 0), l.count)
            guard case .list(let repl) = value else { throw Operators.Failure(message: "assigning to a list slice needs a list") }
            l.replaceSubrange(lo..<(lo + idx.count), with: repl)
        default:
            let (single, many) = try sequencePositions(item, l.count)
            if let single { l[single] = value; return }
            // Several positions take one value each from a list, or all the same value.
            if case .list(let vs) = value {
                guard vs.count == many.count else { throw Operators.Failure(message: "cannot assign \(vs.count) values to \(many.count) positions") }
                for (p, v) in zip(many, vs) { l[p] = v }
            } else {
                for p in many { l[p] = value }
            }
        }
    case .record(var r):
        guard keys.count == 1, case .key(let k) = keys[0] else { throw Operators.Failure(message: "a record is indexed by a field name string") }
        container = .none
        r[k] = value
        container = .record(r)
    default:
        throw Operators.Failure(message: "cannot assign into an index of a \(container.typeName)")
    }
}

final class IndexNode: Node {
    let base: Node
    let items: [CompiledIndex]
    init(_ base: Node, _ items: [CompiledIndex], span: SourceSpan) { self.base = base; self.items = items; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        let container = try base.eval(f)
        // Fast paths: one or two number indices into a vector or a matrix; each
        // index expression is evaluated exactly once.
        if case .tensor(let t) = container, items.count <= 2, case .expr(let n0) = items[0] {
            let v0 = try n0.eval(f)
            if items.count == 1 {
                if t.rank == 1, case .number(let x) = v0 {
                    return .number(try located(self) { try t.element(try integer(x, n0, "an index")) })
                }
                return try located(self) { try readIndex(container, [try indexKey(v0, n0)]) }
            }
            if case .expr(let n1) = items[1] {
                let v1 = try n1.eval(f)
                if t.rank == 2, case .number(let x) = v0, case .number(let y) = v1 {
                    let i = try integer(x, n0, "an index"), j = try integer(y, n1, "an index")
                    return .number(try located(self) { try t.element(i, j) })
                }
                return try located(self) { try readIndex(container, [try indexKey(v0, n0), try indexKey(v1, n1)]) }
            }
            var keys = [try indexKey(v0, n0)]
            keys.append(contentsOf: try evaluateIndex(Array(items.dropFirst()), f))
            return try located(self) { try readIndex(container, keys) }
        }
        let keys = try evaluateIndex(items, f)
        return try located(self) { try readIndex(container, keys) }
    }
}
