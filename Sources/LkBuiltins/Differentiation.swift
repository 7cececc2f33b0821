import LkLang
import LkTensor

// grad, valuegrad, jacobian, hessian, jvp, vjp — and what every other built-in
// does when a differentiated value reaches it. Operators and elementwise
// functions carry their derivative beside their definition (BinaryOp.partials,
// UnaryOp.derivative in LkTensor); the rules below are for built-ins that are
// compositions or have a rule of their own. A built-in missing from here refuses
// differentiated input by name ("grad: kmeans is not differentiable").

extension Arguments {
    /// `argnums=`: one index or a list of them; whether a list was given.
    func argnums() throws -> (indices: [Int], isList: Bool) {
        guard let v = keyword("argnums") else { return ([0], false) }
        switch v.normalized {
        case .number(let x): return ([try Arguments.checkInt(x, "argnums", 0) { self.keywordError($0, "argnums") }], false)
        case .tensor(let t) where t.rank == 1:
            return (try t.scalars.map { try Arguments.checkInt($0, "argnums", 0) { self.keywordError($0, "argnums") } }, true)
        case .list(let l):
            return (try l.map { v in
                guard case .number(let x) = v.normalized else { throw keywordError("argnums must be integers", "argnums") }
                return try Arguments.checkInt(x, "argnums", 0) { self.keywordError($0, "argnums") }
            }, true)
        default: throw keywordError("argnums must be an integer or a list of integers, got \(v.describedKind)", "argnums")
        }
    }
}

/// A function made by a transformation: callable like `f`, with f's keyword
/// parameters, and itself differentiable (so transformations compose).
func transformed(_ name: String, of f: Value, _ body: @escaping (inout Arguments) throws -> Value) -> Value {
    var keywordList = ""
    if case .function(let fn) = f, !fn.parameterNames.isEmpty {
        keywordList = ", " + fn.parameterNames.map { "\($0)=" }.joined(separator: ", ")
    } else if case .builtin(let b) = f, !b.keywords.isEmpty {
        // A transformed function passes its keywords on (grad(grad(f))(x, k=2)).
        keywordList = ", " + b.keywords.map { "\($0)=" }.joined(separator: ", ")
    }
    return .builtin(Builtin(signature: "\(name)([args...]\(keywordList))", doc: "A function made by \(name) (see :help \(name)).",
                            differentiation: .passthrough, body))
}

