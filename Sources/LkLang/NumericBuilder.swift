import LkTensor

/// Compiles a loop a second time for the numeric fast path (see
/// NumericLoop.swift), or gives up (returns nil) at the first construct outside
/// the numeric subset: calls other than pure math built-ins, strings, lists,
/// records, slices, `return`, assignments of comparisons, functions.
final class NumericBuilder {
    unowned let compiler: Compiler
    var scalarIndex: [String: Int] = [:]
    var scalarSlots: [VarSlot] = []
    var isLoopVariable: [Bool] = []
    var needsEntryValue: [Bool] = []
    var tensorIndex: [String: Int] = [:]
    var tensorSlots: [VarSlot] = []
    var tensorRanks: [Int] = []
    var tensorWritten: [Bool] = []
    var builtins: [(VarSlot, String)] = []
    var activeLoopVariables: [String] = []

    init(compiler: Compiler) { self.compiler = compiler }

    struct GiveUp: Error {}

    static let unaryBuiltins: [String: UnaryOp] = {
        var m: [String: UnaryOp] = [:]
        for name in ["abs", "sqrt", "exp", "log", "log1p", "expm1", "tanh", "relu", "sigmoid", "erf", "sin", "cos", "tan", "floor", "ceil", "round", "sign"] {
            if let op = UnaryOp(rawValue: name) { m[name] = op }
        }
        return m
    }()
    static let binaryBuiltins: [String: BinaryOp] = ["maximum": .maximum, "minimum": .minimum, "max": .maximum, "min": .minimum]

    /// The numeric version of a loop statement, wrapped with its generic version.
    static func build(_ stmt: Stmt, generic: StmtNode, compiler: Compiler) -> StmtNode {
        let b = NumericBuilder(compiler: compiler)
        guard let program = try? b.statement(stmt) else { return generic }
        let writeOnly = zip(b.isLoopVariable, b.needsEntryValue).map { $0 && !$1 }
        return NumericLoopStmt(generic: generic, program: program, scalars: b.scalarSlots, writeOnly: writeOnly,
                               tensors: b.tensorSlots, ranks: b.tensorRanks, written: b.tensorWritten, builtins: b.builtins)
    }

    // MARK: variables

    func scalar(_ name: String) throws -> Int {
        if tensorIndex[name] != nil { throw GiveUp() }
        if let k = scalarIndex[name] { return k }
        scalarIndex[name] = scalarSlots.count
        scalarSlots.append(compiler.resolve(name))
        isLoopVariable.append(false)
        needsEntryValue.append(false)
        return scalarSlots.count - 1
    }

    func read(_ name: String) throws -> Int {
        let k = try scalar(name)
        if !activeLoopVariables.contains(name) { needsEntryValue[k] = true }
        return k
    }

    func tensor(_ name: String, rank: Int, written: Bool) throws -> Int {
        if scalarIndex[name] != nil { throw GiveUp() }
        if let k = tensorIndex[name] {
            guard tensorRanks[k] == rank else { throw GiveUp() }
            tensorWritten[k] = tensorWritten[k] || written
            return k
        }
        tensorIndex[name] = tensorSlots.count
        tensorSlots.append(compiler.resolve(name))
        tensorRanks.append(rank)
        tensorWritten.append(written)
        return tensorSlots.count - 1
    }

    // MARK: statements

    func block(_ stmts: [Stmt]) throws -> NStmt {
        let items = try stmts.map(statement)
        return items.count == 1 ? items[0] : NSequence(items)
    }

