import LkTensor

/// Where a variable lives, resolved at compile time.
enum VarSlot {
    case local(Int)
    case upvalue(depth: Int, index: Int)
    case global(UnsafeMutablePointer<UnsafeMutablePointer<Value>>, Int)

    @inline(__always) func pointer(_ f: Frame) -> UnsafeMutablePointer<Value> {
        switch self {
        case .local(let i): return f.slots + i
        case .upvalue(let d, let i): return f.ancestor(d).slots + i
        case .global(let g, let i): return g.pointee + i
        }
    }

    @inline(__always) func set(_ f: Frame, _ v: Value) { pointer(f).pointee = v }
}

final class ExprStmt: StmtNode {
    let expr: Node
    init(_ expr: Node) { self.expr = expr; super.init(span: expr.span) }
    override func exec(_ f: Frame) throws -> Flow { _ = try expr.eval(f); return .normal }
}

/// `name = value`
final class AssignVar: StmtNode {
    let slot: VarSlot
    let value: Node
    init(_ slot: VarSlot, _ value: Node, span: SourceSpan) { self.slot = slot; self.value = value; super.init(span: span) }
    override func exec(_ f: Frame) throws -> Flow {
        let v = try value.eval(f)
        slot.set(f, v)
        return .normal
    }
}

/// Something that can be assigned to: a variable, `x[i]`, `r.x`, nested.
class LValue {
    let node: Node   // the target expression, for error locations
    init(node: Node) { self.node = node }
    /// Gives `body` the current value to change in place. The value is moved out
    /// of its home meanwhile, so a tensor buffer stays uniquely referenced and
    /// an index write does not copy it.
    func modify(_ f: Frame, _ body: (inout Value) throws -> Void) throws { fatalError("abstract") }
    func assign(_ f: Frame, _ v: Value) throws { try modify(f) { $0 = v } }
}

final class VarLValue: LValue {
    let slot: VarSlot
    let name: String
    init(_ slot: VarSlot, name: String, node: Node) { self.slot = slot; self.name = name; super.init(node: node) }
    override func modify(_ f: Frame, _ body: (inout Value) throws -> Void) throws {
        let p = slot.pointer(f)
        var v = p.move()
        p.initialize(to: .none)
        defer { p.pointee = v }
        if case .unset = v { throw node.fail(unknownNameMessage(name, candidates: [])) }
        try body(&v)
    }
    override func assign(_ f: Frame, _ v: Value) throws { slot.set(f, v) }
}

final class IndexLValue: LValue {
    let base: LValue
    let items: [CompiledIndex]
    init(_ base: LValue, _ items: [CompiledIndex], node: Node) { self.base = base; self.items = items; super.init(node: node) }
    override func modify(_ f: Frame, _ body: (inout Value) throws -> Void) throws {
        let keys = try evaluateIndex(items, f)
        try base.modify(f) { container in
            var element = try located(node) { try readIndex(container, keys) }
            try body(&element)
            try located(node) { try writeIndex(&container, keys, element) }
        }
    }
    override func assign(_ f: Frame, _ v: Value) throws {
        let keys = try evaluateIndex(items, f)
        try base.modify(f) { container in try located(node) { try writeIndex(&container, keys, v) } }
    }
}

final class FieldLValue: LValue {
    let base: LValue
    let name: String
    init(_ base: LValue, _ name: String, node: Node) { self.base = base; self.name = name; super.init(node: node) }
    override func modify(_ f: Frame, _ body: (inout Value) throws -> Void) throws {
        try base.modify(f) { container in
            guard case .record(var r) = container else { throw node.fail("cannot set field '\(name)' on a \(container.typeName)") }
            container = .none
            defer { container = .record(r) }
            guard var v = r[name] else { throw node.fail("record has no field '\(name)'") }
            r[name] = Value.none
            defer { r[name] = v }
            try body(&v)
        }
    }
    override func assign(_ f: Frame, _ v: Value) throws {
        try base.modify(f) { container in
            guard case .record(var r) = container else { throw node.fail("cannot set field '\(name)' on a \(container.typeName)") }
            container = .none
            r[name] = v
            container = .record(r)
        }
    }
}

