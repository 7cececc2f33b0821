import LkTensor

/// Turns the syntax tree into evaluation nodes, resolving every variable to a
/// slot. Scoping is by function, as in Python: a name assigned anywhere in a
/// function body (or a parameter, loop variable, or nested `fn` name) is local
/// to that function; other names are looked up in enclosing functions, then
/// among the globals. Code at the top level works on globals.
final class Compiler {
    final class Scope {
        var slots: [String: Int] = [:]
        /// Names this function declared `global`: they resolve to globals even when
        /// an enclosing function has a variable of that name.
        var globals: Set<String> = []
        var count = 0
        func add(_ name: String) -> Int {
            if let i = slots[name] { return i }
            slots[name] = count
            count += 1
            return count - 1
        }
    }

    unowned let interpreter: Interpreter
    let source: SourceFile
    var scopes: [Scope] = []
    /// The functions being compiled, innermost last (parallel to `scopes`).
    var enclosingCodes: [FunctionCode] = []
    var loopDepth = 0

    init(interpreter: Interpreter, source: SourceFile) { self.interpreter = interpreter; self.source = source }

    func error(_ message: String, _ span: SourceSpan) -> Diagnostic {
        Diagnostic(.parse, message, span: span, source: source)
    }

    // MARK: names

    func resolve(_ name: String) -> VarSlot {
        if let inner = scopes.last, inner.globals.contains(name) {
            return .global(interpreter.globals.base, interpreter.globals.slot(for: name))
        }
        if let inner = scopes.last, let i = inner.slots[name] { return .local(i) }
        var depth = 1
        for scope in scopes.dropLast().reversed() {
            if let i = scope.slots[name] {
                enclosingCodes[enclosingCodes.count - 1 - depth].capturedSlots.insert(i)
                return .upvalue(depth: depth, index: i)
            }
            depth += 1
        }
        return .global(interpreter.globals.base, interpreter.globals.slot(for: name))
    }

    func read(_ name: String, _ span: SourceSpan) -> Node {
        switch resolve(name) {
        case .local(let i): return LocalGet(i, name: name, span: span, hint: outerHint(name))
        case .upvalue(let d, let i): return UpvalueGet(depth: d, index: i, name: name, span: span)
        case .global(_, let i): return GlobalGet(interpreter.globals, i, name: name, span: span)
        }
    }

    /// For "used before it is assigned" on a local that shadows an outer variable:
    /// the likely intent was to update that variable.
    func outerHint(_ name: String) -> String {
        guard scopes.count >= 1 else { return "" }
        if scopes.dropLast().contains(where: { $0.slots[name] != nil }) {
            return " (it is local because this function assigns it; to update the enclosing function's '\(name)', write 'nonlocal \(name)' first)"
        }
        if interpreter.globals.lookup(name) != nil || scopes.count == 1 {
            return " (it is local because this function assigns it; to update the top-level '\(name)', write 'global \(name)' first)"
        }
        return ""
    }

    /// Names a function body declares `nonlocal` or `global` (not those of nested functions).
    static func declaredNames(_ stmts: [Stmt], global: Bool, into names: inout [(String, SourceSpan)]) {
        for s in stmts {
            switch s.kind {
            case .declare(let g, let ns) where g == global: names.append(contentsOf: ns)
            case .forLoop(_, _, _, let body), .whileLoop(_, let body): declaredNames(body, global: global, into: &names)
            case .ifChain(let branches, let elseBody):
                for b in branches { declaredNames(b.body, global: global, into: &names) }
                if let e = elseBody { declaredNames(e, global: global, into: &names) }
            default: break
            }
        }
    }

    /// Names a function body assigns, which become its locals.
    static func assignedNames(_ stmts: [Stmt], into names: inout [String]) {
        func add(_ n: String) { if !names.contains(n) { names.append(n) } }
        for s in stmts {
            switch s.kind {
            case .assign(let target, _, _): if case .name(let n) = target.kind { add(n) }
            case .forLoop(let v, _, _, let body): add(v); assignedNames(body, into: &names)
            case .whileLoop(_, let body): assignedNames(body, into: &names)
            case .ifChain(let branches, let elseBody):
                for b in branches { assignedNames(b.body, into: &names) }
                if let e = elseBody { assignedNames(e, into: &names) }
            case .function(let decl): if let n = decl.name { add(n) }
            default: break
            }
        }
    }

