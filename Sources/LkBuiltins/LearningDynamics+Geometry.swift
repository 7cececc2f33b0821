import LkLang
import LkStudy
import LkTensor

// Representational geometry: similarity of representations (cka, alignment, rsa,
// rdm), abstraction (parallelism, ccgp) and the hypercube task family.

extension BuiltinTable {
    static let geometryBuiltins: [Builtin] = [
        def("cka(R1, R2)", "Linear centred kernel alignment (Kornblith et al. 2019) of two representations of the same N inputs, R1 (N×p) and R2 (N×q): with column-centred X, Y, ‖YᵀX‖²_F / (‖XᵀX‖_F‖YᵀY‖_F) = alignment(gram(R1), gram(R2)). In [0, 1]; 1 for identical representations; invariant to orthogonal transforms and isotropic scaling of either, not to general linear maps. Computed in feature space or through the N×N Gram matrices, whichever is cheaper.") { a in
            let (x, y) = try pairedRows(a)
            return .number(try Similarity.cka(x, y))
        },
        def("alignment(K1, K2, centered=true)",
            "Kernel alignment of two N×N kernels (Gram matrices), ⟨K₁, K₂⟩_F / (‖K₁‖_F‖K₂‖_F), after centring both as HKH with H = I − 11ᵀ/N (Cortes et al. 2012; centered=false gives Cristianini et al.'s uncentred alignment). 1 when one kernel is a positive multiple of the other; alignment(gram(X), gram(Y)) = cka(X, Y).") { a in
            let k1 = try a.matrix(0, "K1"), k2 = try a.matrix(1, "K2")
            guard k1.shape[0] == k1.shape[1] else { throw a.error("K1 must be square (a kernel matrix), got shape \(shapeString(k1.shape))", at: 0) }
            guard k2.shape == k1.shape else { throw a.error("K2 is \(k2.shape[0])×\(k2.shape[1]) but K1 is \(k1.shape[0])×\(k1.shape[1])", at: 1) }
            return .number(try Similarity.alignment(k1, k2, centered: try a.keywordBool("centered", default: true)))
        },
        def("rdm(R, metric=\"correlation\")",
            "The representational dissimilarity matrix of the rows of R (N×p) → N×N with zero diagonal: metric=\"correlation\" 1 − Pearson r between two rows (each centred across its features; the RSA default), \"cosine\" 1 − cosine, \"euclidean\" ‖rᵢ − rⱼ‖, \"sqeuclidean\" ‖rᵢ − rⱼ‖².") { a in
            return wrap(try Similarity.rdm(try a.matrix(0, "R"), metric: try metricArgument(a)))
        },
        def("rsa(R1, R2, metric=\"correlation\", compare=\"spearman\")",
            "Representational similarity analysis (Kriegeskorte et al. 2008) of two representations of the same N conditions (N×p and N×q): the correlation between the upper triangles (i < j) of their dissimilarity matrices rdm(R, metric) — Spearman's rank correlation (ties get average ranks) by default, compare=\"pearson\" for Pearson's. metric=\"precomputed\" takes R1 and R2 as N×N dissimilarity matrices. 1 for identical representations (and for any that are monotone transforms of each other in dissimilarity, with Spearman).") { a in
            let (x, y) = try pairedRows(a)
            try a.finite(x, 0, "R1"); try a.finite(y, 1, "R2")   // ranks of NaN would be arbitrary
            let compare = Similarity.Comparison(rawValue: try a.keywordString("compare", default: "spearman", allowed: Similarity.Comparison.allCases.map(\.rawValue)))!
            guard x.shape[0] >= 3 else { throw a.error("rsa needs at least 3 conditions (rows), got \(x.shape[0])", at: 0) }
            if case .string("precomputed") = a.keyword("metric") ?? .none {
                guard x.shape[0] == x.shape[1], y.shape == x.shape else { throw a.error("with metric=\"precomputed\", R1 and R2 must be N×N dissimilarity matrices of the same size", at: 0) }
                return .number(Similarity.rsa(rdm1: x, rdm2: y, compare: compare))
            }
            let m = try metricArgument(a)
            return .number(Similarity.rsa(rdm1: try Similarity.rdm(x, metric: m), rdm2: try Similarity.rdm(y, metric: m), compare: compare))
        },
        def("parallelism(R, split, labels=)",
            "The parallelism score (Bernardi et al. 2020) of a balanced dichotomy of conditions: R holds one row per condition (C×p), or one row per trial with `labels=` (0-based condition of each row; rows are averaged per condition); `split` is a vector of C zeros and ones, half of each. For a pairing of the side-0 conditions with the side-1 conditions, the coding vectors are the differences of paired rows; the score is the mean cosine between all pairs of coding vectors, maximised over all (C/2)! pairings (C ≤ 20). 1 when the dichotomy is coded along one direction in every context.") { a in
            let r = try a.matrix(0, "R")
            let (split, c) = try splitArgument(a, 1)
            guard c <= 20 else { throw a.error("parallelism searches all (C/2)! pairings: at most 20 conditions, got \(c)", at: 1) }
            var means = r
            if let lv = a.keyword("labels") {
                let labels = try labelsArgument(a, lv, rows: r.shape[0], conditions: c, keyword: "labels")
                means = try Abstraction.conditionMeans(r, labels: labels, conditions: c)
            } else if r.shape[0] != c {
                throw a.error("R has \(r.shape[0]) rows but split has \(c) conditions (give labels= for one row per trial)", at: 0)
            }
            return .number(try Abstraction.parallelism(means, split: split))
        },
        def("ccgp(R, labels, split, ridge=1)",
            "Cross-condition generalisation performance (Bernardi et al. 2020) of a dichotomy: R has one row per trial (N×p), `labels` the 0-based condition of each row, `split` C zeros and ones (half each). For every choice of one held-out condition on each side, a linear read-out is fitted on the other conditions' trials and tested on the held-out ones → the mean accuracy over the (C/2)² choices (0.5 is chance). The read-out is ridge regression on ±1 targets with an unpenalised intercept and penalty λ = ridge·tr(XcᵀXc)/p (relative to the centred training data's scale): large values tend to the difference-of-class-means read-out, which, like the max-margin read-out of Bernardi et al., does not lean on directions the training conditions do not separate (noise, or a coordinate they share); small values to least squares.") { a in
            let r = try a.matrix(0, "R")
            let (split, c) = try splitArgument(a, 2)
            let labels = try labelsArgument(a, a.positional[1], rows: r.shape[0], conditions: c, position: 1)
            let ridge = try a.keywordNumber("ridge", default: 1)
            guard ridge.isFinite, ridge > 0 else { throw a.keywordError("ridge must be a positive number, got \(formatNumber(ridge))", "ridge") }
            return .number(try Abstraction.ccgp(r, labels: labels, split: split, ridge: ridge))
        },
        def("hypercube(bits, targets=1, alignment=0, dim=, noise=0, trials=1, seed=)",
            "The task family of Alleman, Lindsey & Fusi (ICLR 2024): C = 2^bits conditions at the corners c ∈ {−1, 1}^bits of a hypercube (condition i has bit b = 1 when (i >> b) & 1), parity targets t_S(c) = Π_{b∈S} c_b, and inputs x_c = √dim·Q[√(1−α)·c/√bits ; √α·t(c)/√T] with Q a random dim×(bits+T) orthonormal embedding, so that ‖x‖² = dim and the input kernel moves from the cube (α = alignment = 0) to the targets (α = 1). targets=T takes the T highest-order parities (subsets of ≥ 2 bits, largest first: targets=1 is the parity of all bits); a T×bits matrix of 0/1 chooses the subsets. dim defaults to 4·(bits + T). Each condition gives `trials` rows with Gaussian noise of std `noise`. → {X (N×dim), Y (N×T), labels (N), corners (C×bits), targets (C×T), means (C×dim noise-free inputs), alignment (measured centred alignment of the condition input kernel with the target kernel)}.") { a in
            let bits = try a.int(0, "bits", min: 2)
            guard bits <= 10 else { throw a.error("bits must be at most 10 (2^bits conditions), got \(bits)", at: 0) }
            let subsets = try subsetsArgument(a, bits: bits)
            let alpha = try a.keywordNumber("alignment", default: 0)
            guard (0...1).contains(alpha) else { throw a.keywordError("alignment must be in [0, 1], got \(formatNumber(alpha))", "alignment") }
            let k = bits + subsets.count
            let dim = try a.keywordInt("dim", default: 4 * k, min: 1)
            guard dim >= k else { throw a.keywordError("dim must be at least bits + targets = \(k), got \(dim)", "dim") }
            let noise = try a.keywordNumber("noise", default: 0)
            guard noise.isFinite, noise >= 0 else { throw a.keywordError("noise must be a non-negative number, got \(formatNumber(noise))", "noise") }
            let seed = try a.seed()
            var rng = RNG(seed: seed)
            let h = try Hypercube(bits: bits, subsets: subsets, alignment: alpha, dim: dim, noise: noise,
                                  trials: try a.keywordInt("trials", default: 1, min: 1), rng: &rng)
            return record([("X", wrap(h.inputs)), ("Y", wrap(h.targets)), ("labels", .tensor(Tensor(h.labels.map(Double.init)))),
                           ("corners", wrap(h.corners)), ("targets", wrap(h.cornerTargets)), ("means", wrap(h.means)), ("alignment", .number(h.alignment))])
        },
    ]