/// `target = value` for index and field targets.
final class AssignLValue: StmtNode {
    let target: LValue
    let value: Node
    init(_ target: LValue, _ value: Node, span: SourceSpan) { self.target = target; self.value = value; super.init(span: span) }
    override func exec(_ f: Frame) throws -> Flow {
        let v = try value.eval(f)
        try target.assign(f, v)
        return .normal
    }
}

/// `target op= value`. A tensor target is updated in place when its buffer is
/// not shared and the result keeps its shape.
final class CompoundAssign: StmtNode {
    let target: LValue
    let op: BinaryOperator
    let value: Node
    let opNode: Node
    init(_ target: LValue, _ op: BinaryOperator, _ value: Node, span: SourceSpan) {
        self.target = target; self.op = op; self.value = value
        opNode = ConstNode(.none, span: span)
        super.init(span: span)
    }
    override func exec(_ f: Frame) throws -> Flow {
        let rhs = try value.eval(f)
        try target.modify(f) { current in
            if case .number(let x) = current, case .number(let y) = rhs {
                current = Operators.numbers(op, x, y)
                return
            }
            if case .tensor(var t) = current, let top = op.tensorOp {
                var inPlace: Tensor? = nil
                switch rhs.normalized {
                case .tensor(let r) where Tensor.broadcastShape(t.shape, r.shape) == t.shape: inPlace = r
                case .number(let y): inPlace = Tensor(scalar: y)
                default: break
                }
                if let r = inPlace {
                    current = .none
                    defer { current = .tensor(t) }
                    try located(opNode) { try t.formBinary(top, r) }
                    return
                }
            }
            current = try located(opNode) { try Operators.binary(op, current, rhs) }
        }
        return .normal
    }
}

final class IfStmt: StmtNode {
    let conditions: [Node]
    let bodies: [StmtNode]
    let elseBody: StmtNode?
    init(conditions: [Node], bodies: [StmtNode], elseBody: StmtNode?, span: SourceSpan) {
        self.conditions = conditions; self.bodies = bodies; self.elseBody = elseBody; super.init(span: span)
    }
    override func exec(_ f: Frame) throws -> Flow {
        for i in 0..<conditions.count {
            let c = try conditions[i].eval(f)
            let truth: Bool
            if case .bool(let b) = c { truth = b } else { truth = try located(conditions[i]) { try Operators.truth(c) } }
            if truth { return try runBlock(bodies[i], f) }
        }
        if let elseBody { return try runBlock(elseBody, f) }
        return .normal
    }
}

/// Runs a loop body once: nil to go on (normally or after `continue`), else the
/// flow the loop statement ends with (`break` ends it normally; `return` passes up).
@inline(__always) func loopIteration(_ body: StmtNode, _ f: Frame) throws -> Flow? {
    switch try runBlock(body, f) {
    case .breakLoop: return .normal
    case .returned: return .returned
    default: return nil
    }
}

final class WhileStmt: StmtNode {
    /// The Ctrl-C flag, held here because reading the global costs a lazy-initialisation check.
    let interrupt = interruptFlag
    let condition: Node
    let body: StmtNode
    init(_ condition: Node, _ body: StmtNode, span: SourceSpan) { self.condition = condition; self.body = body; super.init(span: span) }
    override func exec(_ f: Frame) throws -> Flow {
        while true {
            if interrupt.pointee != 0 { throw Diagnostic(.interrupted, "interrupted", span: span) }
            let c = try condition.eval(f)
            let truth: Bool
            if case .bool(let b) = c { truth = b } else { truth = try located(condition) { try Operators.truth(c) } }
            if !truth { return .normal }
            if let exit = try loopIteration(body, f) { return exit }
        }
    }
}