    // MARK: statements

    func compileProgram(_ stmts: [Stmt]) throws -> [StmtNode] { try stmts.map(statement) }

    func block(_ stmts: [Stmt]) throws -> StmtNode { SequenceStmt.make(try stmts.map(statement)[...]) }

    func statement(_ s: Stmt) throws -> StmtNode {
        switch s.kind {
        case .expr(let e):
            return ExprStmt(try expression(e))
        case .assign(let target, let op, let value):
            let v = try expression(value)
            if op == nil, case .name(let n) = target.kind { return AssignVar(resolve(n), v, span: s.span) }
            let lv = try lvalue(target)
            if let op { return CompoundAssign(lv, op, v, span: s.span) }
            return AssignLValue(lv, v, span: s.span)
        case .ifChain(let branches, let elseBody):
            return IfStmt(conditions: try branches.map { try expression($0.condition) },
                          bodies: try branches.map { try block($0.body) },
                          elseBody: try elseBody.map(block), span: s.span)
        case .whileLoop(let cond, let body):
            let c = try expression(cond)
            loopDepth += 1; defer { loopDepth -= 1 }
            let generic = WhileStmt(c, try block(body), span: s.span)
            return NumericBuilder.build(s, generic: generic, compiler: self)
        case .forLoop(let name, _, let iterable, let body):
            let slot = resolve(name)
            loopDepth += 1; defer { loopDepth -= 1 }
            if case .range(let a, let b) = iterable.kind {
                let range = RangeNode(try expression(a), try expression(b), span: iterable.span)
                let generic = ForRangeStmt(slot, range, try block(body), span: s.span)
                return NumericBuilder.build(s, generic: generic, compiler: self)
            }
            let it = try expression(iterable)
            return ForEachStmt(slot, it, try block(body), span: s.span)
        case .breakLoop:
            if loopDepth == 0 { throw error("'break' outside a loop", s.span) }
            return BreakStmt(span: s.span)
        case .continueLoop:
            if loopDepth == 0 { throw error("'continue' outside a loop", s.span) }
            return ContinueStmt(span: s.span)
        case .returnValue(let e):
            if scopes.isEmpty { throw error("'return' outside a function", s.span) }
            return ReturnStmt(try e.map(expression), span: s.span)
        case .function(let decl):
            let slot = resolve(decl.name!)
            return AssignVar(slot, try lambda(decl), span: s.span)
        case .declare(let isGlobal, let names):
            // Resolved when the function was compiled (see `lambda`); at the top
            // level `global` changes nothing and `nonlocal` has nothing to refer to.
            if scopes.isEmpty, !isGlobal, let first = names.first {
                throw error("'nonlocal \(first.0)' outside a function (top-level variables need no declaration)", first.1)
            }
            return EmptyStmt(span: s.span)
        }
    }

    func lvalue(_ e: Expr) throws -> LValue {
        let node = ConstNode(.none, span: e.span)
        switch e.kind {
        case .name(let n): return VarLValue(resolve(n), name: n, node: node)
        case .index(let base, let items): return IndexLValue(try lvalue(base), try indexItems(items), node: node)
        case .field(let base, let name, _): return FieldLValue(try lvalue(base), name, node: node)
        default: throw error("cannot assign to this expression", e.span)
        }
    }

    // MARK: expressions

    /// Set while the ordinary nodes of a fused chain are compiled (no chain inside a chain).
    var fusing = false

