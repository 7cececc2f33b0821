import LkTensor

/// One use of a parameter, as its gradient per example (row of the batch).
enum PerExample {
    /// Row i's gradient is the outer product hᵢ gᵢᵀ (a matrix product H @ W).
    case outer(h: Tensor, g: Tensor)
    /// Row i's gradient is row i (flattened) of an N × size matrix.
    case dense(Tensor)

    var rows: Int { switch self { case .outer(let h, _): return h.shape[0]; case .dense(let d): return d.shape[0] } }

    var materialized: Tensor {
        get throws {
            switch self {
            case .dense(let d): return d
            case .outer(let h, let g):
                let n = h.shape[0], a = h.shape[1], b = g.shape[1]
                return try Tensor.build(shape: [n, a * b]) { p, _ in
                    for i in 0..<n { for r in 0..<a { let hv = h.pointer[i * a + r]
                        for c in 0..<b { p[i * a * b + r * b + c] = hv * g.pointer[i * b + c] } } }
                }
            }
        }
    }

    /// Σ over a parameter's entries of (gradient of example i of self)·(of example j of other): N₁×N₂.
    func inner(_ other: PerExample) throws -> Tensor {
        switch (self, other) {
        case (.outer(let h1, let g1), .outer(let h2, let g2)):
            // (hᵢ gᵢᵀ)·(hⱼ gⱼᵀ) = (hᵢ·hⱼ)(gᵢ·gⱼ): two Gram matrices, never the Jacobian.
            return try Tensor.binary(.mul, try Tensor.matmul(h1, h2, transB: true), try Tensor.matmul(g1, g2, transB: true))
        default:
            return try Tensor.matmul(try materialized, try other.materialized, transB: true)
        }
    }
}

extension AD {
    /// The reverse pass of `backward`, but stopping at the `leaves`: what each leaf
    /// receives is kept per example. nil when some leaf is used by an operation with
    /// no per-example form (then `entk` falls back to one pass per example).
    static func perExampleBackward(_ tape: Tape, from output: Dual, seed: Value, params: Set<Int>, data: Int) throws -> [Int: [PerExample]]? {
        // Which entries are values of the parameters alone (W.T, b * m): their
        // per-example gradients are carried down to the parameters afterwards.
        var dataDependent = [Bool](repeating: false, count: tape.entries.count)
        var paramOnly = [Bool](repeating: false, count: tape.entries.count)
        dataDependent[data] = true
        for (i, e) in tape.entries.enumerated() where !e.parents.isEmpty {
            let ps = e.parents.compactMap { $0 }
            if ps.contains(where: { dataDependent[$0] }) { dataDependent[i] = true }
            else if ps.contains(where: { params.contains($0) || paramOnly[$0] }) { paramOnly[i] = true }
        }
        func boundary(_ p: Int) -> Bool { params.contains(p) || paramOnly[p] }
        var cts: [Int: Value] = [output.index: seed]
        var result: [Int: [PerExample]] = [:]
        for i in stride(from: output.index, through: 0, by: -1) {
            guard let ct = cts.removeValue(forKey: i) else { continue }
            let entry = tape.entries[i]
            if entry.parents.allSatisfy({ $0 == nil }) || !dataDependent[i] { continue }
            try Interrupt.check()
            var per: [PerExample?] = []
            let atBoundary = entry.parents.map { $0.map(boundary) ?? false }
            if atBoundary.contains(true) {
                guard let pe = entry.perExample else { return nil }
                per = try pe(ct, atBoundary)
            }
            // Only the cotangents that flow on: none to the parameters (their per-example
            // forms replace them) and none to the data.
            let grads = try entry.pullback(ct, entry.parents.map { p in p.map { !boundary($0) && $0 != data } ?? false })
            for (k, (p, g)) in zip(entry.parents, grads).enumerated() {
                guard let p, p != data else { continue }
                if boundary(p) {
                    guard k < per.count, let e = per[k] else { return nil }
                    result[p, default: []].append(e)
                    continue
                }
                guard let g else { continue }
                cts[p] = try cts[p].map { try add($0, g) } ?? g
            }
        }
        for i in stride(from: tape.entries.count - 1, through: 0, by: -1) where paramOnly[i] {
            guard let forms = result.removeValue(forKey: i) else { continue }
            let entry = tape.entries[i]
            guard let chain = entry.chain else { return nil }
            for form in forms {
                let down = try chain(form)
                for (k, p) in entry.parents.enumerated() {
                    guard let p, boundary(p) else { continue }
                    guard k < down.count, let d = down[k] else { return nil }
                    result[p, default: []].append(d)
                }
            }
        }
        return result
    }
}