extension BuiltinTable {
    static let differentiation: [Builtin] = [
        def("grad(f, argnums=0)", """
            A function with f's parameters that returns the gradient of f — which must \
            return a number — with respect to argument `argnums` (0-based), by reverse \
            mode: a tape recorded while f runs, so `if`, loops, recursion, closures, \
            records and lists need nothing special. `argnums=[0, 2]` gives a list of \
            gradients. A gradient has its argument's structure: number → number, tensor \
            → tensor of its shape, record → record with the same fields, list → list. \
            Derivatives compose: `grad(grad(f))`, `jacobian(grad(f))`. A built-in with \
            no derivative that a differentiated value reaches is an error naming it; \
            kinks take PyTorch's choices (abs'(0) = relu'(0) = 0, norm'(0) = 0, ties in \
            max and maximum share the gradient). Docs/autodiff.md has the rules and the costs.
            """, differentiation: .passthrough) { a in
            let f = try a.callable(0, "f")
            let (argnums, isList) = try a.argnums()
            let interp = a.interpreter!
            return transformed("grad", of: f) { b in
                let (_, grads) = try Autodiff.valueAndGradient(interp, f, b.positional, keywords: b.keywords, argnums: argnums, callee: "grad")
                return isList ? .list(grads) : grads[0]
            }
        },
        def("valuegrad(f, argnums=0)", """
            Like `grad`, but the function it returns gives `{value, grad}`: f's value \
            and its gradient from one forward and one backward pass (what a training \
            step needs).
            """, differentiation: .passthrough) { a in
            let f = try a.callable(0, "f")
            let (argnums, isList) = try a.argnums()
            let interp = a.interpreter!
            return transformed("valuegrad", of: f) { b in
                let (v, grads) = try Autodiff.valueAndGradient(interp, f, b.positional, keywords: b.keywords, argnums: argnums, callee: "valuegrad")
                return record([("value", v), ("grad", isList ? .list(grads) : grads[0])])
            }
        },
        def("jacobian(f, argnums=0)", """
            A function returning ∂f/∂x, x the argument `argnums` (a number or tensor), \
            with shape shape(f(x)) ++ shape(x) (JAX's convention): one forward pass, \
            then one backward pass per output element.
            """, differentiation: .passthrough) { a in
            let f = try a.callable(0, "f")
            let (argnums, isList) = try a.argnums()
            if isList { throw a.keywordError("jacobian takes one argnum", "argnums") }
            let interp = a.interpreter!
            return transformed("jacobian", of: f) { b in
                try Autodiff.jacobian(interp, f, b.positional, keywords: b.keywords, argnum: argnums[0], callee: "jacobian")
            }
        },
        def("hessian(f, argnums=0)", """
            A function returning the matrix of second derivatives of f (a number- \
            valued function) with respect to argument `argnums`: `jacobian(grad(f))`, \
            of shape shape(x) ++ shape(x).
            """, differentiation: .passthrough) { a in
            let f = try a.callable(0, "f")
            let (argnums, isList) = try a.argnums()
            if isList { throw a.keywordError("hessian takes one argnum", "argnums") }
            let interp = a.interpreter!
            let g = transformed("grad", of: f) { b in
                try Autodiff.valueAndGradient(interp, f, b.positional, keywords: b.keywords, argnums: argnums, callee: "hessian").1[0]
            }
            return transformed("hessian", of: f) { b in
                try Autodiff.jacobian(interp, g, b.positional, keywords: b.keywords, argnum: argnums[0], callee: "hessian")
            }
        },
        def("vjp(f, x, v)", """
            `{value, cotangent}`: f(x) and vᵀ·∂f/∂x, the vector–Jacobian product (one \
            backward pass); v has the shape of f(x), the cotangent that of x.
            """, differentiation: .passthrough) { a in
            let f = try a.callable(0, "f")
            let (value, ct) = try Autodiff.vectorJacobianProduct(a.interpreter!, f, a.positional[1], a.positional[2], callee: "vjp")
            return record([("value", value), ("cotangent", ct)])
        },
        def("jvp(f, x, v)", """
            `{value, tangent}`: f(x) and ∂f/∂x·v, the derivative of f at x along v (v \
            has x's shape, the tangent f(x)'s). Computed as the transpose of the \
            vector–Jacobian product (u ↦ uᵀJ is linear, and its own vjp with v is J·v), \
            which costs two reverse passes; results equal forward mode's.
            """, differentiation: .passthrough) { a in
            let f = try a.callable(0, "f")
            let x = a.positional[1], v = a.positional[2]
            let interp = a.interpreter!
            try Autodiff.sameStructure(x, v) { a.error($0, at: 2) }
            let y = try interp.call(f, [x])
            let u0 = try Autodiff.zeros(like: y)
            // g(u) = uᵀ J(x): linear in u; its vjp with v is J v.
            let g = Value.builtin(Builtin(signature: "g(u)", doc: "", differentiation: .passthrough) { b in
                try Autodiff.vectorJacobianProduct(interp, f, x, b.positional[0], callee: "jvp").1
            })
            let (_, tangent) = try Autodiff.vectorJacobianProduct(interp, g, u0, v, callee: "jvp")
            return record([("value", y), ("tangent", tangent)])
        },
    ]

