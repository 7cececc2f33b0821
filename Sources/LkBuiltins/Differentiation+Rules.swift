import LkLang
import LkTensor

// Derivative rules for built-ins that rearrange, accumulate or factorise:
// each written with differentiable operations, so it is differentiable again.

extension BuiltinTable {
    /// A built-in called on values that may be differentiated: its rule when they
    /// are, its implementation when not.
    static func call(_ name: String, _ args: [Value], keywords: [(name: String, value: Value)] = []) throws -> Value {
        guard let b = all.first(where: { $0.name == name }) else { fatalError("no built-in \(name)") }
        var a = Arguments(callee: name, positional: args, keywords: keywords)
        a.declaration = b.declaration
        let differentiated = args.contains(where: \.containsDual) || keywords.contains { $0.value.containsDual }
        if differentiated, case .rule(let rule) = b.differentiation { return try rule(&a) }
        a.positional = a.positional.map(\.deepUndual)
        a.keywords = a.keywords.map { ($0.name, $0.value.deepUndual) }
        return try b.implementation(&a)
    }

    /// The rule of a built-in that only copies elements (and fills zeros): run the
    /// built-in on the positions 1…n of x, then index x (0 for a filled zero) — the
    /// gradient is then the scatter-add of indexing, for any arguments.
    static func gather(_ name: String, _ a: Arguments) throws -> Value {
        let x = a.positional[0]
        let s = Differentiable.shape(x)
        let n = s.reduce(1, *)
        var positions = try Tensor(shape: s, repeating: 0)
        positions.withUnsafeMutableBufferPointer { b in for i in 0..<n { b[i] = Double(i + 1) } }
        let picked = try call(name, [.tensor(positions)] + a.positional.dropFirst().map(\.deepUndual),
                              keywords: a.keywords.map { ($0.name, $0.value.deepUndual) })
        guard let idx = Arguments.asTensor(picked) else { throw BuiltinError("\(name): not differentiable for these arguments") }
        let flat = try Differentiable.concat([.tensor(try Tensor(shape: [1], repeating: 0)), try Differentiable.reshape(x, [-1])], axis: 0)
        return try Differentiable.index(flat, [.array(idx)])
    }

    /// Running sums; the pull-back of a running sum is the running sum from the end.
    static func cumsum(_ x: Value, axis: Int?) throws -> Value {
        try Differentiable.lift([x], { p in Value.from(try Differentiable.tensor(p[0]).unwrap("x").cumsum(axis: axis)) },
                                forward: { _, _, t in try cumsum(t[0]!, axis: axis) }) { p, _, g, _ in
            let flipped = try call("flip", [g], keywords: axis.map { [("axis", .number(Double($0)))] } ?? [])
            let back = try call("flip", [try cumsum(flipped, axis: axis)], keywords: axis.map { [("axis", .number(Double($0)))] } ?? [])
            return [try Differentiable.reshape(back, Differentiable.shape(p[0]))]
        }
    }

    /// einsum's pull-back to each operand is again an einsum: the cotangent
    /// contracted with the other operands onto that operand's letters (letters it
    /// sums alone are broadcast back; axes of size 1 summed back).
    static func einsum(_ spec: String, _ operands: [Value]) throws -> Value {
        let clean = spec.filter { $0 != " " }
        guard !clean.contains(".") else { throw BuiltinError("grad: einsum with \"...\" is not differentiable yet; name the axes") }
        let parts = clean.components(separatedBy: "->")
        let inputs = parts[0].components(separatedBy: ",").map(Array.init)
        let output: [Character]
        if parts.count > 1 { output = Array(parts[1]) } else {
            let all = inputs.flatMap { $0 }
            output = Set(all).filter { c in all.filter { $0 == c }.count == 1 }.sorted()
        }
        for s in inputs where Set(s).count != s.count {
            throw BuiltinError("grad: einsum with a letter repeated in one operand (a diagonal) is not differentiable yet")
        }
        return try Differentiable.lift(operands, { p in try call("einsum", [.string(spec)] + p) }, forward: { p, _, t in
            // multilinear: one term per differentiated operand, its tangent in its place
            var total: Value? = nil
            for (i, ti) in t.enumerated() {
                guard let ti else { continue }
                var q = p
                q[i] = ti
                let term = try call("einsum", [.string(spec)] + q)
                total = try total.map { try Differentiable.add($0, term) } ?? term
            }
            return total ?? .number(0)
        }) { p, _, g, needs in
            try (0..<p.count).map { i in
                guard needs[i] else { return nil }
                let others = (0..<p.count).filter { $0 != i }
                let available = Set(output).union(others.flatMap { inputs[$0] })
                let kept = inputs[i].filter { available.contains($0) }
                let sub = ([String(output)] + others.map { String(inputs[$0]) }).joined(separator: ",") + "->" + String(kept)
                var d = try call("einsum", [.string(sub), g] + others.map { p[$0] })
                let s = Differentiable.shape(p[i])
                if kept.count < inputs[i].count {
                    var withOnes = [Int](), full = [Int]()
                    for (j, c) in inputs[i].enumerated() {
                        full.append(s[j]); withOnes.append(kept.contains(c) ? Differentiable.shape(d)[kept.firstIndex(of: c)!] : 1)
                    }
                    d = try Differentiable.broadcast(try Differentiable.reshape(d, withOnes), to: full.enumerated().map { j, n in max(n, withOnes[j]) })
                }
                return try Differentiable.sumTo(d, s)
            }
        }
    }