extension Autodiff {
    /// The empirical NTK of a model written in lk, f(params, X) with one example per
    /// row of X: Θ(x, x′) = Σₚ ∂f(x)/∂p · ∂f(x′)/∂p over every number and tensor in
    /// params. Where every parameter enters through a matrix product with the
    /// examples' rows or a broadcast elementwise operation (dense layers, biases,
    /// scales), one backward pass per output gives each parameter's per-example
    /// gradient in factored form and Θ is a sum of Gram-matrix products (neural-
    /// tangents' "structured derivatives"); otherwise each example gets its own
    /// backward pass and Θ = J₁J₂ᵀ. → N₁×N₂ for one output per example, N₁×N₂×k×k
    /// for k (neural-tangents' `trace_axes=()`).
    public static func empiricalNTK(_ interpreter: Interpreter, _ f: Value, _ params: Value, _ x1: Tensor, _ x2: Tensor?) throws -> Tensor {
        // entk(f, p, X, X) is entk(f, p, X): one set of passes.
        let x2 = x2.flatMap { $0.shape == x1.shape && $0.scalars == x1.scalars ? nil : $0 }
        struct Pass { var perLeaf: [Int: [PerExample]]; var leaves: [Int]; var k: Int; var n: Int }
        func structured(_ x: Tensor) throws -> [[Int: [PerExample]]]? {
            let tape = Tape.push()
            defer { Tape.pop(tape) }
            var l = Leaves(), dl = Leaves()
            let wrapped = wrap(params, tape, &l)
            // The data is on the tape too, to tell values of the parameters alone apart.
            let data = wrap(.tensor(x), tape, &dl)
            let out = try interpreter.call(f, [wrapped, data])
            let (n, k) = try outputShape(out, rows: x.shape[0])
            guard case .dual(let d) = out, d.tape === tape else { throw BuiltinError("entk: the model's output does not depend on params") }
            var passes: [[Int: [PerExample]]] = []
            for c in 0..<k {
                let seed = try Tensor(shape: AD.shape(out), repeating: 0)
                var s = seed
                s.withUnsafeMutableBufferPointer { b in for i in 0..<n { b[i * k + c] = 1 } }
                guard let r = try AD.perExampleBackward(tape, from: d, seed: .tensor(s), params: Set(l.indices), data: dl.indices[0]) else { return nil }
                // Leaves are renumbered by position so two tapes line up.
                var byPosition: [Int: [PerExample]] = [:]
                for (pos, idx) in l.indices.enumerated() { if let e = r[idx] { byPosition[pos] = e } }
                passes.append(byPosition)
            }
            return passes
        }
        if let p1 = try structured(x1) {
            let p2 = try x2.map { try structured($0) } ?? p1
            if let p2 {
                let k = p1.count, n1 = x1.shape[0], n2 = (x2 ?? x1).shape[0]
                guard p2.count == k else { throw BuiltinError("entk: the model gives \(k) outputs on X1 but \(p2.count) on X2") }
                var theta = try Tensor(shape: k == 1 ? [n1, n2] : [n1, n2, k, k], repeating: 0)
                for c in 0..<k { for e in 0..<k {
                    var block = try Tensor(shape: [n1, n2], repeating: 0)
                    for (pos, uses1) in p1[c] {
                        guard let uses2 = p2[e][pos] else { continue }
                        for u in uses1 { for v in uses2 {
                            try Interrupt.check()
                            block = try Tensor.binary(.add, block, try u.inner(v))
                        } }
                    }
                    if k == 1 { theta = block } else {
                        theta.withUnsafeMutableBufferPointer { t in
                            for i in 0..<n1 { for j in 0..<n2 { t[((i * n2 + j) * k + c) * k + e] = block[flat: i * n2 + j] } }
                        }
                    }
                } }
                return theta
            }
        }
        // One backward pass per example and output: Θ = J₁ J₂ᵀ.
        func jacobian(_ x: Tensor) throws -> (Tensor, Int) {
            let n = x.shape[0]
            var rows: [Tensor] = []
            var k = 0
            for i in 0..<n {
                try Interrupt.check()
                let xi = try x.get(subscript: [.slice(start: i, stop: i + 1, step: nil)])
                let tape = Tape.push()
                defer { Tape.pop(tape) }
                var l = Leaves()
                let wrapped = wrap(params, tape, &l)
                let out = try interpreter.call(f, [wrapped, .tensor(xi)])
                let (_, kk) = try outputShape(out, rows: 1)
                k = kk
                for c in 0..<kk {
                    var cts: [Int: Value] = [:]
                    if case .dual(let d) = out, d.tape === tape {
                        var s = try Tensor(shape: AD.shape(out), repeating: 0)
                        s[flat: c] = 1
                        cts = try AD.backward(tape, from: d, seed: .tensor(s))
                    }
                    var next = 0
                    let g = try collect(params, cts, l, &next)
                    rows.append(try flat(g))
                }
            }
            let p = rows.first?.count ?? 0
            let j = try Tensor.build(shape: [rows.count, p]) { ptr, _ in
                for (r, t) in rows.enumerated() { (ptr + r * p).update(from: t.pointer, count: p) }
            }
            return (j, k)
        }
        let (j1, k) = try jacobian(x1)
        let j2 = try x2.map { try jacobian($0).0 } ?? j1
        let n1 = x1.shape[0], n2 = (x2 ?? x1).shape[0]
        let theta = try Tensor.matmul(j1, j2, transB: true)   // (n1·k) × (n2·k)
        if k == 1 { return theta }
        return try theta.reshaped([n1, k, n2, k]).transposed(axes: [0, 2, 1, 3])
    }

    /// Examples and outputs per example of a model's output (N or N×k).
    static func outputShape(_ out: Value, rows: Int) throws -> (Int, Int) {
        let s = AD.shape(out)
        guard s.count == 1 || s.count == 2, s[0] == rows else {
            throw BuiltinError("entk: the model must give one output (an N-vector) or k outputs (N×k) per row of X (N = \(rows)), got shape \(shapeString(s))")
        }
        return (rows, s.count == 1 ? 1 : s[1])
    }

    /// A gradient (any structure) as one flat vector.
    static func flat(_ g: Value) throws -> Tensor {
        var parts: [Double] = []
        func walk(_ v: Value) {
            switch v.normalized {
            case .number(let x): parts.append(x)
            case .tensor(let t): parts.append(contentsOf: t.scalars)
            case .list(let l): l.forEach(walk)
            case .record(let r): r.values.forEach(walk)
            default: break
            }
        }
        walk(g)
        return Tensor(parts)
    }
}