    func expression(_ e: Expr) throws -> Node {
        if !fusing, let fused = try fusedChain(e) { return fused }
        switch e.kind {
        case .number(let v): return ConstNode(.number(v), span: e.span)
        case .string(let s): return ConstNode(.string(s), span: e.span)
        case .bool(let b): return ConstNode(.bool(b), span: e.span)
        case .none: return ConstNode(.none, span: e.span)
        case .name(let n): return read(n, e.span)
        case .list(let items): return ListNode(try items.map(expression), span: e.span)
        case .record(let fields):
            return RecordNode(names: fields.map { $0.name }, values: try fields.map { try expression($0.value) }, span: e.span)
        case .unary(let op, let x):
            let inner = try expression(x)
            switch op {
            case .negate: return NegateNode(inner, span: e.span)
            case .plus: return inner
            case .not: return NotNode(inner, span: e.span)
            }
        case .binary(.matmul, let a, let b):
            // `.T` next to `@` becomes a BLAS transpose flag.
            func operand(_ x: Expr) throws -> (Node, Bool) {
                if case .field(let base, "T", _) = x.kind { return (try expression(base), true) }
                return (try expression(x), false)
            }
            let (l, lt) = try operand(a), (r, rt) = try operand(b)
            return MatmulNode(l, r, lhsT: lt, rhsT: rt, span: e.span)
        case .binary(let op, let a, let b):
            return BinaryNode(op, try expression(a), try expression(b), span: e.span)
        case .and(let a, let b): return LogicNode(isAnd: true, try expression(a), try expression(b), span: e.span)
        case .or(let a, let b): return LogicNode(isAnd: false, try expression(a), try expression(b), span: e.span)
        case .range(let a, let b): return RangeNode(try expression(a), try expression(b), span: e.span)
        case .call(let callee, let args):
            let c = try expression(callee)
            let pos = try args.filter { $0.name == nil }.map { try expression($0.value) }
            let kw = args.filter { $0.name != nil }
            return CallNode(callee: c, positional: pos, keywordNames: kw.map { $0.name! },
                            keywordValues: try kw.map { try expression($0.value) }, keywordSpans: kw.map { $0.span },
                            interpreter: interpreter, source: source, span: e.span)
        case .index(let base, let items):
            return IndexNode(try expression(base), try indexItems(items), span: e.span)
        case .field(let base, let name, _):
            return FieldNode(try expression(base), name, span: e.span)
        case .function(let decl):
            return try lambda(decl)
        }
    }

    func indexItems(_ items: [IndexItem]) throws -> [CompiledIndex] {
        try items.map { item in
            switch item {
            case .expr(let x): return .expr(try expression(x))
            case .slice(let a, let b, let c, _): return .slice(try a.map(expression), try b.map(expression), try c.map(expression))
            }
        }
    }

    /// Compiles a function body in a new scope; the node creates the closure.
    func lambda(_ decl: FunctionDecl) throws -> LambdaNode {
        let scope = Scope()
        for p in decl.params { _ = scope.add(p.name) }
        var names: [String] = []
        Compiler.assignedNames(decl.body, into: &names)
        var nonlocals: [(String, SourceSpan)] = [], globals: [(String, SourceSpan)] = []
        Compiler.declaredNames(decl.body, global: false, into: &nonlocals)
        Compiler.declaredNames(decl.body, global: true, into: &globals)
        for (n, span) in nonlocals + globals where decl.params.contains(where: { $0.name == n }) {
            throw error("'\(n)' is a parameter of this function, so it cannot also be declared nonlocal or global", span)
        }
        for (n, span) in nonlocals where !scopes.contains(where: { $0.slots[n] != nil }) {
            let hint = scopes.isEmpty ? "; for a top-level variable write 'global \(n)'" : ""
            throw error("nonlocal: no enclosing function defines '\(n)'\(hint)", span)
        }
        scope.globals = Set(globals.map(\.0))
        let declared = Set((nonlocals + globals).map(\.0))
        for n in names where !declared.contains(n) { _ = scope.add(n) }
        let code = FunctionCode(name: decl.name ?? "fn", paramNames: decl.params.map { $0.name }, source: source, span: decl.span)
        let capturesFrame = !scopes.isEmpty
        if capturesFrame { enclosingCodes.last?.createsFunctions = true }
        scopes.append(scope)
        enclosingCodes.append(code)
        defer { enclosingCodes.removeLast() }
        let savedLoops = loopDepth
        loopDepth = 0
        defer { scopes.removeLast(); loopDepth = savedLoops }
        code.defaults = try decl.params.map { try $0.defaultValue.map(expression) }
        code.body = try block(decl.body)
        code.localCount = scope.count
        return LambdaNode(code, capturesFrame: capturesFrame, span: decl.span)
    }
}