    /// What each built-in does with differentiated arguments. Missing: refused by name.
    static let differentiationRules: [String: Differentiation] = {
        var r: [String: Differentiation] = [:]
        for name in ["print", "format", "str", "type", "assert", "keys", "values", "items", "map", "filter", "zip",
                     "enumerate", "time"] { r[name] = .passthrough }
        for name in ["shape", "size", "len", "argmax", "argmin", "any", "all", "isnan", "isfinite", "isinf", "argsort",
                     "searchsorted", "nonzero", "floor", "ceil", "round", "sign", "allclose", "contains",
                     "plot", "scatter", "heatmap", "image", "hist", "surface", "savefig", "zeros", "ones", "eye"] {
            r[name] = .constant
        }
        for (name, op) in elementwiseOps { r[name] = .rule { a in try Differentiable.unary(op, a.positional[0]) } }
        r["maximum"] = .rule { a in try Differentiable.binary(.maximum, a.positional[0], a.positional[1]) }
        r["minimum"] = .rule { a in try Differentiable.binary(.minimum, a.positional[0], a.positional[1]) }
        for (name, op) in [("sum", ReduceOp.sum), ("mean", .mean), ("var", .variance), ("std", .std), ("prod", .prod)] {
            r[name] = .rule { a in try Differentiable.reduce(op, a.positional[0], axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false)) }
        }
        for (name, op, pair) in [("max", ReduceOp.max, BinaryOp.maximum), ("min", .min, .minimum)] {
            r[name] = .rule { a in
                if a.count == 2 { return try Differentiable.binary(pair, a.positional[0], a.positional[1]) }
                return try Differentiable.reduce(op, a.positional[0], axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false))
            }
        }
        r["norm"] = .rule { a in try Differentiable.norm(a.positional[0], axis: try a.axis()) }
        r["reshape"] = .rule { a in
            let sizes = try (1..<a.count).flatMap { i -> [Int] in
                if let t = Differentiable.tensor(a.positional[i]), t.rank == 1 { return try t.scalars.map { try Arguments.checkInt($0, "size", -1) { a.error($0, at: i) } } }
                return [try a.int(i, "size", min: -1)]
            }
            return try Differentiable.reshape(a.positional[0], sizes)
        }
        r["flatten"] = .rule { a in try Differentiable.reshape(a.positional[0], [-1]) }
        r["squeeze"] = .rule { a in
            try Differentiable.reshape(a.positional[0], Differentiable.shape(a.positional[0]).filter { $0 != 1 })
        }
        r["transpose"] = .rule { a in
            let axes = try a.keywordTensor("axes").map { try $0.scalars.map { try Arguments.checkInt($0, "axes", nil) { a.keywordError($0, "axes") } } }
            return try Differentiable.transpose(a.positional[0], axes: axes)
        }
        r["concat"] = .rule { a in try Differentiable.concat(a.positional, axis: try a.keywordInt("axis", default: 0)) }
        r["stack"] = .rule { a in try Differentiable.stack(a.positional, axis: try a.keywordInt("axis", default: 0)) }
        r["matmul"] = .rule { a in try Differentiable.matmul(a.positional[0], a.positional[1]) }
        r["dot"] = .rule { a in
            try Differentiable.reduce(.sum, try Differentiable.mul(a.positional[0], a.positional[1]), axis: nil, keepdims: false)
        }
        r["outer"] = .rule { a in
            let x = try Differentiable.reshape(a.positional[0], [-1, 1]), y = try Differentiable.reshape(a.positional[1], [1, -1])
            return try Differentiable.mul(x, y)
        }
        r["diag"] = .rule { a in try diagonal(a.positional[0]) }
        r["trace"] = .rule { a in try Differentiable.reduce(.sum, try diagonal(a.positional[0]), axis: nil, keepdims: false) }
        r["softmax"] = .rule { a in
            let axis = try a.keywordInt("axis", default: -1)
            let x = a.positional[0]
            // Shifted by the (constant) maximum for stability; the shift cancels in the gradient.
            let m = Value.from(try Differentiable.tensor(x)!.reduce(.max, axis: axis, keepdims: true))
            let e = try Differentiable.unary(.exp, try Differentiable.sub(x, m))
            return try Differentiable.div(e, try Differentiable.reduce(.sum, e, axis: axis, keepdims: true))
        }
        r["logsumexp"] = .rule { a in
            let axis = try a.axis(), keep = try a.keywordBool("keepdims", default: false)
            let x = a.positional[0]
            var mt = try Differentiable.tensor(x)!.reduce(.max, axis: axis, keepdims: true)
            // A constant shift (its gradient cancels); an infinite maximum shifts by 0.
            mt.withUnsafeMutableBufferPointer { b in for i in b.indices where !b[i].isFinite { b[i] = 0 } }
            let m = Value.from(mt)
            let s = try Differentiable.reduce(.sum, try Differentiable.unary(.exp, try Differentiable.sub(x, m)), axis: axis, keepdims: true)
            var out = try Differentiable.add(try Differentiable.unary(.log, s), m)
            if !keep { out = try Differentiable.reshape(out, try Differentiable.tensor(x)!.reduce(.sum, axis: axis).shape) }
            return out
        }
        r["clip"] = .rule { a in
            // NumPy's minimum(maximum(x, lo), hi), recorded: each output element is x, lo
            // or hi, and its gradient goes to that one (x at the bounds, as PyTorch).
            let x = a.positional[0], lo = a.positional[1], hi = a.positional[2]
            guard let t = Differentiable.tensor(x), let l = Differentiable.tensor(lo), let h = Differentiable.tensor(hi) else {
                throw a.error("x, lo and hi must be numbers or tensors", at: 0)
            }
            let raised = try Tensor.binary(.maximum, t, l)
            let toHi = try Tensor.binary(.gt, raised, h)
            let toLo = try Tensor.binary(.mul, try Tensor.binary(.lt, t, l), try Tensor.binary(.sub, 1, toHi))
            let keep = try Tensor.binary(.sub, try Tensor.binary(.sub, 1, toHi), toLo)
            return try Differentiable.add(try Differentiable.add(try Differentiable.mul(x, Value.from(keep)),
                                                                 try Differentiable.mul(lo, Value.from(toLo))),
                                          try Differentiable.mul(hi, Value.from(toHi)))
        }
        r["full"] = .rule { a in
            guard let value = a.keyword("value") else { return try plain("full", a.positional) }
            let shape = try call("full", a.positional.map(\.deepUndual), keywords: [("value", .number(0))])
            return try Differentiable.broadcast(value, to: Differentiable.shape(shape))
        }
        r["append"] = .rule { a in
            if case .list = a.positional[0].normalized { return try raw("append", a) }
            let x = a.positional[0], v = a.positional[1]
            guard x.undual.isTensorLike, v.undual.isTensorLike else { return try raw("append", a) }
            return try Differentiable.concat([try Differentiable.reshape(x, [-1]), try Differentiable.reshape(v, [-1])], axis: 0)
        }
        r["where"] = .rule { a in
            guard let c = Differentiable.tensor(a.positional[0]) else { throw a.error("cond must be a tensor", at: 0) }
            let cb = try Tensor.binary(.ne, c, 0)
            return try Differentiable.lift([a.positional[1], a.positional[2]], { p in
                try plain("where", [Value.from(cb), p[0], p[1]])
            }) { p, _, g, needs in
                let keepA = Value.from(cb), keepB = Value.from(try Tensor.binary(.sub, 1, cb))
                func back(_ k: Value, _ v: Value) throws -> Value {
                    let s = Differentiable.shape(v)
                    var d = try Differentiable.mul(g, k)
                    // Summed back to the operand's shape (the broadcasting rule).
                    while Differentiable.shape(d).count > s.count { d = try Differentiable.reduce(.sum, d, axis: 0, keepdims: false) }
                    for (i, n) in s.enumerated() where n == 1 && Differentiable.shape(d)[i] != 1 {
                        d = try Differentiable.reduce(.sum, d, axis: i, keepdims: true)
                    }
                    return d
                }
                return [needs[0] ? try back(keepA, p[0]) : nil, needs[1] ? try back(keepB, p[1]) : nil]
            }
        }
        r["inv"] = .rule { a in
            try Differentiable.lift([a.positional[0]], { p in Value.from(try Differentiable.tensor(p[0]).unwrap("A").inverse()) }) { _, y, g, _ in
                // d(A⁻¹) = −A⁻¹ dA A⁻¹, so Ā = −A⁻ᵀ Ḡ A⁻ᵀ.
                let yt = try Differentiable.transpose(y, axes: nil)
                return [try Differentiable.unary(.neg, try Differentiable.matmul(try Differentiable.matmul(yt, g), yt))]
            }
        }
        r["solve"] = .rule { a in
            try Differentiable.lift([a.positional[0], a.positional[1]], { p in
                Value.from(try Tensor.solve(try Differentiable.tensor(p[0]).unwrap("A"), try Differentiable.tensor(p[1]).unwrap("b")))
            }) { p, x, g, needs in
                // x = A⁻¹b: b̄ = A⁻ᵀ ḡ, Ā = −b̄ xᵀ.
                let at = try Differentiable.transpose(p[0], axes: nil)
                let bbar = try Differentiable.matmul(try invert(at), g)
                var abar: Value? = nil
                if needs[0] {
                    let bb = Differentiable.shape(bbar).count == 1 ? try Differentiable.reshape(bbar, [-1, 1]) : bbar
                    let xx = Differentiable.shape(x).count == 1 ? try Differentiable.reshape(x, [-1, 1]) : x
                    abar = try Differentiable.unary(.neg, try Differentiable.matmul(bb, try Differentiable.transpose(xx, axes: nil)))
                }
                return [abar, needs[1] ? bbar : nil]
            }
        }
        r["det"] = .rule { a in
            try Differentiable.lift([a.positional[0]], { p in .number(try Differentiable.tensor(p[0]).unwrap("A").determinant()) }) { p, y, g, _ in
                // ∂det/∂A = det(A)·A⁻ᵀ.
                [try Differentiable.mul(try Differentiable.mul(g, y), try Differentiable.transpose(try invert(p[0]), axes: nil))]
            }
        }
        r.merge(structuralRules) { old, _ in old }
        return r
    }()

    /// The elementwise built-ins and the engine function each one is.
    static let elementwiseOps: [(String, UnaryOp)] = [
        ("abs", .abs), ("sqrt", .sqrt), ("exp", .exp), ("log", .log), ("log1p", .log1p), ("expm1", .expm1), ("tanh", .tanh),
        ("relu", .relu), ("sigmoid", .sigmoid), ("erf", .erf), ("sin", .sin), ("cos", .cos), ("tan", .tan),
        ("log2", .log2), ("log10", .log10), ("square", .square),
    ]

    /// A built-in's own implementation on plain values (the primal of a rule).
    static func plain(_ name: String, _ args: [Value]) throws -> Value {
        guard let b = all.first(where: { $0.name == name }) else { fatalError("no built-in \(name)") }
        var a = Arguments(callee: name, positional: args.map(\.deepUndual))
        return try b.implementation(&a)
    }

    /// A built-in's own implementation on the values as given (differentiated ones too).
    static func raw(_ name: String, _ a: Arguments) throws -> Value {
        guard let b = all.first(where: { $0.name == name }) else { fatalError("no built-in \(name)") }
        var args = a
        return try b.implementation(&args)
    }

    /// `inv` as a differentiable operation (for the rules of solve and det).
    static func invert(_ a: Value) throws -> Value {
        guard case .rule(let rule) = differentiationRules["inv"]! else { fatalError() }
        var args = Arguments(callee: "inv", positional: [a])
        return try rule(&args)
    }

    /// diag(x): a vector's diagonal matrix, or a matrix's diagonal; each is the other's pull-back.
    static func diagonal(_ x: Value) throws -> Value {
        try Differentiable.lift([x], { p in Value.from(try Tensor.diag(try Differentiable.tensor(p[0]).unwrap("x"))) }) { _, _, g, _ in
            [try diagonal(g)]
        }
    }
}

extension Optional where Wrapped == Tensor {
    func unwrap(_ name: String) throws -> Tensor {
        guard let t = self else { throw BuiltinError("\(name) must be a number or a tensor") }
        return t
    }
}
