import LkTensor

// A fast path for scalar loops. A `for`/`while` loop whose body only does
// arithmetic on numbers (assignments, `op=`, `if`, nested loops, element reads
// and writes of vectors and matrices, and pure math built-ins such as `sqrt`)
// is compiled a second time into nodes that work on raw doubles in a register
// file. When the loop starts, the variables it touches are checked: if each is
// a number (or a tensor of the rank its indexing needs) the loop runs on the
// registers and the results are written back at the end; otherwise the
// ordinary nodes run. Both give the same results and the same errors.

/// The state a numeric loop runs on: one double per scalar variable, and the
/// buffer and sizes of each tensor variable.
final class NumericState {
    let regs: UnsafeMutablePointer<Double>
    let data: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
    let dims: UnsafeMutablePointer<Int>     // two sizes per tensor: rows, columns (columns = 1 for vectors)
    var tensors: [Tensor]
    init(registers: Int, tensors: Int) {
        regs = .allocate(capacity: max(registers, 1))
        data = .allocate(capacity: max(tensors, 1))
        dims = .allocate(capacity: max(2 * tensors, 1))
        self.tensors = []
    }
    deinit { regs.deallocate(); data.deallocate(); dims.deallocate() }
}

class NExpr {
    let span: SourceSpan
    init(span: SourceSpan) { self.span = span }
    func d(_ s: NumericState) throws -> Double { fatalError("abstract") }
}

