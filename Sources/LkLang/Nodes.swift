import LkTensor

/// Compiled expressions: a tree of objects whose variables are already resolved
/// to slots. `eval` runs the node; number–number arithmetic stays unboxed.
class Node {
    let span: SourceSpan
    init(span: SourceSpan) { self.span = span }
    func eval(_ f: Frame) throws -> Value { fatalError("abstract") }

    @inline(never) final func fail(_ message: String) -> Diagnostic {
        Diagnostic(.runtime, message, span: span)
    }
}

/// How a statement finished: normally, or by break/continue/return.
enum Flow { case normal, breakLoop, continueLoop, returned }

class StmtNode {
    let span: SourceSpan
    init(span: SourceSpan) { self.span = span }
    func exec(_ f: Frame) throws -> Flow { fatalError("abstract") }
}

/// Runs statements in order until one breaks the normal flow.
@inline(__always) func runBlock(_ body: StmtNode, _ f: Frame) throws -> Flow {
    try body.exec(f)
}

/// A block as one node: a balanced tree of pairs. Loops call one node and the
/// evaluator never loads statements out of an array (which costs a retain and
/// a release per statement per iteration).
final class SequenceStmt: StmtNode {
    let first: StmtNode, second: StmtNode
    init(_ first: StmtNode, _ second: StmtNode) { self.first = first; self.second = second; super.init(span: first.span.to(second.span)) }
    override func exec(_ f: Frame) throws -> Flow {
        let flow = try first.exec(f)
        if flow != .normal { return flow }
        return try second.exec(f)
    }

    static func make(_ nodes: ArraySlice<StmtNode>) -> StmtNode {
        switch nodes.count {
        case 0: return EmptyStmt(span: .none)
        case 1: return nodes.first!
        default:
            let mid = nodes.startIndex + nodes.count / 2
            return SequenceStmt(make(nodes[..<mid]), make(nodes[mid...]))
        }
    }
}

final class EmptyStmt: StmtNode {
    override func exec(_ f: Frame) throws -> Flow { .normal }
}

/// The Ctrl-C flag, cached so loops read it without a cross-module call.
nonisolated(unsafe) let interruptFlag: UnsafeMutablePointer<Int32> = Interrupt.flag

/// Converts an operator failure into a diagnostic at this node.
@inline(__always) func located<T>(_ node: Node, _ body: () throws -> T) throws -> T {
    do { return try body() }
    catch let e as Operators.Failure { throw node.fail(e.message) }
    catch let e as TensorError { throw node.fail(e.message) }
}

// MARK: constants and variables

final class ConstNode: Node {
    let value: Value
    init(_ value: Value, span: SourceSpan) { self.value = value; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value { value }
}

final class LocalGet: Node {
    let index: Int, name: String, hint: String
    init(_ index: Int, name: String, span: SourceSpan, hint: String = "") { self.index = index; self.name = name; self.hint = hint; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        let v = f.slots[index]
        if case .unset = v { throw fail("variable '\(name)' is used before it is assigned\(hint)") }
        return v
    }
}

final class UpvalueGet: Node {
    let depth: Int, index: Int, name: String
    init(depth: Int, index: Int, name: String, span: SourceSpan) { self.depth = depth; self.index = index; self.name = name; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        let v = f.ancestor(depth).slots[index]
        if case .unset = v { throw fail("variable '\(name)' is used before it is assigned") }
        if case .function(let fn) = v, fn.isWeakTwin { return .function(fn.strengthened) }
        return v
    }
}

final class GlobalGet: Node {
    let base: UnsafeMutablePointer<UnsafeMutablePointer<Value>>
    unowned(unsafe) let globals: Globals   // only for the error message; the interpreter outlives its code
    let index: Int, name: String
    init(_ globals: Globals, _ index: Int, name: String, span: SourceSpan) {
        self.globals = globals; base = globals.base; self.index = index; self.name = name; super.init(span: span)
    }
    override func eval(_ f: Frame) throws -> Value {
        let v = base.pointee[index]
        if case .unset = v { throw fail(unknownNameMessage(name, candidates: globals.defined.map { $0.0 })) }
        return v
    }
}

func unknownNameMessage(_ name: String, candidates: [String]) -> String {
    if let s = closestName(to: name, in: candidates) { return "unknown name '\(name)' (did you mean '\(s)'?)" }
    return "unknown name '\(name)'"
}

/// The candidate within a small edit distance, for "did you mean" hints.
public func closestName(to name: String, in candidates: [String]) -> String? {
    // Optimal string alignment distance: insertions, deletions, substitutions
    // and swaps of neighbours each count one ("widht" is one edit from "width").
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
    let a = Array(name)
    // Short names are too close to too many others for a hint to help.
    let limit = a.count >= 4 ? max(1, a.count / 3) : (a.count == 3 ? 1 : 0)
    if limit == 0 { return nil }
    var best: (String, Int)? = nil
    for c in candidates where c != name {
        let d = distance(a, Array(c))
        if d <= limit && (best == nil || d < best!.1) { best = (c, d) }
    }
    return best?.0
}

// MARK: operators

final class BinaryNode: Node {
    let op: BinaryOperator
    /// The engine operation (nil for `@`), resolved once.
    let scalarOp: BinaryOp?
    let lhs: Node, rhs: Node
    init(_ op: BinaryOperator, _ lhs: Node, _ rhs: Node, span: SourceSpan) {
        self.op = op; self.scalarOp = op.tensorOp; self.lhs = lhs; self.rhs = rhs; super.init(span: span)
    }
    override func eval(_ f: Frame) throws -> Value {
        let a = try lhs.eval(f)
        let b = try rhs.eval(f)
        if case .number(let x) = a, case .number(let y) = b {
            guard let scalarOp else { throw fail("'@' needs two tensors, got number @ number") }
            return Operators.numbers(scalarOp, x, y)
        }
        // Not through `located`: a closure would capture a second reference to
        // each operand and no temporary would ever look unshared.
        do { return try BinaryNode.reusing(op, consume a, consume b) }
        catch let e as Operators.Failure { throw fail(e.message) }
        catch let e as TensorError { throw fail(e.message) }
    }

