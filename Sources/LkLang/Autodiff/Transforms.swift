import LkTensor

/// The differentiation transformations behind `grad`, `valuegrad`, `jacobian`,
/// `hessian`, `jvp` and `vjp`: each runs the function once on a new tape with its
/// chosen arguments wrapped, then walks the tape backwards.
public enum Autodiff {
    /// Where each differentiated leaf of an argument is on the tape.
    struct Leaves { var indices: [Int] = [] }

    /// The argument with every number and tensor inside it (lists and records
    /// too) made an input of the tape.
    static func wrap(_ v: Value, _ tape: Tape, _ leaves: inout Leaves) -> Value {
        switch v {
        case .number, .bool, .tensor, .dual:
            let i = tape.append([]) { _, _ in [] }
            leaves.indices.append(i)
            var primal = v
            if case .bool(let b) = v { primal = .number(b ? 1 : 0) }
            return .dual(Dual(primal, tape: tape, index: i))
        case .list(let l): return .list(l.map { wrap($0, tape, &leaves) })
        case .record(let r): return .record(Record(r.fields.map { ($0.0, wrap($0.1, tape, &leaves)) }))
        default: return v
        }
    }

    /// The gradient with the argument's structure: each leaf's cotangent, or zeros
    /// of its shape where the output does not depend on it.
    static func collect(_ v: Value, _ cts: [Int: Value], _ leaves: Leaves, _ next: inout Int) throws -> Value {
        switch v {
        case .number, .bool, .tensor, .dual:
            let i = leaves.indices[next]
            next += 1
            if let g = cts[i] { return try AD.sumTo(g, AD.shape(v)).normalized }
            return try AD.zeros(like: v)
        case .list(let l): return .list(try l.map { try collect($0, cts, leaves, &next) })
        case .record(let r): return .record(Record(try r.fields.map { ($0.0, try collect($0.1, cts, leaves, &next)) }))
        default: return .none
        }
    }

    /// `valuegrad`: f's value (a number) and its gradient for each argnum.
    public static func valueAndGradient(_ interpreter: Interpreter, _ f: Value, _ args: [Value],
                                        keywords: [(name: String, value: Value)], argnums: [Int], callee: String) throws -> (Value, [Value]) {
        let tape = Tape.push()
        defer { Tape.pop(tape) }
        var wrapped = args
        var leaves: [Leaves] = []
        for k in argnums {
            guard k >= 0 && k < args.count else {
                throw BuiltinError("\(callee): argnums=\(k) but the function was called with \(args.count) argument\(args.count == 1 ? "" : "s")")
            }
            var l = Leaves()
            wrapped[k] = wrap(args[k], tape, &l)
            leaves.append(l)
        }
        let out = try interpreter.call(f, wrapped, keywords: keywords)
        let value = out.normalized
        guard case .number = value.undual.normalized else {
            throw BuiltinError("\(callee): the function must return a number to be differentiated, got \(value.describedKind) (use jacobian for vector outputs, or sum/mean it into a loss)")
        }
        var cts: [Int: Value] = [:]
        if case .dual(let d) = value, d.tape === tape { cts = try AD.backward(tape, from: d, seed: .number(1)) }
        let grads = try zip(argnums.map { args[$0] }, leaves).map { v, l -> Value in
            var next = 0
            return try collect(v, cts, l, &next)
        }
        // What escapes is the value one level down (a Dual of an outer transformation, or plain).
        let plain: Value
        if case .dual(let d) = value, d.tape === tape { plain = d.primal } else { plain = value }
        return (plain, grads)
    }

    /// `vjp`: f(x) and vᵀ ∂f/∂x for a tensor (or number) argument.
    public static func vectorJacobianProduct(_ interpreter: Interpreter, _ f: Value, _ x: Value, _ v: Value,
                                             callee: String) throws -> (Value, Value) {
        let tape = Tape.push()
        defer { Tape.pop(tape) }
        var l = Leaves()
        let wrapped = wrap(x, tape, &l)
        let out = try interpreter.call(f, [wrapped])
        guard AD.shape(out) == AD.shape(v) else {
            throw BuiltinError("\(callee): v has shape \(shapeString(AD.shape(v))) but f(x) has shape \(shapeString(AD.shape(out)))")
        }
        var cts: [Int: Value] = [:]
        if case .dual(let d) = out, d.tape === tape { cts = try AD.backward(tape, from: d, seed: v) }
        var next = 0
        let ct = try collect(x, cts, l, &next)
        let plain: Value
        if case .dual(let d) = out, d.tape === tape { plain = d.primal } else { plain = out }
        return (plain, ct)
    }

    /// `jacobian`: ∂f/∂x with shape shape(f(x)) ++ shape(x), one backward pass per
    /// output element over a single recorded forward pass.
    public static func jacobian(_ interpreter: Interpreter, _ f: Value, _ args: [Value],
                                keywords: [(name: String, value: Value)], argnum: Int, callee: String) throws -> Value {
        guard argnum >= 0 && argnum < args.count else {
            throw BuiltinError("\(callee): argnums=\(argnum) but the function was called with \(args.count) argument\(args.count == 1 ? "" : "s")")
        }
        let x = args[argnum]
        guard x.undual.isTensorLike else { throw BuiltinError("\(callee): the differentiated argument must be a number or a tensor, got \(x.describedKind)") }
        let tape = Tape.push()
        defer { Tape.pop(tape) }
        var l = Leaves()
        var wrapped = args
        wrapped[argnum] = wrap(x, tape, &l)
        let out = try interpreter.call(f, wrapped, keywords: keywords)
        guard out.undual.isTensorLike else { throw BuiltinError("\(callee): the function must return a number or a tensor, got \(out.describedKind)") }
        let ys = AD.shape(out), xs = AD.shape(x)
        let m = ys.reduce(1, *)
        var rows: [Value] = []
        rows.reserveCapacity(m)
        for k in 0..<m {
            try Interrupt.check()
            var cts: [Int: Value] = [:]
            if case .dual(let d) = out, d.tape === tape {
                var e = try Tensor(shape: ys, repeating: 0)
                e[flat: k] = 1
                cts = try AD.backward(tape, from: d, seed: Value.from(e))
            }
            var next = 0
            rows.append(try collect(x, cts, l, &next))
        }
        if ys.isEmpty { return rows[0] }
        let stacked = try AD.stack(rows, axis: 0)
        return try AD.reshape(stacked, ys + xs).normalized
    }
}
