import LkTensor

// Elementwise chains in one pass. An expression built only from arithmetic operators
// (+ - * / % ^, unary -), calls of elementwise built-ins (exp, tanh, …; the ones the
// table marks `elementwise`) with one argument, variables and number literals, such as
// `exp(-x^2/2)`, `tanh(x)*y + 1` or `(x - m) / s`, compiles to a `FusedNode`. When its
// variables hold tensors of one shape and numbers, it runs as one `ElementwiseProgram`:
// one pass over memory, one result buffer, and the same kernels per element as the
// operations one by one, so the result is bit for bit the unfused one (tensors of
// fewer than `FusedNode.minimumCount` elements are left to the ordinary nodes, whose
// temporaries are cheap at that size). Anything else —
// a differentiated value (the tape must see every operation), a bool, tensors of
// different shapes (broadcasting), a name that no longer holds the elementwise
// built-in — runs the ordinary nodes the expression was also compiled to. The leaves
// are only variables and literals, whose reading has no effects, so the fallback may
// read them again.

/// The shape of a fusable expression, over the leaves of its `FusedNode`.
indirect enum FusedExpr {
    /// leaves[k]: a variable or a number literal.
    case leaf(Int)
    case negate(FusedExpr)
    /// leaves[k] is the callee, which must hold an elementwise built-in when it runs.
    case call(Int, FusedExpr)
    case binary(BinaryOp, FusedExpr, FusedExpr)
}

final class FusedNode: Node {
    /// The same expression compiled the ordinary way: the fallback.
    let original: Node
    let leaves: [Node]
    let tree: FusedExpr

    init(original: Node, leaves: [Node], tree: FusedExpr, span: SourceSpan) {
        self.original = original; self.leaves = leaves; self.tree = tree; super.init(span: span)
    }

    /// Below this many elements the operations one by one cost less than setting up
    /// the pass (their temporaries stay in cache, and lk reuses them in place).
    static let minimumCount = 8192

    override func eval(_ f: Frame) throws -> Value {
        // Numbers only (a scalar loop): the chain on numbers, with the operators' own
        // definitions; it stops at the first tensor.
        var tensorCount = 0
        if let x = scalar(tree, f, &tensorCount) { return .number(x) }
        guard tensorCount >= FusedNode.minimumCount else { return try original.eval(f) }
        var inputs: [Tensor] = []
        var shape: [Int]? = nil
        var program = ElementwiseProgram()
        func emit(_ e: FusedExpr) -> ElementwiseProgram.Operand? {
            switch e {
            case .leaf(let k):
                guard let v = try? leaves[k].eval(f) else { return nil }
                switch v {
                case .number(let x): return .scalar(x)
                case .tensor(let t) where t.rank >= 1 && t.count > 0:
                    if let s = shape { guard s == t.shape else { return nil } } else { shape = t.shape }
                    inputs.append(t)
                    return .input(inputs.count - 1)
                default: return nil
                }
            case .negate(let x):
                guard let a = emit(x) else { return nil }
                if case .scalar(let v) = a { return .scalar(UnaryOp.neg.apply(v)) }
                return program.append(.unary(.neg, a))
            case .call(let k, let x):
                guard let op = callee(k, f), let a = emit(x) else { return nil }
                if case .scalar(let v) = a { return .scalar(op.apply(v)) }
                return program.append(.unary(op, a))
            case .binary(let op, let l, let r):
                guard let a = emit(l), let b = emit(r) else { return nil }
                if case .scalar(let x) = a, case .scalar(let y) = b { return .scalar(op.apply(x, y)) }
                return program.append(.binary(op, a, b))
            }
        }
        guard let result = emit(tree), case .step = result, let shape else { return try original.eval(f) }
        do { return .tensor(try program.run(inputs, shape: shape)) }
        catch let e as TensorError { throw fail(e.message) }
    }

    /// The chain's value when every leaf is a number; nil otherwise, with `tensor` set
    /// to the element count of the tensor that stopped it (0 for anything else).
    private func scalar(_ e: FusedExpr, _ f: Frame, _ tensor: inout Int) -> Double? {
        switch e {
        case .leaf(let k):
            guard let v = try? leaves[k].eval(f) else { return nil }
            switch v {
            case .number(let x): return x
            case .tensor(let t): tensor = t.rank >= 1 ? t.count : 0; return nil
            default: return nil
            }
        case .negate(let x):
            return scalar(x, f, &tensor).map { UnaryOp.neg.apply($0) }
        case .call(let k, let x):
            guard let op = callee(k, f) else { return nil }
            return scalar(x, f, &tensor).map { op.apply($0) }
        case .binary(let op, let a, let b):
            guard let x = scalar(a, f, &tensor), let y = scalar(b, f, &tensor) else { return nil }
            return op.apply(x, y)
        }
    }

    private func callee(_ k: Int, _ f: Frame) -> UnaryOp? {
        guard let v = try? leaves[k].eval(f), case .builtin(let b) = v else { return nil }
        return b.elementwiseOp
    }
}

extension Compiler {
    /// The arithmetic operators a chain may contain (comparisons give bool tensors and `@` is not elementwise).
    static func fusableOperator(_ op: BinaryOperator) -> BinaryOp? {
        switch op {
        case .add, .sub, .mul, .div, .mod, .pow: return op.tensorOp
        default: return nil
        }
    }

    /// The number of operations in `e` when it is a fusable chain over variables and
    /// number literals; nil otherwise.
    func fusableOperations(_ e: Expr) -> Int? {
        switch e.kind {
        case .number, .name: return 0
        case .unary(.negate, let x): return fusableOperations(x).map { $0 + 1 }
        case .unary(.plus, let x): return fusableOperations(x)
        case .binary(let op, let a, let b):
            guard Compiler.fusableOperator(op) != nil, let l = fusableOperations(a), let r = fusableOperations(b) else { return nil }
            return l + r + 1
        case .call(let callee, let args):
            guard case .name(let n) = callee.kind, args.count == 1, args[0].name == nil,
                  case .builtin(let b)? = interpreter.globals.lookup(n), b.elementwiseOp != nil else { return nil }
            return fusableOperations(args[0].value).map { $0 + 1 }
        default: return nil
        }
    }

    /// A `FusedNode` for a chain of at least two operations, else nil (compile it plainly).
    func fusedChain(_ e: Expr) throws -> Node? {
        guard let ops = fusableOperations(e), ops >= 2 else { return nil }
        var leaves: [Node] = []
        func leaf(_ n: Node) -> Int { leaves.append(n); return leaves.count - 1 }
        func tree(_ e: Expr) -> FusedExpr {
            switch e.kind {
            case .number(let v): return .leaf(leaf(ConstNode(.number(v), span: e.span)))
            case .name(let n): return .leaf(leaf(read(n, e.span)))
            case .unary(.negate, let x): return .negate(tree(x))
            case .unary(_, let x): return tree(x)
            case .binary(let op, let a, let b): return .binary(Compiler.fusableOperator(op)!, tree(a), tree(b))
            case .call(let callee, let args):
                let k = leaf(read({ if case .name(let n) = callee.kind { return n }; return "" }(), callee.span))
                return .call(k, tree(args[0].value))
            default: preconditionFailure("fusableOperations admitted \(e.kind)")
            }
        }
        let shape = tree(e)
        fusing = true
        defer { fusing = false }
        return FusedNode(original: try expression(e), leaves: leaves, tree: shape, span: e.span)
    }
}
