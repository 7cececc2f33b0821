import LkLang
import LkTensor

/// A one-argument elementwise function: numbers stay numbers (no tensor is
/// allocated for them), tensors are mapped by the engine.
/// Its derivative is the engine's (`UnaryOp.derivative`); a function without one is
/// refused under `grad` unless the table calls it constant (floor, round, …).
func unaryMath(_ name: String, _ op: UnaryOp, _ doc: String) -> Builtin {
    def("\(name)(x)", doc, differentiation: op.derivative == nil ? .none : .rule { a in try Differentiable.unary(op, a.positional[0]) }) { a in
        switch a.positional[0].normalized {
        case .number(let x): return .number(op.apply(x))
        case .bool(let b): return .number(op.apply(b ? 1 : 0))
        default: return wrap(try a.tensor(0, "x").map(op))
        }
    }.elementwise(op)
}

/// A two-argument elementwise function with broadcasting.
/// Its partial derivatives are the engine's (`BinaryOp.partials`).
func binaryMath(_ name: String, _ op: BinaryOp, _ doc: String) -> Builtin {
    def("\(name)(a, b)", doc, differentiation: op.partials == nil ? .none : .rule { a in
        try Differentiable.binary(op, a.positional[0], a.positional[1])
    }) { a in
        if case .number(let x) = a.positional[0].normalized, case .number(let y) = a.positional[1].normalized {
            return .number(op.apply(x, y))
        }
        return wrap(try Tensor.binary(op, try a.tensor(0, "a"), try a.tensor(1, "b")))
    }
}

extension BuiltinTable {
    static let elementwise: [Builtin] = [
        unaryMath("abs", .abs, "Absolute value, elementwise."),
        unaryMath("sqrt", .sqrt, "Square root, elementwise; negative inputs give nan (as NumPy, without an error)."),
        unaryMath("exp", .exp, "The exponential eˣ, elementwise; overflows to inf."),
        unaryMath("log", .log, "The natural logarithm, elementwise; log(0) is −inf and negative inputs give nan (as NumPy)."),
        unaryMath("log1p", .log1p, "log(1 + x), accurate for small x."),
        unaryMath("expm1", .expm1, "eˣ − 1, accurate for small x."),
        unaryMath("tanh", .tanh, "The hyperbolic tangent, elementwise."),
        unaryMath("relu", .relu, "The rectifier max(x, 0), elementwise (relu(nan) is nan)."),
        unaryMath("sigmoid", .sigmoid, "The logistic function 1 / (1 + e⁻ˣ), elementwise, computed without overflow for large |x|."),
        unaryMath("erf", .erf, "The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, elementwise."),
        unaryMath("sin", .sin, "Sine (radians), elementwise."),
        unaryMath("cos", .cos, "Cosine (radians), elementwise."),
        unaryMath("tan", .tan, "Tangent (radians), elementwise."),
        unaryMath("floor", .floor, "The largest integer not above x, elementwise."),
        unaryMath("ceil", .ceil, "The smallest integer not below x, elementwise."),
        unaryMath("round", .round, "x rounded to the nearest integer, halves to even (as NumPy), elementwise."),
        unaryMath("sign", .sign, "−1, 0 or 1 by the sign of x (nan stays nan), elementwise."),
        binaryMath("maximum", .maximum, "The larger of a and b, elementwise with broadcasting; nan if either is nan (as NumPy)."),
        binaryMath("minimum", .minimum, "The smaller of a and b, elementwise with broadcasting; nan if either is nan."),
        def("clip(x, lo, hi)", "x with values below lo raised to lo and above hi lowered to hi.", differentiation: .rule { a in
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
        }) { a in
            let t = try a.tensor(0, "x")
            let lo = try a.tensor(1, "lo"), hi = try a.tensor(2, "hi")
            return wrap(try Tensor.binary(.minimum, try Tensor.binary(.maximum, t, lo), hi))
        },
        def("isnan(x)", "1 where x is nan, 0 elsewhere.") { a in
            let t = try a.tensor(0, "x")
            return wrap(try Tensor.build(shape: t.shape) { p, n in for i in 0..<n { p[i] = t.pointer[i].isNaN ? 1 : 0 } })
        },
        def("softmax(x, axis=-1)", "exp(x) / sum(exp(x)) along `axis` (the last by default), computed stably by subtracting the maximum first.", differentiation: .rule { a in
            let axis = try a.keywordInt("axis", default: -1)
            let x = a.positional[0]
            // Shifted by the (constant) maximum for stability; the shift cancels in the gradient.
            let m = Value.from(try Differentiable.tensor(x)!.reduce(.max, axis: axis, keepdims: true))
            let e = try Differentiable.unary(.exp, try Differentiable.sub(x, m))
            return try Differentiable.div(e, try Differentiable.reduce(.sum, e, axis: axis, keepdims: true))
        }) { a in
            return wrap(try a.tensor(0, "x").softmax(axis: try a.axis() ?? -1))
        },
    ]
}