    /// Tensor arithmetic that writes into an operand's buffer when that operand
    /// is a temporary (nothing else refers to it) and already has the result's
    /// shape: `a*x + y` then allocates one tensor, not two, as NumPy does.
    static func reusing(_ op: BinaryOperator, _ a: consuming Value, _ b: consuming Value) throws -> Value {
        guard let top = op.tensorOp, !op.isComparison else { return try Operators.binary(op, a, b) }
        if case .tensor(var t) = a {
            a = .none
            if t.isUniquelyReferenced(), let r = Arguments.asTensor(b), Tensor.broadcastShape(t.shape, r.shape) == t.shape {
                try t.formBinary(top, r)
                return .tensor(t)
            }
            a = .tensor(t)
        }
        let commutative = op == .add || op == .mul
        if commutative, case .tensor(var t) = b {
            b = .none
            if t.isUniquelyReferenced(), let l = Arguments.asTensor(a), Tensor.broadcastShape(t.shape, l.shape) == t.shape {
                try t.formBinary(top, l)
                return .tensor(t)
            }
            b = .tensor(t)
        }
        return try Operators.binary(op, a, b)
    }
}

/// `A @ B`, with `.T` on either side passed to BLAS as a transpose flag instead of a copy.
final class MatmulNode: Node {
    let lhs: Node, rhs: Node
    let lhsTransposed: Bool, rhsTransposed: Bool
    init(_ lhs: Node, _ rhs: Node, lhsT: Bool, rhsT: Bool, span: SourceSpan) {
        self.lhs = lhs; self.rhs = rhs; lhsTransposed = lhsT; rhsTransposed = rhsT; super.init(span: span)
    }
    override func eval(_ f: Frame) throws -> Value {
        var a = try lhs.eval(f), b = try rhs.eval(f)
        var ta = false, tb = false
        // The flag is only a transpose for matrices; anything else gets the ordinary `.T`.
        if lhsTransposed { if case .tensor(let t) = a, t.rank == 2 { ta = true } else { a = try located(self) { try FieldNode.field(a, "T") } } }
        if rhsTransposed { if case .tensor(let t) = b, t.rank == 2 { tb = true } else { b = try located(self) { try FieldNode.field(b, "T") } } }
        return try located(self) { try Operators.binary(.matmul, a, b, transA: ta, transB: tb) }
    }
}

final class NegateNode: Node {
    let operand: Node
    init(_ operand: Node, span: SourceSpan) { self.operand = operand; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        let v = try operand.eval(f)
        if case .number(let x) = v { return .number(UnaryOp.neg.apply(x)) }
        return try located(self) { try Operators.negate(v) }
    }
}

final class NotNode: Node {
    let operand: Node
    init(_ operand: Node, span: SourceSpan) { self.operand = operand; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        let v = try operand.eval(f)
        return .bool(!(try located(self) { try Operators.truth(v) }))
    }
}

final class LogicNode: Node {
    let isAnd: Bool
    let lhs: Node, rhs: Node
    init(isAnd: Bool, _ lhs: Node, _ rhs: Node, span: SourceSpan) { self.isAnd = isAnd; self.lhs = lhs; self.rhs = rhs; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        let a = try lhs.eval(f)
        let ta = try located(lhs) { try Operators.truth(a) }
        if isAnd && !ta { return .bool(false) }
        if !isAnd && ta { return .bool(true) }
        let b = try rhs.eval(f)
        return .bool(try located(rhs) { try Operators.truth(b) })
    }
}

/// `a..b` outside a `for` header: the tensor [a, a+1, …, b-1].
final class RangeNode: Node {
    let lower: Node, upper: Node
    init(_ lower: Node, _ upper: Node, span: SourceSpan) { self.lower = lower; self.upper = upper; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        let (a, b) = try bounds(f)
        return .tensor(try located(self) { try Tensor.arange(a, max(a, b), 1) })
    }
    func bounds(_ f: Frame) throws -> (Double, Double) {
        let a = try lower.eval(f).normalized, b = try upper.eval(f).normalized
        guard case .number(let x) = a else { throw lower.fail("a range needs numbers, got \(a.describedKind)") }
        guard case .number(let y) = b else { throw upper.fail("a range needs numbers, got \(b.describedKind)") }
        try RangeNode.check(x, y, lower: lower.span, upper: upper.span)
        return (x, y)
    }