final class NConst: NExpr {
    let value: Double
    init(_ value: Double, span: SourceSpan) { self.value = value; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { value }
}

final class NReg: NExpr {
    let r: Int
    init(_ r: Int, span: SourceSpan) { self.r = r; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { s.regs[r] }
}

/// The engine's definition of each operator (comparisons give 1 or 0, as the
/// fast path keeps truth values as numbers). `@` is never built on numbers.
@inline(__always) func arith(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Double {
    op.tensorOp!.apply(a, b)
}

final class NBinary: NExpr {
    let op: BinaryOperator, l: NExpr, r: NExpr
    init(_ op: BinaryOperator, _ l: NExpr, _ r: NExpr, span: SourceSpan) { self.op = op; self.l = l; self.r = r; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { arith(op, try l.d(s), try r.d(s)) }
}

/// `x op c` with x a variable: the commonest shape, with no child calls.
final class NBinaryRegConst: NExpr {
    let op: BinaryOperator, reg: Int, c: Double
    init(_ op: BinaryOperator, _ reg: Int, _ c: Double, span: SourceSpan) { self.op = op; self.reg = reg; self.c = c; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { arith(op, s.regs[reg], c) }
}

final class NBinaryRegReg: NExpr {
    let op: BinaryOperator, a: Int, b: Int
    init(_ op: BinaryOperator, _ a: Int, _ b: Int, span: SourceSpan) { self.op = op; self.a = a; self.b = b; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { arith(op, s.regs[a], s.regs[b]) }
}

final class NBinaryRegExpr: NExpr {
    let op: BinaryOperator, reg: Int, r: NExpr
    init(_ op: BinaryOperator, _ reg: Int, _ r: NExpr, span: SourceSpan) { self.op = op; self.reg = reg; self.r = r; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { arith(op, s.regs[reg], try r.d(s)) }
}

final class NNegate: NExpr {
    let x: NExpr
    init(_ x: NExpr, span: SourceSpan) { self.x = x; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { -(try x.d(s)) }
}

final class NNot: NExpr {
    let x: NExpr
    init(_ x: NExpr, span: SourceSpan) { self.x = x; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { try x.d(s) != 0 ? 0 : 1 }
}

final class NLogic: NExpr {
    let isAnd: Bool, l: NExpr, r: NExpr
    init(isAnd: Bool, _ l: NExpr, _ r: NExpr, span: SourceSpan) { self.isAnd = isAnd; self.l = l; self.r = r; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double {
        let a = try l.d(s) != 0
        if isAnd && !a { return 0 }
        if !isAnd && a { return 1 }
        return try r.d(s) != 0 ? 1 : 0
    }
}

final class NUnaryMath: NExpr {
    let op: UnaryOp, x: NExpr
    init(_ op: UnaryOp, _ x: NExpr, span: SourceSpan) { self.op = op; self.x = x; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { op.apply(try x.d(s)) }
}

final class NBinaryMath: NExpr {
    let op: BinaryOp, a: NExpr, b: NExpr
    init(_ op: BinaryOp, _ a: NExpr, _ b: NExpr, span: SourceSpan) { self.op = op; self.a = a; self.b = b; super.init(span: span) }
    override func d(_ s: NumericState) throws -> Double { op.apply(try a.d(s), try b.d(s)) }
}

/// Converts an index value as the ordinary path does, with its messages.
@inline(__always) func numericIndex(_ x: Double, _ size: Int, axis: Int, _ node: NExpr, whole: SourceSpan) throws -> Int {
    guard x == x.rounded(), abs(x) < 9.0e15 else {
        throw Diagnostic(.runtime, "an index must be an integer, got \(formatNumber(x))", span: node.span)
    }
    var i = Int(x)
    if i < 0 { i += size }
    guard i >= 0 && i < size else {
        throw Diagnostic(.runtime, "index \(Int(x)) is out of range for axis \(axis) of size \(size)", span: whole)
    }
    return i
}

/// `t[i]` or `t[i, j]` of a vector or matrix variable.
final class NElement: NExpr {
    let t: Int, i: NExpr, j: NExpr?
    let whole: SourceSpan
    init(_ t: Int, _ i: NExpr, _ j: NExpr?, span: SourceSpan) { self.t = t; self.i = i; self.j = j; whole = span; super.init(span: span) }
    @inline(__always) func offset(_ s: NumericState) throws -> Int {
        let rows = s.dims[2 * t], cols = s.dims[2 * t + 1]
        let x = try i.d(s)
        guard let j else { return try numericIndex(x, rows, axis: 0, i, whole: whole) }
        let y = try j.d(s)
        let a = try numericIndex(x, rows, axis: 0, i, whole: whole)
        return a * cols + (try numericIndex(y, cols, axis: 1, j, whole: whole))
    }
    override func d(_ s: NumericState) throws -> Double { s.data[t][try offset(s)] }
}

enum NFlow { case normal, breakLoop, continueLoop }

class NStmt {
    func run(_ s: NumericState) throws -> NFlow { fatalError("abstract") }
}

final class NAssign: NStmt {
    let r: Int, value: NExpr
    init(_ r: Int, _ value: NExpr) { self.r = r; self.value = value }
    override func run(_ s: NumericState) throws -> NFlow { s.regs[r] = try value.d(s); return .normal }
}

/// `x = x op expr` (and `x op= expr`): the accumulation at the heart of most scalar loops, in one node.
final class NAccumulate: NStmt {
    let op: BinaryOperator, r: Int, value: NExpr
    init(_ op: BinaryOperator, _ r: Int, _ value: NExpr) { self.op = op; self.r = r; self.value = value }
    override func run(_ s: NumericState) throws -> NFlow {
        let v = try value.d(s)
        s.regs[r] = arith(op, s.regs[r], v)
        return .normal
    }
}

/// `x = x op1 (y op2 c)`: an accumulation of a scaled or shifted variable
/// (`s = s + i*0.5`, `acc += w * 2`) as a single node.
final class NAccumulateRegConst: NStmt {
    let op: BinaryOperator, r: Int, inner: BinaryOperator, reg: Int, c: Double
    init(_ op: BinaryOperator, _ r: Int, _ inner: NBinaryRegConst) { self.op = op; self.r = r; self.inner = inner.op; reg = inner.reg; c = inner.c }
    override func run(_ s: NumericState) throws -> NFlow {
        let regs = s.regs
        regs[r] = arith(op, regs[r], arith(inner, regs[reg], c))
        return .normal
    }
}

final class NStoreElement: NStmt {
    let target: NElement, value: NExpr, op: BinaryOperator?
    init(_ target: NElement, _ value: NExpr, op: BinaryOperator?) { self.target = target; self.value = value; self.op = op }
    override func run(_ s: NumericState) throws -> NFlow {
        let v = try value.d(s)
        let k = try target.offset(s)
        let p = s.data[target.t]
        p[k] = op.map { arith($0, p[k], v) } ?? v
        return .normal
    }
}

final class NSequence: NStmt {
    let items: ContiguousArray<NStmt>
    init(_ items: [NStmt]) { self.items = ContiguousArray(items) }
    override func run(_ s: NumericState) throws -> NFlow {
        for item in items {
            let f = try item.run(s)
            if f != .normal { return f }
        }
        return .normal
    }
}

final class NIf: NStmt {
    let conditions: [NExpr], bodies: [NStmt], elseBody: NStmt?
    init(_ conditions: [NExpr], _ bodies: [NStmt], _ elseBody: NStmt?) { self.conditions = conditions; self.bodies = bodies; self.elseBody = elseBody }
    override func run(_ s: NumericState) throws -> NFlow {
        for k in 0..<conditions.count where try conditions[k].d(s) != 0 { return try bodies[k].run(s) }
        return try elseBody?.run(s) ?? .normal
    }
}

final class NFor: NStmt {
    /// The Ctrl-C flag, held here because reading the global costs a lazy-initialisation check.
    let interrupt = interruptFlag
    let r: Int, lower: NExpr, upper: NExpr, body: NStmt, span: SourceSpan
    init(_ r: Int, _ lower: NExpr, _ upper: NExpr, _ body: NStmt, span: SourceSpan) {
        self.r = r; self.lower = lower; self.upper = upper; self.body = body; self.span = span
    }
    override func run(_ s: NumericState) throws -> NFlow {
        var x = try lower.d(s)
        let b = try upper.d(s)
        try RangeNode.check(x, b, lower: lower.span, upper: upper.span)
        let regs = s.regs
        while x < b {
            if interrupt.pointee != 0 { throw Diagnostic(.interrupted, "interrupted", span: span) }
            regs[r] = x
            if try body.run(s) == .breakLoop { break }
            x += 1
        }
        return .normal
    }
}

final class NWhile: NStmt {
    /// The Ctrl-C flag, held here because reading the global costs a lazy-initialisation check.
    let interrupt = interruptFlag
    let condition: NExpr, body: NStmt, span: SourceSpan
    init(_ condition: NExpr, _ body: NStmt, span: SourceSpan) { self.condition = condition; self.body = body; self.span = span }
    override func run(_ s: NumericState) throws -> NFlow {
        while try condition.d(s) != 0 {
            if interrupt.pointee != 0 { throw Diagnostic(.interrupted, "interrupted", span: span) }
            if try body.run(s) == .breakLoop { break }
        }
        return .normal
    }
}

final class NBreak: NStmt { override func run(_ s: NumericState) throws -> NFlow { .breakLoop } }
final class NContinue: NStmt { override func run(_ s: NumericState) throws -> NFlow { .continueLoop } }

/// The loop statement with both compilations. The numeric one runs when every
/// variable it touches holds what it expects.
final class NumericLoopStmt: StmtNode {
    let generic: StmtNode
    let program: NStmt
    let scalarSlots: [VarSlot]
    /// Scalars that may hold anything on entry (loop variables that are only written).
    let writeOnly: [Bool]
    let tensorSlots: [VarSlot]
    let tensorRanks: [Int]
    let tensorWritten: [Bool]
    let builtinChecks: [(VarSlot, String)]

    init(generic: StmtNode, program: NStmt, scalars: [VarSlot], writeOnly: [Bool], tensors: [VarSlot], ranks: [Int], written: [Bool], builtins: [(VarSlot, String)]) {
        self.generic = generic; self.program = program; scalarSlots = scalars; self.writeOnly = writeOnly
        tensorSlots = tensors; tensorRanks = ranks; tensorWritten = written; builtinChecks = builtins
        super.init(span: generic.span)
    }

    override func exec(_ f: Frame) throws -> Flow {
        let state = NumericState(registers: scalarSlots.count, tensors: tensorSlots.count)
        var entry = [Bool](repeating: false, count: scalarSlots.count)  // held a number on entry
        for (k, slot) in scalarSlots.enumerated() {
            if case .number(let x) = slot.pointer(f).pointee { state.regs[k] = x; entry[k] = true }
            else if !writeOnly[k] { return try generic.exec(f) }
            else { state.regs[k] = .nan }
        }
        for (slot, name) in builtinChecks {
            guard case .builtin(let b) = slot.pointer(f).pointee, b.name == name else { return try generic.exec(f) }
        }
        for (k, slot) in tensorSlots.enumerated() {
            guard case .tensor(let t) = slot.pointer(f).pointee, t.rank == tensorRanks[k] else { return try generic.exec(f) }
            state.tensors.append(t)
        }
        // Written tensors move out of their variables so their buffers are unique.
        for k in 0..<tensorSlots.count where tensorWritten[k] {
            tensorSlots[k].pointer(f).pointee = .none
            state.tensors[k].makeUnique()
        }
        for k in 0..<state.tensors.count {
            let t = state.tensors[k]
            state.data[k] = t.pointer
            state.dims[2 * k] = t.shape[0]
            state.dims[2 * k + 1] = t.rank == 2 ? t.shape[1] : 1
        }
        defer {
            for (k, slot) in scalarSlots.enumerated() {
                // A loop variable that held no number and whose loop never ran keeps its old value.
                if writeOnly[k] && !entry[k] && state.regs[k].isNaN { continue }
                slot.pointer(f).pointee = .number(state.regs[k])
            }
            for k in 0..<tensorSlots.count where tensorWritten[k] { tensorSlots[k].pointer(f).pointee = .tensor(state.tensors[k]) }
        }
        _ = try program.run(state)
        return .normal
    }
}