    static func tri(_ x: Value, lower: Bool) throws -> Value { try call(lower ? "tril" : "triu", [x]) }

    /// L = chol(A) and Ā = ½ S + ½ Sᵀ, S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Φ the lower triangle with
    /// its diagonal halved (Murray 2016, "Differentiation of the Cholesky decomposition").
    static func cholesky(_ a: Value) throws -> Value {
        try Differentiable.lift([a], { p in Value.from(try Differentiable.tensor(p[0]).unwrap("A").cholesky()) }) { _, l, g, _ in
            let phi = try Differentiable.sub(try tri(try Differentiable.matmul(try Differentiable.transpose(l, axes: nil), g), lower: true),
                                             try Differentiable.mul(.number(0.5), try diagonal(try diagonal(
                                                 try Differentiable.matmul(try Differentiable.transpose(l, axes: nil), g)))))
            let li = try invert(l)
            let s = try Differentiable.matmul(try Differentiable.matmul(try Differentiable.transpose(li, axes: nil), phi), li)
            return [try Differentiable.mul(.number(0.5), try Differentiable.add(s, try Differentiable.transpose(s, axes: nil)))]
        }
    }

    /// eigh's values pull back to V diag(λ̄) Vᵀ, its vectors to V (F ∘ VᵀV̄) Vᵀ with
    /// F_ij = 1/(λ_j − λ_i) (0 on the diagonal and between equal eigenvalues, whose
    /// vectors are not determined), symmetrised, as A is read symmetric. Each output
    /// is its own operation whose pull-back is written in the other (one level
    /// down), so second derivatives compose.
    static func eigh(_ a: Value) throws -> Value {
        let primal = Decomposition("eigh")
        let values = try Differentiable.lift([a], { p in try primal.field(p[0], "values") }) { p, _, g, _ in
            let v = try primal.field(p[0], "vectors")
            return [try Differentiable.matmul(try Differentiable.mul(v, try Differentiable.reshape(g, [1, -1])), try Differentiable.transpose(v, axes: nil))]
        }
        let vectors = try Differentiable.lift([a], { p in try primal.field(p[0], "vectors") }) { p, _, g, _ in
            let w = try primal.field(p[0], "values"), v = try primal.field(p[0], "vectors")
            let d = try Differentiable.sub(try Differentiable.reshape(w, [1, -1]), try Differentiable.reshape(w, [-1, 1]))
            let dt = Differentiable.tensor(d)!
            let scale = max(dt.scalars.map(Swift.abs).max() ?? 0, 1)
            var tt = dt
            tt.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = Swift.abs(b[i]) <= 1e-12 * scale ? 1 : 0 } }
            let tiny = Value.from(tt)
            let f = try Differentiable.mul(try Differentiable.div(.number(1), try Differentiable.add(d, tiny)),
                                           try Differentiable.sub(.number(1), tiny))
            let vt = try Differentiable.transpose(v, axes: nil)
            let x = try Differentiable.matmul(try Differentiable.matmul(v, try Differentiable.mul(f, try Differentiable.matmul(vt, g))), vt)
            return [try Differentiable.mul(.number(0.5), try Differentiable.add(x, try Differentiable.transpose(x, axes: nil)))]
        }
        return record([("values", values), ("vectors", vectors)])
    }

    /// svd (thin, A = U diag(S) Vᵀ, k = min(m, n)): S pulls back to U diag(S̄) Vᵀ;
    /// U and V as in Townsend 2016, "Differentiating the singular value
    /// decomposition": with F_ij = 1/(s_j² − s_i²) (0 on the diagonal),
    ///   Ā_U = U (F∘(UᵀŪ − ŪᵀU)) S Vᵀ + (I − UUᵀ) Ū S⁻¹ Vᵀ
    ///   Ā_V = U S (F∘(VᵀV̄ − V̄ᵀV)) Vᵀ + U S⁻¹ V̄ᵀ (I − VVᵀ).
    /// The vectors are determined (up to sign) only for distinct, nonzero singular
    /// values; elsewhere the gradient is refused, never a silent zero or NaN.
    static func svd(_ a: Value) throws -> Value {
        let primal = Decomposition("svd")
        typealias D = Differentiable
        func t(_ x: Value) throws -> Value { try D.transpose(x, axes: nil) }
        func mm(_ x: Value, _ y: Value) throws -> Value { try D.matmul(x, y) }
        let s = try D.lift([a], { p in try primal.field(p[0], "S") }) { p, _, g, _ in
            let u = try primal.field(p[0], "U"), v = try primal.field(p[0], "V")
            return [try mm(try D.mul(u, try D.reshape(g, [1, -1])), try t(v))]
        }
        /// U, S (as a column of ones times S: the matrix diag), V, F and S⁻¹ of the primal.
        func parts(_ a: Value) throws -> (u: Value, sv: Value, v: Value, f: Value, sinv: Value) {
            let u = try primal.field(a, "U"), sv = try primal.field(a, "S"), v = try primal.field(a, "V")
            let st = D.tensor(sv)!.scalars
            let top = st.max() ?? 0
            for (i, x) in st.enumerated() {
                guard x > 1e-12 * Swift.max(top, 1e-300) else {
                    throw BuiltinError("grad: the singular vectors of svd are not differentiable where a singular value is 0 (S[\(i)] = \(formatNumber(x)))")
                }
                for y in st[(i + 1)...] where Swift.abs(x - y) <= 1e-10 * top {
                    throw BuiltinError("grad: the singular vectors of svd are not differentiable at repeated singular values (\(formatNumber(x)))")
                }
            }
            let sq = try D.mul(sv, sv)
            let d = try D.sub(try D.reshape(sq, [1, -1]), try D.reshape(sq, [-1, 1]))   // s_j² − s_i²
            let k = st.count
            var eyeT = try Tensor(shape: [k, k], repeating: 0)
            for i in 0..<k { eyeT[flat: i * k + i] = 1 }
            let eye = Value.from(eyeT)
            let f = try D.mul(try D.div(.number(1), try D.add(d, eye)), try D.sub(.number(1), eye))
            return (u, sv, v, f, try D.div(.number(1), sv))
        }
        func projectedOut(_ q: Value, _ x: Value) throws -> Value {   // (I − QQᵀ) X
            try D.sub(x, try mm(q, try mm(try t(q), x)))
        }
        let u = try D.lift([a], { p in try primal.field(p[0], "U") }) { p, _, g, _ in
            let (u, sv, v, f, sinv) = try parts(p[0])
            let utg = try mm(try t(u), g)
            let inner = try D.mul(try D.mul(f, try D.sub(utg, try t(utg))), try D.reshape(sv, [1, -1]))   // (F∘…) S
            let first = try mm(try mm(u, inner), try t(v))
            let second = try mm(try D.mul(try projectedOut(u, g), try D.reshape(sinv, [1, -1])), try t(v))
            return [try D.add(first, second)]
        }
        let v = try D.lift([a], { p in try primal.field(p[0], "V") }) { p, _, g, _ in
            let (u, sv, v, f, sinv) = try parts(p[0])
            let vtg = try mm(try t(v), g)
            let inner = try D.mul(try D.reshape(sv, [-1, 1]), try D.mul(f, try D.sub(vtg, try t(vtg))))   // S (F∘…)
            let first = try mm(try mm(u, inner), try t(v))
            let second = try mm(try D.mul(u, try D.reshape(sinv, [1, -1])), try t(try projectedOut(v, g)))
            return [try D.add(first, second)]
        }
        return record([("U", u), ("S", s), ("V", v)])
    }
}

/// A decomposition computed once on its argument's primal and shared by the
/// operations that stand for its outputs.
final class Decomposition {
    let name: String
    /// One per differentiation level of the argument (each level has its own primal).
    var cached: [Int: Record] = [:]
    init(_ name: String) { self.name = name }
    func field(_ a: Value, _ f: String) throws -> Value {
        let level = a.differentiationLevel
        if cached[level] == nil {
            guard case .record(let r) = try BuiltinTable.call(name, [a]) else { fatalError() }
            cached[level] = r
        }
        return cached[level]![f]!
    }
}