    static func pairedRows(_ a: Arguments) throws -> (Tensor, Tensor) {
        let x = try a.matrix(0, "R1"), y = try a.matrix(1, "R2")
        guard y.shape[0] == x.shape[0] else {
            throw a.error("R2 has \(y.shape[0]) rows but R1 has \(x.shape[0]): both must represent the same inputs, one per row", at: 1)
        }
        guard x.shape[0] >= 2 else { throw a.error("R1 needs at least 2 rows, got \(x.shape[0])", at: 0) }
        return (x, y)
    }

    static func metricArgument(_ a: Arguments) throws -> Similarity.Metric {
        Similarity.Metric(rawValue: try a.keywordString("metric", default: "correlation",
                                                         allowed: Similarity.Metric.allCases.map(\.rawValue) + (a.callee == "rsa" ? ["precomputed"] : [])))!
    }

    static func splitArgument(_ a: Arguments, _ i: Int) throws -> ([Bool], Int) {
        let s = try a.tensor(i, "split")
        guard s.rank == 1, s.count >= 2, s.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw a.error("split must be a vector of 0s and 1s, one per condition", at: i)
        }
        let ones = s.scalars.filter { $0 == 1 }.count
        guard 2 * ones == s.count else { throw a.error("split must be balanced: \(ones) ones among \(s.count) conditions", at: i) }
        return (s.scalars.map { $0 == 1 }, s.count)
    }

    static func labelsArgument(_ a: Arguments, _ v: Value, rows n: Int, conditions c: Int, position: Int? = nil, keyword: String? = nil) throws -> [Int] {
        func fail(_ m: String) -> BuiltinError { keyword.map { a.keywordError(m, $0) } ?? a.error(m, at: position!) }
        guard let t = Arguments.asTensor(v), t.rank == 1, t.count == n else { throw fail("labels must be a vector with one condition per row of R (\(n))") }
        return try t.scalars.map { x in
            guard x == x.rounded(), x >= 0, x < Double(c) else { throw fail("labels must be integers 0 … \(c - 1) (split has \(c) conditions), got \(formatNumber(x))") }
            return Int(x)  // checked: 0 ≤ x < c, integral
        }
    }

    static func subsetsArgument(_ a: Arguments, bits: Int) throws -> [[Int]] {
        let all = Hypercube.paritySubsets(bits: bits)
        guard let v = a.keyword("targets") else { return [all[0]] }
        guard let t = Arguments.asTensor(v) else { throw a.keywordError("targets must be a count or a T×bits matrix of 0/1", "targets") }
        if t.rank == 0 {
            let x = t.scalars[0]
            guard x.isFinite, x == x.rounded(), x >= 1, x <= Double(all.count) else {
                throw a.keywordError("targets must be 1 … \(all.count) (the parities of ≥ 2 of \(bits) bits), got \(formatNumber(t.scalars[0]))", "targets")
            }
            return Array(all.prefix(Int(x)))  // checked: 1 ≤ x ≤ all.count
        }
        let m = t.rank == 1 ? try t.reshaped([1, t.count]) : t
        guard m.rank == 2, m.shape[1] == bits, m.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw a.keywordError("a targets matrix must be T×\(bits) of 0s and 1s (which bits each parity uses)", "targets")
        }
        return try (0..<m.shape[0]).map { r in
            let s = (0..<bits).filter { m.pointer[r * bits + $0] == 1 }
            guard !s.isEmpty else { throw a.keywordError("targets row \(r) uses no bit", "targets") }
            return s
        }
    }
}
