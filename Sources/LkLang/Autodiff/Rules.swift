import LkTensor

// The differentiable operations: each computes its result on primal values with
// the engine and records how to map a cotangent back. Backward closures use the
// same operations (never the engine directly), so they are themselves
// differentiated when an outer transformation is recording.

extension AD {
    /// A Swift error from a differentiable operation, with the message users see.
    struct Failure: Error { let message: String }

    // MARK: values

    static func tensor(_ v: Value) -> Tensor? { Arguments.asTensor(v.undual) }

    static func shape(_ v: Value) -> [Int] { tensor(v)?.shape ?? [] }

    static func engine(_ v: Value, _ what: String) throws -> Tensor {
        guard let t = tensor(v) else { throw Failure(message: "\(what) must be a number or a tensor, got \(v.describedKind)") }
        return t
    }

    static func constant(_ x: Double) -> Value { .number(x) }

    static func zeros(like v: Value) throws -> Value {
        let s = shape(v)
        return s.isEmpty ? .number(0) : .tensor(try Tensor(shape: s, repeating: 0))
    }

    // MARK: elementwise

    /// `a op b` with broadcasting; comparisons give constants (no gradient).
    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, transA: Bool = false, transB: Bool = false) throws -> Value {
        if op == .matmul {
            return try matmul(transA ? transpose(a) : a, transB ? transpose(b) : b)
        }
        guard let top = op.tensorOp else { throw Failure(message: "cannot apply '\(op.rawValue)'") }
        if top.partials == nil { return try Operators.binary(op, a.undual, b.undual) }
        return try lift([a, b], { p in try Operators.binary(op, p[0], p[1]) }, forward: { p, y, t in
            let (da, db) = top.partials!
            return try tangentSum([t[0].map { try scaled($0, da, p[0], p[1], y) }, t[1].map { try scaled($0, db, p[0], p[1], y) }])
        }, perExample: { p, g, wanted in
            let (da, db) = top.partials!
            let y = try Operators.binary(op, p[0], p[1])
            return [wanted[0] ? try perExampleSum(try mul(g, try evaluate(da, p[0], p[1], y)), shape(p[0])) : nil,
                    wanted[1] ? try perExampleSum(try mul(g, try evaluate(db, p[0], p[1], y)), shape(p[1])) : nil]
        }, chain: { p, form in
            let (da, db) = top.partials!
            let y = try Operators.binary(op, p[0], p[1])
            return [try chainElementwise(form, try evaluate(da, p[0], p[1], y), shape(p[0]), shape(y)),
                    try chainElementwise(form, try evaluate(db, p[0], p[1], y), shape(p[1]), shape(y))]
        }) { p, y, g, needs in
            let (da, db) = top.partials!
            let sa = shape(p[0]), sb = shape(p[1])
            return [
                needs[0] ? try sumTo(try scaled(g, da, p[0], p[1], y), sa) : nil,
                needs[1] ? try sumTo(try scaled(g, db, p[0], p[1], y), sb) : nil,
            ]
        }
    }

    /// A two-argument engine function (`maximum`, `minimum`, `atan2`-like) with its partials.
    static func binary(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        guard let (da, db) = op.partials else {
            return try Operators.value(try Tensor.binary(op, try engine(a.undual, "a"), try engine(b.undual, "b")))
        }
        return try lift([a, b], { p in
            try Operators.value(try Tensor.binary(op, try engine(p[0], "a"), try engine(p[1], "b")))
        }, forward: { p, y, t in
            try tangentSum([t[0].map { try mul($0, try evaluate(da, p[0], p[1], y)) },
                            t[1].map { try mul($0, try evaluate(db, p[0], p[1], y)) }])
        }) { p, y, g, needs in
            [needs[0] ? try sumTo(try mul(g, try evaluate(da, p[0], p[1], y)), shape(p[0])) : nil,
             needs[1] ? try sumTo(try mul(g, try evaluate(db, p[0], p[1], y)), shape(p[1])) : nil]
        }
    }

    static func add(_ a: Value, _ b: Value) throws -> Value { try binary(.add, a, b) }
    static func sub(_ a: Value, _ b: Value) throws -> Value { try binary(.sub, a, b) }
    static func mul(_ a: Value, _ b: Value) throws -> Value { try binary(.mul, a, b) }
    static func div(_ a: Value, _ b: Value) throws -> Value { try binary(.div, a, b) }

    static func unary(_ op: UnaryOp, _ x: Value) throws -> Value {
        func compute(_ v: Value) throws -> Value {
            switch v.normalized {
            case .number(let n): return .number(op.apply(n))
            case .bool(let b): return .number(op.apply(b ? 1 : 0))
            default: return Value.from(try engine(v, "x").map(op))
            }
        }
        guard let d = op.derivative else { return try compute(x.undual) }
        return try lift([x], { try compute($0[0]) }, forward: { p, y, t in try scaled(t[0]!, d, p[0], .none, y) }) { p, y, g, _ in
            [try scaled(g, d, p[0], .none, y)]
        }
    }

    static func negate(_ x: Value) throws -> Value { try unary(.neg, x) }

    /// The sum of an operation's tangent contributions, one per differentiated input.
    static func tangentSum(_ parts: [Value?]) throws -> Value {
        var total: Value? = nil
        for case let p? in parts { total = try total.map { try add($0, p) } ?? p }
        return total ?? .number(0)
    }

    /// g times a partial derivative; a constant ±1 (the partials of + and −) costs
    /// no multiplication.
    static func scaled(_ g: Value, _ r: Recipe, _ a: Value, _ b: Value, _ y: Value) throws -> Value {
        if case .constant(let c) = r {
            if c == 1 { return g }
            if c == -1 { return try negate(g) }
        }
        // A first derivative on plain tensors of one shape: one fused pass.
        if case .tensor(let gt) = g, case .tensor(let at) = a, at.shape == gt.shape, case .tensor(let yt) = y, yt.shape == gt.shape {
            if !r.usesB { return .tensor(try r.pullback(g: gt, a: at, b: nil, y: yt)) }
            if case .tensor(let bt) = b, bt.shape == gt.shape { return .tensor(try r.pullback(g: gt, a: at, b: bt, y: yt)) }
        }
        return try mul(g, try evaluate(r, a, b, y))
    }

    /// Evaluates a derivative recipe with differentiable operations.
    static func evaluate(_ r: Recipe, _ a: Value, _ b: Value, _ y: Value) throws -> Value {
        switch r {
        case .a: return a
        case .b: return b
        case .y: return y
        case .constant(let c): return .number(c)
        case .unary(let op, let x): return try unary(op, try evaluate(x, a, b, y))
        case .binary(let op, let l, let r):
            let lv = try evaluate(l, a, b, y), rv = try evaluate(r, a, b, y)
            if op.isComparison { return try Operators.value(try Tensor.binary(op, try engine(lv.undual, "a"), try engine(rv.undual, "b"))) }
            return try binary(op, lv, rv)
        }
    }

    /// The gradient of an operand per example — `full` (the output's shape, examples
    /// along axis 0) summed over the axes the operand was broadcast along, except the
    /// examples' — or nil when the operand itself has an axis of examples.
    static func perExampleSum(_ full: Value, _ target: [Int]) throws -> PerExample? {
        guard let f = tensor(full), f.rank >= 1, target.count <= f.rank else { return nil }
        let r = f.rank
        let aligned = [Int](repeating: 1, count: r - target.count) + target
        if aligned[0] != 1 { return nil }
        var x = f
        for axis in stride(from: r - 1, through: 1, by: -1) where aligned[axis] == 1 && x.shape[axis] != 1 {
            x = try x.reduce(.sum, axis: axis, keepdims: true)
        }
        return .dense(try x.reshaped([f.shape[0], target.reduce(1, *)]))
    }

    /// A per-example gradient of y = a op b (a value of parameters alone) carried to
    /// an operand whose partial ∂y/∂operand is `partial`.
    static func chainElementwise(_ form: PerExample, _ partial: Value, _ operand: [Int], _ out: [Int]) throws -> PerExample? {
        if case .outer(let h, let g) = form, operand == out, case .number(let c) = partial.undual.normalized {
            return .outer(h: try Tensor.binary(.mul, h, c), g: g)
        }
        let d = try form.materialized
        let full = try mul(Value.from(try d.reshaped([d.shape[0]] + out)), partial)
        return try perExampleSum(full, operand)
    }

    // MARK: broadcasting, once

    /// Sums a cotangent back to the shape of the value it belongs to (the rule for
    /// every broadcasting operation: what was repeated has its gradients added).
    static func sumTo(_ g: Value, _ target: [Int]) throws -> Value {
        var g = g
        var s = shape(g)
        if s == target { return g }
        while s.count > target.count { g = try reduce(.sum, g, axis: 0, keepdims: false); s.removeFirst() }
        for i in 0..<s.count where target[i] == 1 && s[i] != 1 {
            g = try reduce(.sum, g, axis: i, keepdims: true)
        }
        return shape(g) == target ? g : try reshape(g, target)
    }

    /// `x` repeated to `target` (NumPy's broadcast_to); its cotangent is summed back.
    static func broadcastTo(_ x: Value, _ target: [Int]) throws -> Value {
        if shape(x) == target { return x }
        return try lift([x], { p in .tensor(try engine(p[0], "x").broadcast(to: target)) },
                        forward: { _, _, t in try broadcastTo(t[0]!, target) }) { p, _, g, _ in
            [try sumTo(g, shape(p[0]))]
        }
    }

    // MARK: reductions

    static func reduce(_ op: ReduceOp, _ x: Value, axis: Int?, keepdims: Bool) throws -> Value {
        func compute(_ v: Value) throws -> Value { Value.from(try engine(v, "x").reduce(op, axis: axis, keepdims: keepdims)) }
        switch op {
        case .sum, .mean:
            return try lift([x], { try compute($0[0]) }, forward: { _, _, t in try reduce(op, t[0]!, axis: axis, keepdims: keepdims) }) { p, _, g, _ in
                let s = shape(p[0])
                var g = try expand(g, s, axis: axis, keepdims: keepdims)
                if op == .mean {
                    let n = try axis.map { s.isEmpty ? 1 : s[try Tensor.normalizedAxis($0, rank: s.count)] } ?? s.reduce(1, *)
                    g = try div(g, .number(Double(n)))
                }
                return [try broadcastTo(g, s)]
            }
        case .max, .min:
            // Ties share the gradient equally (PyTorch's amax/amin rule).
            return try lift([x], { try compute($0[0]) }) { p, y, g, _ in
                let s = shape(p[0])
                let yb = try broadcastTo(try expand(y, s, axis: axis, keepdims: keepdims), s)
                let hit = try Operators.value(try Tensor.binary(.eq, try engine(p[0].undual, "x"), try engine(yb.undual, "y")))
                let count = try expand(try reduce(.sum, hit, axis: axis, keepdims: keepdims), s, axis: axis, keepdims: keepdims)
                let share = try div(try expand(g, s, axis: axis, keepdims: keepdims), count)
                return [try mul(try broadcastTo(share, s), hit)]
            }
        case .variance, .std:
            let m = try reduce(.mean, x, axis: axis, keepdims: true)
            let d = try sub(x, m)
            let v = try reduce(.mean, try mul(d, d), axis: axis, keepdims: keepdims)
            return op == .std ? try unary(.sqrt, v) : v
        case .argmax, .argmin, .any, .all:
            return try compute(x.undual)
        case .prod:
            // ∂/∂xᵢ Πx = Π_{j≠i} x_j along each lane, computed as a product of the
            // others so zeros are exact; nested (grad(grad(…))), y/x where no x is 0.
            return try lift([x], { try compute($0[0]) }) { p, y, g, _ in
                let t = try engine(p[0].undual, "x")
                let s = t.shape
                let ge = try broadcastTo(try expand(g, s, axis: axis, keepdims: keepdims), s)
                if p[0].isDual || y.isDual {
                    guard !t.scalars.contains(0) else {
                        throw Failure(message: "prod is differentiable twice only where no element is 0")
                    }
                    let yb = try broadcastTo(try expand(y, s, axis: axis, keepdims: keepdims), s)
                    return [try mul(ge, try div(yb, p[0]))]
                }
                return [try mul(ge, Value.from(try productOfOthers(t, axis: axis)))]
            }
        }
    }

    /// For each element, the product of the other elements of its lane along
    /// `axis` (all elements when nil): prefix times suffix products, no division.
    static func productOfOthers(_ t: Tensor, axis: Int?) throws -> Tensor {
        var out = try Tensor(shape: t.shape, repeating: 0)
        let s = t.shape
        let (outer, n, inner): (Int, Int, Int)
        if let axis, !s.isEmpty {
            let a = try Tensor.normalizedAxis(axis, rank: s.count)
            (outer, n, inner) = (s[..<a].reduce(1, *), s[a], s[(a + 1)...].reduce(1, *))
        } else {
            (outer, n, inner) = (1, t.count, 1)
        }
        let x = t.scalars
        out.withUnsafeMutableBufferPointer { o in
            for lo in 0..<outer {
                for li in 0..<inner {
                    let base = lo * n * inner + li
                    var prefix = 1.0
                    for k in 0..<n { o[base + k * inner] = prefix; prefix *= x[base + k * inner] }
                    var suffix = 1.0
                    for k in stride(from: n - 1, through: 0, by: -1) {
                        o[base + k * inner] *= suffix; suffix *= x[base + k * inner]
                    }
                }
            }
        }
        return out
    }

    /// A reduced cotangent given back its reduced axis (size 1), ready to broadcast.
    static func expand(_ g: Value, _ s: [Int], axis: Int?, keepdims: Bool) throws -> Value {
        guard let axis, !keepdims, !s.isEmpty else { return g }
        let a = try Tensor.normalizedAxis(axis, rank: s.count)
        var kept = s
        kept[a] = 1
        return try reshape(g, kept)
    }

    /// The Euclidean norm, with gradient x/‖x‖ and 0 at x = 0 (a subgradient, as
    /// PyTorch; JAX gives nan there).
    static func norm(_ x: Value, axis: Int?) throws -> Value {
        try lift([x], { p in Value.from(try engine(p[0], "x").norm(axis: axis)) }) { p, y, g, _ in
            let s = shape(p[0])
            let yb = try broadcastTo(try expand(y, s, axis: axis, keepdims: false), s)
            let gb = try broadcastTo(try expand(g, s, axis: axis, keepdims: false), s)
            let zero = try Operators.value(try Tensor.binary(.eq, try engine(yb.undual, "y"), 0))
            let safe = try add(yb, zero)   // 1 where the norm is 0, so 0/1 gives the subgradient 0
            return [try mul(gb, try div(p[0], safe))]
        }
    }

    // MARK: shapes

    static func reshape(_ x: Value, _ s: [Int]) throws -> Value {
        try lift([x], { p in Value.from(try engine(p[0], "x").reshaped(s)) },
                 forward: { _, _, t in try reshape(t[0]!, s) },
                 chain: { _, form in [.dense(try form.materialized)] }) { p, _, g, _ in
            [try reshape(g, shape(p[0]))]
        }
    }

    static func transpose(_ x: Value, axes: [Int]? = nil) throws -> Value {
        try lift([x], { p in
            let t = try engine(p[0], "x")
            return Value.from(try axes.map { try t.transposed(axes: $0) } ?? t.transposed())
        }, forward: { _, _, t in try transpose(t[0]!, axes: axes) }, chain: { p, form in
            let s = shape(p[0])
            guard s.count == 2, axes == nil || axes! == [1, 0] || axes! == [-1, -2] else { return [nil] }
            switch form {
            case .outer(let h, let g): return [.outer(h: g, g: h)]
            case .dense(let d):
                let n = d.shape[0]
                return [.dense(try d.reshaped([n, s[1], s[0]]).transposed(axes: [0, 2, 1]).reshaped([n, s[0] * s[1]]))]
            }
        }) { p, _, g, _ in
            let r = shape(p[0]).count
            guard let axes else { return [try transpose(g)] }
            var inverse = [Int](repeating: 0, count: r)
            for (i, a) in axes.enumerated() { inverse[try Tensor.normalizedAxis(a, rank: r)] = i }
            return [try transpose(g, axes: inverse)]
        }
    }

    static func concat(_ xs: [Value], axis: Int) throws -> Value {
        try lift(xs, { p in .tensor(try Tensor.concat(try p.map { try engine($0, "tensors") }, axis: axis)) },
                 forward: { p, _, t in try concat(try zip(p, t).map { try $1 ?? zeros(like: $0) }, axis: axis) }) { p, _, g, needs in
            var start = 0
            let r = shape(p[0]).count
            let a = try Tensor.normalizedAxis(axis, rank: r)
            return try p.enumerated().map { i, v in
                let n = shape(v)[a]
                defer { start += n }
                guard needs[i] else { return nil }
                var items = [Subscript](repeating: .slice(start: nil, stop: nil, step: nil), count: r)
                items[a] = .slice(start: start, stop: start + n, step: nil)
                return try index(g, items)
            }
        }
    }

    static func stack(_ xs: [Value], axis: Int) throws -> Value {
        try lift(xs, { p in .tensor(try Tensor.stack(try p.map { try engine($0, "tensors") }, axis: axis)) },
                 forward: { p, _, t in try stack(try zip(p, t).map { try $1 ?? zeros(like: $0) }, axis: axis) }) { p, _, g, needs in
            let r = shape(p[0]).count + 1
            let a = try Tensor.normalizedAxis(axis, rank: r)
            return try (0..<p.count).map { i in
                guard needs[i] else { return nil }
                var items = [Subscript](repeating: .slice(start: nil, stop: nil, step: nil), count: a)
                items.append(.index(i))
                return try index(g, items)
            }
        }
    }

    // MARK: indexing

    /// `x[items]`; its cotangent is scattered (added) back into zeros of x's shape.
    static func index(_ x: Value, _ items: [Subscript]) throws -> Value {
        try lift([x], { p in Value.from(try engine(p[0], "x").get(subscript: items)) },
                 forward: { _, _, t in try index(t[0]!, items) }) { p, _, g, _ in
            [try scatterAdd(g, items, shape(p[0]))]
        }
    }

    /// Zeros of `s` with `g` added at `items` (repeated positions add up).
    static func scatterAdd(_ g: Value, _ items: [Subscript], _ s: [Int]) throws -> Value {
        try lift([g], { p in
            var z = try Tensor(shape: s, repeating: 0)
            try z.add(subscript: items, try engine(p[0], "g"))
            return Value.from(z)
        }, forward: { _, _, t in try scatterAdd(t[0]!, items, s) }) { _, _, gg, _ in [try index(gg, items)] }
    }

    /// `x[items] = v` as a new value: x's cotangent outside the selection, v's inside.
    static func setIndex(_ x: Value, _ items: [Subscript], _ v: Value) throws -> Value {
        try lift([x, v], { p in
            var t = try engine(p[0], "x")
            try t.set(subscript: items, to: try engine(p[1], "the value"))
            return Value.from(t)
        }, forward: { p, _, t in try setIndex(try t[0] ?? zeros(like: p[0]), items, try t[1] ?? zeros(like: p[1])) }) { p, _, g, needs in
            let vs = shape(p[1])
            let dv = needs[1] ? try sumTo(try index(g, items), vs) : nil
            var dx: Value? = nil
            if needs[0] {
                let mask = try engine(p[0].undual, "x")
                var keep = try Tensor(shape: mask.shape, repeating: 1)
                try keep.set(subscript: items, to: Tensor(scalar: 0))
                dx = try mul(g, Value.from(keep))
            }
            return [dx, dv]
        }
    }

    // MARK: linear algebra

    /// `a @ b` for vectors and matrices; both gradients are BLAS products again
    /// (dA = G·Bᵀ, dB = Aᵀ·G), with transposes passed as flags, not copied.
    static func matmul(_ a: Value, _ b: Value) throws -> Value {
        try lift([a, b], { p in try Operators.binary(.matmul, p[0], p[1]) }, forward: { p, _, t in
            // d(AB) = dA·B + A·dB
            try tangentSum([try t[0].map { try Operators.binary(.matmul, $0, p[1]) }, try t[1].map { try Operators.binary(.matmul, p[0], $0) }])
        }, perExample: { p, g, _ in
            // H @ W with one example per row of H: example i's gradient of W is hᵢ gᵢᵀ.
            guard shape(p[0]).count == 2, shape(p[1]).count == 2, let h = tensor(p[0]), let gt = tensor(g) else { return [nil, nil] }
            return [nil, .outer(h: h, g: gt)]
        }) { p, _, g, needs in
            let ra = shape(p[0]).count, rb = shape(p[1]).count
            guard ra <= 2 && rb <= 2 else { throw Failure(message: "'@' of stacks of matrices (rank > 2) is not differentiable yet") }
            func mm(_ x: Value, _ y: Value, tx: Bool = false, ty: Bool = false) throws -> Value {
                try Operators.binary(.matmul, x, y, transA: tx, transB: ty)
            }
            func col(_ v: Value) throws -> Value { try reshape(v, [shape(v)[0], 1]) }
            func row(_ v: Value) throws -> Value { try reshape(v, [1, shape(v)[0]]) }
            var da: Value? = nil, db: Value? = nil
            switch (ra, rb) {
            case (2, 2):
                if needs[0] { da = try mm(g, p[1], ty: true) }
                if needs[1] { db = try mm(p[0], g, tx: true) }
            case (1, 2):   // y = a @ B, a (k), B (k,m), y (m)
                if needs[0] { da = try mm(p[1], g) }
                if needs[1] { db = try mm(try col(p[0]), try row(g)) }
            case (2, 1):   // y = A @ b, A (n,k), b (k), y (n)
                if needs[0] { da = try mm(try col(g), try row(p[1])) }
                if needs[1] { db = try mm(p[0], g, tx: true) }
            default:       // a · b
                if needs[0] { da = try mul(g, p[1]) }
                if needs[1] { db = try mul(g, p[0]) }
            }
            return [da, db]
        }
    }
}

extension Operators {
    /// An engine result as a value (rank 0 becomes a number).
    static func value(_ t: Tensor) throws -> Value { Value.from(t) }
}

extension Value {
    public var isTensorLike: Bool {
        switch self { case .number, .tensor, .bool: return true; default: return false }
    }
}