    func statement(_ s: Stmt) throws -> NStmt {
        switch s.kind {
        case .assign(let target, let op, let value):
            let (v, isBool) = try expression(value)
            switch target.kind {
            case .name(let n):
                if op == nil && isBool { throw GiveUp() }   // would store a bool, not a number
                let k = try scalar(n)
                // Only a variable that nothing but its own `for` writes may lack a number on entry.
                needsEntryValue[k] = true
                guard let op else {
                    if let acc = v as? NBinaryRegExpr, acc.reg == k, !acc.op.isComparison { return NAccumulate(acc.op, k, acc.r) }
                    return NAssign(k, v)
                }
                return NAccumulate(op, k, v)
            case .index(let base, let items):
                guard case .name(let n) = base.kind else { throw GiveUp() }
                let element = try self.element(n, items, span: target.span, written: true)
                if op == nil && isBool { throw GiveUp() }
                return NStoreElement(element, v, op: op)
            default:
                throw GiveUp()
            }
        case .ifChain(let branches, let elseBody):
            return NIf(try branches.map { try expression($0.condition).0 }, try branches.map { try block($0.body) }, try elseBody.map(block))
        case .whileLoop(let cond, let body):
            return NWhile(try expression(cond).0, try block(body), span: s.span)
        case .forLoop(let name, _, let iterable, let body):
            guard case .range(let a, let b) = iterable.kind else { throw GiveUp() }
            let lo = try expression(a).0, hi = try expression(b).0
            let k = try scalar(name)
            isLoopVariable[k] = true
            activeLoopVariables.append(name)
            defer { activeLoopVariables.removeLast() }
            return NFor(k, lo, hi, try block(body), span: s.span)
        case .breakLoop: return NBreak()
        case .continueLoop: return NContinue()
        default: throw GiveUp()
        }
    }

    // MARK: expressions

    /// The numeric node and whether its value is a bool (comparisons, logic).
    func expression(_ e: Expr) throws -> (NExpr, Bool) {
        switch e.kind {
        case .number(let v): return (NConst(v, span: e.span), false)
        case .bool(let b): return (NConst(b ? 1 : 0, span: e.span), true)
        case .name(let n):
            if tensorIndex[n] != nil { throw GiveUp() }
            return (NReg(try read(n), span: e.span), false)
        case .unary(.negate, let x): return (NNegate(try expression(x).0, span: e.span), false)
        case .unary(.plus, let x): return try expression(x)
        case .unary(.not, let x): return (NNot(try expression(x).0, span: e.span), true)
        case .binary(.matmul, _, _): throw GiveUp()
        case .binary(let op, let a, let b):
            let l = try expression(a).0, r = try expression(b).0
            return (make(op, l, r, span: e.span), op.isComparison)
        case .and(let a, let b): return (NLogic(isAnd: true, try expression(a).0, try expression(b).0, span: e.span), true)
        case .or(let a, let b): return (NLogic(isAnd: false, try expression(a).0, try expression(b).0, span: e.span), true)
        case .index(let base, let items):
            guard case .name(let n) = base.kind else { throw GiveUp() }
            return (try element(n, items, span: e.span, written: false), false)
        case .call(let callee, let args):
            guard case .name(let fname) = callee.kind, args.allSatisfy({ $0.name == nil }) else { throw GiveUp() }
            guard case .global = compiler.resolve(fname) else { throw GiveUp() }
            if let op = NumericBuilder.unaryBuiltins[fname], args.count == 1 {
                builtins.append((compiler.resolve(fname), fname))
                return (NUnaryMath(op, try expression(args[0].value).0, span: e.span), false)
            }
            if let op = NumericBuilder.binaryBuiltins[fname], args.count == 2 {
                builtins.append((compiler.resolve(fname), fname))
                return (NBinaryMath(op, try expression(args[0].value).0, try expression(args[1].value).0, span: e.span), false)
            }
            throw GiveUp()
        default:
            throw GiveUp()
        }
    }

    func element(_ name: String, _ items: [IndexItem], span: SourceSpan, written: Bool) throws -> NElement {
        guard items.count == 1 || items.count == 2 else { throw GiveUp() }
        let idx = try items.map { item -> NExpr in
            guard case .expr(let x) = item else { throw GiveUp() }
            return try expression(x).0
        }
        let t = try tensor(name, rank: items.count, written: written)
        return NElement(t, idx[0], idx.count > 1 ? idx[1] : nil, span: span)
    }

    /// A binary node in its most specific shape.
    func make(_ op: BinaryOperator, _ l: NExpr, _ r: NExpr, span: SourceSpan) -> NExpr {
        if let a = l as? NReg {
            if let c = r as? NConst { return NBinaryRegConst(op, a.r, c.value, span: span) }
            if let b = r as? NReg { return NBinaryRegReg(op, a.r, b.r, span: span) }
            return NBinaryRegExpr(op, a.r, r, span: span)
        }
        return NBinary(op, l, r, span: span)
    }
}
