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
            let i = tape.appendLeaf()
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

    /// `vjp`: f(x) and vᵀ ∂f/∂x. x, f(x) and v may be numbers, tensors, or records
    /// and lists of them; v has f(x)'s structure and the cotangent x's.
    public static func vectorJacobianProduct(_ interpreter: Interpreter, _ f: Value, _ x: Value, _ v: Value,
                                             callee: String) throws -> (Value, Value) {
        let tape = Tape.push()
        defer { Tape.pop(tape) }
        var l = Leaves()
        let wrapped = wrap(x, tape, &l)
        let out = try interpreter.call(f, [wrapped])
        var seeds: [(Int, Value)] = []
        try pair(out, v, callee) { o, c in
            if case .dual(let d) = o, d.tape === tape { seeds.append((d.index, c)) }
        }
        let cts = try AD.backward(tape, seeds: seeds)
        var next = 0
        let ct = try collect(x, cts, l, &next)
        return (lower(out, tape), ct)
    }

    /// `jvp`: f(x) and ∂f/∂x·v in forward mode — one run of f on a forward tape,
    /// each number and tensor of x carrying its part of v as a tangent. Nothing is
    /// recorded, so memory does not grow with the length of the computation.
    public static func jacobianVectorProduct(_ interpreter: Interpreter, _ f: Value, _ x: Value, _ v: Value,
                                             callee: String) throws -> (Value, Value) {
        let tape = Tape.push(mode: .forward)
        defer { Tape.pop(tape) }
        func seeded(_ x: Value, _ v: Value) -> Value {
            switch (x, v.normalized) {
            case (.list(let a), .list(let b)): return .list(zip(a, b).map { seeded($0, $1) })
            case (.record(let a), .record(let b)):
                return .record(Record(zip(a.fields, b.values).map { ($0.0, seeded($0.1, $1)) }))
            case (.number, _), (.bool, _), (.tensor, _), (.dual, _):
                var primal = x
                if case .bool(let b) = x { primal = .number(b ? 1 : 0) }
                return .dual(Dual(primal, tape: tape, index: -1, tangent: v))
            default: return x
            }
        }
        let out = try interpreter.call(f, [seeded(x, v)])
        func tangent(_ o: Value) throws -> Value {
            switch o {
            case .dual(let d) where d.tape === tape: return d.tangent!.normalized
            case .list(let l): return .list(try l.map(tangent))
            case .record(let r): return .record(Record(try r.fields.map { ($0.0, try tangent($0.1)) }))
            default:
                guard o.undual.isTensorLike else {
                    throw BuiltinError("\(callee): the function must return numbers or tensors (or lists and records of them), got \(o.describedKind)")
                }
                return try AD.zeros(like: o)
            }
        }
        return (lower(out, tape), try tangent(out))
    }

    /// Walks an output and a cotangent of the same structure, leaf by leaf.
    static func pair(_ out: Value, _ v: Value, _ callee: String, of name: String = "f(x)", _ body: (Value, Value) throws -> Void) throws {
        switch (out.normalized, v.normalized) {
        case (.list(let a), .list(let b)):
            guard a.count == b.count else { throw BuiltinError("\(callee): v is a list of \(b.count) but \(name) a list of \(a.count)") }
            for (x, y) in zip(a, b) { try pair(x, y, callee, of: name, body) }
        case (.record(let a), .record(let b)):
            guard a.names == b.names else { throw BuiltinError("\(callee): v has fields \(b.names) but \(name) has \(a.names)") }
            for (x, y) in zip(a.values, b.values) { try pair(x, y, callee, of: name, body) }
        default:
            guard out.undual.isTensorLike, v.undual.isTensorLike else {
                throw BuiltinError("\(callee): v must have the structure of \(name) (\(out.describedKind)), got \(v.describedKind)")
            }
            guard AD.shape(out) == AD.shape(v) else {
                throw BuiltinError("\(callee): v has shape \(shapeString(AD.shape(v))) but \(name) has shape \(shapeString(AD.shape(out)))")
            }
            try body(out, v)
        }
    }

    /// A result with this tape's level removed (inside lists and records too).
    static func lower(_ v: Value, _ tape: Tape) -> Value {
        switch v {
        case .dual(let d) where d.tape === tape: return d.primal
        case .list(let l): return .list(l.map { lower($0, tape) })
        case .record(let r): return .record(Record(r.fields.map { ($0.0, lower($0.1, tape)) }))
        default: return v
        }
    }

    /// Checks that two values have one structure and the same shapes.
    public static func sameStructure(_ a: Value, _ b: Value, _ fail: (String) -> Error) throws {
        do { try pair(a, b, "", of: "x") { _, _ in } } catch let e as BuiltinError {
            throw fail(e.message.hasPrefix(": ") ? String(e.message.dropFirst(2)) : e.message)
        }
    }

    /// Zeros with the structure and shapes of v.
    public static func zeros(like v: Value) throws -> Value {
        switch v.normalized {
        case .list(let l): return .list(try l.map(zeros))
        case .record(let r): return .record(Record(try r.fields.map { ($0.0, try zeros(like: $0.1)) }))
        default: return try AD.zeros(like: v)
        }
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
