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
            has x's structure, the tangent f(x)'s), in forward mode: one run of f that \
            carries the tangent beside each value, recording nothing (an operation with \
            only a reverse rule transposes it). Nests with grad: jvp(grad(f), x, v) is \
            the Hessian-vector product.
            """, differentiation: .passthrough) { a in
            let f = try a.callable(0, "f")
            let x = a.positional[1], v = a.positional[2]
            try Autodiff.sameStructure(x, v) { a.error($0, at: 2) }
            let (value, tangent) = try Autodiff.jacobianVectorProduct(a.interpreter!, f, x, v, callee: "jvp")
            return record([("value", value), ("tangent", tangent)])
        },
    ]

    /// What the built-ins without a derivative rule do with differentiated arguments:
    /// pass them through (printing, containers) or treat them as constants (shapes,
    /// comparisons, plots). A built-in's rule is declared with it
    /// (`def(…, differentiation: .rule { … })`); any other is refused by name.
    static let differentiationRules: [String: Differentiation] = {
        var r: [String: Differentiation] = [:]
        for name in ["print", "format", "str", "type", "assert", "keys", "values", "items", "map", "filter", "zip",
                     "enumerate", "time"] { r[name] = .passthrough }
        for name in ["shape", "size", "len", "isnan", "isfinite", "isinf", "argsort",
                     "searchsorted", "nonzero", "floor", "ceil", "round", "sign", "allclose", "contains",
                     "plot", "scatter", "heatmap", "image", "hist", "surface", "savefig", "zeros", "ones", "eye"] {
            r[name] = .constant
        }
        return r
    }()

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
        try call("inv", [a])
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
