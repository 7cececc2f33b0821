import LkTensor

/// The engine operation behind each arithmetic/comparison operator.
extension BinaryOperator {
    var tensorOp: BinaryOp? {
        switch self {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .mod: return .mod
        case .pow: return .pow
        case .eq: return .eq
        case .ne: return .ne
        case .lt: return .lt
        case .le: return .le
        case .gt: return .gt
        case .ge: return .ge
        case .matmul: return nil
        }
    }

    var isComparison: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge: return true
        default: return false
        }
    }
}

/// Operator semantics on values, outside the number-number fast path that the
/// evaluator's nodes inline. Errors are plain messages; the node adds the span.
enum Operators {
    struct Failure: Error { var message: String }

    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, transA: Bool = false, transB: Bool = false) throws -> Value {
        if a.isDual || b.isDual { return try AD.binary(op, a, b, transA: transA, transB: transB) }
        switch (a, b) {
        case (.number(let x), .number(let y)):
            // `@` is a matrix product: like NumPy's matmul it refuses scalars.
            if op == .matmul { throw mismatchKinds(op, a, b) }
            return numbers(op, x, y)
        case (.bool(let x), _) where !(b.isStringLike):
            return try binary(op, .number(x ? 1 : 0), b)
        case (_, .bool(let y)) where !(a.isStringLike):
            return try binary(op, a, .number(y ? 1 : 0))
        case (.tensor(let t), .number(let y)):
            guard let top = op.tensorOp else { throw mismatchKinds(op, a, b) }
            return Value.from(try Tensor.binary(top, t, y))
        case (.number(let x), .tensor(let t)):
            guard let top = op.tensorOp else { throw mismatchKinds(op, a, b) }
            return Value.from(try Tensor.binary(top, x, t))
        case (.tensor(let s), .tensor(let t)):
            if op == .matmul { return Value.from(try Tensor.matmul(s, t, transA: transA, transB: transB)) }
            if op == .add, let hint = emptyPlusOne(s, t) { throw Failure(message: hint) }
            return Value.from(try Tensor.binary(op.tensorOp!, s, t))
        case (.string(let s), .string(let t)):
            switch op {
            case .add: return .string(try Memory.joined(s, t))
            case .eq: return .bool(s == t)
            case .ne: return .bool(s != t)
            case .lt: return .bool(s < t)
            case .le: return .bool(s <= t)
            case .gt: return .bool(s > t)
            case .ge: return .bool(s >= t)
            default: throw mismatchKinds(op, a, b)
            }
        case (.string(let s), _) where op == .add:
            return .string(try Memory.joined(s, try Display.checkedPlain(b, what: "the text")))
        case (_, .string(let t)) where op == .add:
            return .string(try Memory.joined(try Display.checkedPlain(a, what: "the text"), t))
        case (.list(let x), .list(let y)) where op == .add:
            // A list doubled in a loop (l = l + l) would grow past memory: checked like a tensor.
            try Value.checkList(x.count + y.count)
            return .list(x + y)
        // `[]` is an empty vector, but it is also where a list starts: `fs = []` then
        // `fs = fs + [f]` in a loop. An empty vector joined with a list is that list.
        case (.tensor(let t), .list(let y)) where op == .add && t.shape == [0]:
            return .list(y)
        case (.list(let x), .tensor(let t)) where op == .add && t.shape == [0]:
            return .list(x)
        default:
            if a.escaped != nil || b.escaped != nil {
                return try binary(op, a.escaped ?? a, b.escaped ?? b, transA: transA, transB: transB)
            }
            if op == .eq { return .bool(identical(a, b)) }
            if op == .ne { return .bool(!identical(a, b)) }
            throw mismatchKinds(op, a, b)
        }
    }

    /// `[] + [x]`: NumPy broadcasts (0,) with (1,) to an empty tensor, but the line is
    /// the Python idiom for growing a list, so the silent empty answer is refused.
    static func emptyPlusOne(_ a: Tensor, _ b: Tensor) -> String? {
        guard (a.shape == [0] && b.shape == [1]) || (a.shape == [1] && b.shape == [0]) else { return nil }
        return "[] + [x] would broadcast to an empty tensor (NumPy's rule for shapes (0,) and (1,)); to grow a list, use xs = append(xs, x)"
    }

    /// Two numbers: the engine's definition of the operator; comparisons give bools.
    /// (`@` never reaches here: `binary` refuses number @ number.)
    @inline(__always) static func numbers(_ op: BinaryOperator, _ x: Double, _ y: Double) -> Value {
        numbers(op.tensorOp!, x, y)
    }

    @inline(__always) static func numbers(_ op: BinaryOp, _ x: Double, _ y: Double) -> Value {
        let r = op.apply(x, y)
        return op.isComparison ? .bool(r != 0) : .number(r)
    }

    static func mismatchKinds(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Failure {
        if op == .matmul {
            return Failure(message: "'@' needs two tensors, got \(a.describedKind) @ \(b.describedKind)")
        }
        return Failure(message: "cannot apply '\(op.rawValue)' to \(a.describedKind) and \(b.describedKind)")
    }

    /// Equality for values that are not numbers or tensors: structural for
    /// strings, lists, records; identity for functions.
    static func identical(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) || valuesEqual($0, $1) }
        case (.record(let x), .record(let y)):
            return x.names == y.names && zip(x.values, y.values).allSatisfy { identical($0, $1) || valuesEqual($0, $1) }
        case (.function(let f), .function(let g)): return f === g
        case (.builtin(let f), .builtin(let g)): return f === g
        default: return false
        }
    }

    static func valuesEqual(_ a: Value, _ b: Value) -> Bool {
        switch (a.normalized, b.normalized) {
        case (.number(let x), .number(let y)): return x == y
        case (.tensor(let s), .tensor(let t)): return s == t
        default: return false
        }
    }

    static func negate(_ v: Value) throws -> Value {
        switch v {
        case .number(let x): return .number(UnaryOp.neg.apply(x))
        case .bool(let b): return .number(b ? -1 : 0)
        case .tensor(let t): return .tensor(t.map(.neg))
        case .dual:
            if let e = v.escaped { return try negate(e) }
            return try AD.negate(v)
        default: throw Failure(message: "cannot negate \(v.describedKind)")
        }
    }

    /// The truth of a condition. A tensor with more than one element is ambiguous.
    static func truth(_ v: Value) throws -> Bool {
        switch v.undual {
        case .bool(let b): return b
        case .number(let x): return x != 0
        case .none: return false
        case .tensor(let t):
            if t.count == 1 { return t.pointer.pointee != 0 }
            throw Failure(message: "the truth of a tensor \(shapeString(t.shape)) with \(t.count) elements is ambiguous; use any(…) or all(…)")
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        default: throw Failure(message: "a \(v.typeName) cannot be used as a condition")
        }
    }
}

extension Value {
    var isStringLike: Bool { if case .string = self { return true }; return false }
}