    /// Bounds a loop can count between: a NaN would silently run no iterations, and
    /// from 2^53 on adding 1 no longer changes a number, so the loop would never end.
    /// An infinite end is allowed (a loop until `break` or Ctrl-C).
    static func check(_ x: Double, _ y: Double, lower: SourceSpan, upper: SourceSpan) throws {
        guard x.isFinite, abs(x) < 9_007_199_254_740_992 else {
            throw Diagnostic(.runtime, "a range must start at a finite number below 2^53 in size, got \(formatNumber(x))", span: lower)
        }
        guard !y.isNaN else { throw Diagnostic(.runtime, "a range cannot end at nan", span: upper) }
    }
}

// MARK: literals

/// `[a, b, …]`: numbers or same-shape tensors make a tensor; anything else a list.
final class ListNode: Node {
    let items: [Node]
    init(_ items: [Node], span: SourceSpan) { self.items = items; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        var values: [Value] = []
        values.reserveCapacity(items.count)
        for item in items { values.append(try item.eval(f).normalized) }
        return try located(self) { try ListNode.build(values) }
    }

    static func build(_ values: [Value]) throws -> Value {
        if values.isEmpty { return .tensor(try Tensor(shape: [0])) }
        if values.contains(where: \.isDual) {
            // Differentiated numbers or same-shape tensors stack (recorded); else a list.
            let shapes = values.map { v -> [Int]? in
                switch v.undual { case .number, .bool: return []; case .tensor(let t): return t.shape; default: return nil } }
            if let first = shapes[0], shapes.allSatisfy({ $0 == first }) { return try AD.stack(values, axis: 0) }
            return .list(values)
        }
        if values.allSatisfy({ if case .number = $0 { return true }; if case .bool = $0 { return true }; return false }) {
            var t = Tensor(values.map { v -> Double in
                if case .number(let x) = v { return x }
                if case .bool(let b) = v { return b ? 1 : 0 }
                return 0
            })
            // Only true/false: a boolean tensor (a mask as an index), as NumPy's bool array.
            t.isBool = values.allSatisfy { if case .bool = $0 { return true }; return false }
            return .tensor(t)
        }
        var tensors: [Tensor] = []
        for v in values {
            guard case .tensor(let t) = v else { return .list(values) }
            tensors.append(t)
        }
        guard tensors.allSatisfy({ $0.shape == tensors[0].shape }) else { return .list(values) }
        var stacked = try Tensor.stack(tensors, axis: 0)
        stacked.isBool = tensors.allSatisfy(\.isBool)
        return .tensor(stacked)
    }
}

final class RecordNode: Node {
    let names: [String]
    let values: [Node]
    init(names: [String], values: [Node], span: SourceSpan) { self.names = names; self.values = values; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        var fields: [(String, Value)] = []
        fields.reserveCapacity(names.count)
        for (n, v) in zip(names, values) { fields.append((n, try v.eval(f))) }
        return .record(Record(fields))
    }
}

final class LambdaNode: Node {
    let code: FunctionCode
    let capturesFrame: Bool
    init(_ code: FunctionCode, capturesFrame: Bool, span: SourceSpan) { self.code = code; self.capturesFrame = capturesFrame; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        .function(Function(code: code, closure: capturesFrame ? f : nil))
    }
}

// MARK: fields

final class FieldNode: Node {
    let base: Node
    let name: String
    init(_ base: Node, _ name: String, span: SourceSpan) { self.base = base; self.name = name; super.init(span: span) }
    override func eval(_ f: Frame) throws -> Value {
        let v = try base.eval(f)
        return try located(self) { try FieldNode.field(v, name) }
    }

    static func field(_ v: Value, _ name: String) throws -> Value {
        if v.isDual {
            if name == "T" { return try AD.transpose(v) }
            return try field(v.undual, name)
        }
        if let e = v.escaped { return try field(e, name) }
        switch v {
        case .record(let r):
            if let x = r[name] { return x }
            let hint = closestName(to: name, in: r.names).map { " (did you mean '\($0)'?)" } ?? ""
            throw Operators.Failure(message: "record has no field '\(name)'\(hint); its fields are \(r.names.joined(separator: ", "))")
        case .tensor(let t):
            switch name {
            case "T": return .tensor(t.transposed())
            case "shape": return .tensor(Tensor(t.shape.map(Double.init)))
            default: throw Operators.Failure(message: "a tensor has no field '\(name)' (tensors have .T and .shape)")
            }
        case .number(let x):
            if name == "T" { return .number(x) }
            if name == "shape" { return .tensor(try Tensor(shape: [0])) }
            throw Operators.Failure(message: "a number has no field '\(name)'")
        default:
            throw Operators.Failure(message: "a \(v.typeName) has no field '\(name)'")
        }
    }
}