/// `for i in a..b { … }`: counts with a double, no range tensor is built.
final class ForRangeStmt: StmtNode {
    /// The Ctrl-C flag, held here because reading the global costs a lazy-initialisation check.
    let interrupt = interruptFlag
    let variable: VarSlot
    let range: RangeNode
    let body: StmtNode
    init(_ variable: VarSlot, _ range: RangeNode, _ body: StmtNode, span: SourceSpan) {
        self.variable = variable; self.range = range; self.body = body; super.init(span: span)
    }
    override func exec(_ f: Frame) throws -> Flow {
        let (a, b) = try range.bounds(f)
        var x = a
        while x < b {
            if interrupt.pointee != 0 { throw Diagnostic(.interrupted, "interrupted", span: span) }
            variable.set(f, .number(x))
            if let exit = try loopIteration(body, f) { return exit }
            x += 1
        }
        return .normal
    }
}

/// `for x in iterable { … }` over a tensor's first axis, a list, a string, or a
/// record's field names; with a progress line when the iterable is `progress(xs)`.
final class ForEachStmt: StmtNode {
    /// The Ctrl-C flag, held here because reading the global costs a lazy-initialisation check.
    let interrupt = interruptFlag
    let variable: VarSlot
    let iterable: Node
    let body: StmtNode
    init(_ variable: VarSlot, _ iterable: Node, _ body: StmtNode, span: SourceSpan) {
        self.variable = variable; self.iterable = iterable; self.body = body; super.init(span: span)
    }
    override func exec(_ f: Frame) throws -> Flow {
        let seq = try iterable.eval(f)
        let count: Int
        let item: (Int) throws -> Value
        switch seq {
        case .tensor(let t) where t.rank >= 1:
            count = t.shape[0]
            if t.rank == 1 {
                item = t.isBool ? { .bool(t.pointer[$0] != 0) } : { .number(t.pointer[$0]) }
            } else {
                item = { Value.from(try t.get([IndexSpec.index($0)])) }
            }
        case .dual(let d) where d.tape.active:
            guard case .tensor(let t) = d.value, t.rank >= 1 else { throw iterable.fail("cannot iterate over \(seq.describedKind)") }
            count = t.shape[0]; item = { try AD.index(seq, [.index($0)]) }
        case .list(let l): count = l.count; item = { l[$0] }
        // Over a record, as over a Python dict: its field names, in order.
        case .record(let r): count = r.names.count; item = { .string(r.names[$0]) }
        case .string(let s):
            // One character at a time (the loop asks for k = 0, 1, … in order): a list of
            // every character would take 16 bytes or more for each byte of s.
            var at = s.startIndex
            count = s.count
            item = { _ in
                let c = s[at]
                at = s.index(after: at)
                return .string(String(c))
            }
        default:
            throw iterable.fail("cannot iterate over \(seq.describedKind)")
        }
        let progress = ProgressLoop.take(iterable, count: count)
        defer { progress?.finish() }
        for k in 0..<count {
            if interrupt.pointee != 0 { throw Diagnostic(.interrupted, "interrupted", span: span) }
            variable.set(f, try item(k))
            if let exit = try loopIteration(body, f) { return exit }
            progress?.update(k + 1)
        }
        return .normal
    }
}

final class BreakStmt: StmtNode { override func exec(_ f: Frame) throws -> Flow { .breakLoop } }
final class ContinueStmt: StmtNode { override func exec(_ f: Frame) throws -> Flow { .continueLoop } }

final class ReturnStmt: StmtNode {
    let value: Node?
    init(_ value: Node?, span: SourceSpan) { self.value = value; super.init(span: span) }
    override func exec(_ f: Frame) throws -> Flow {
        f.result = try value?.eval(f) ?? .none
        return .returned
    }
}
