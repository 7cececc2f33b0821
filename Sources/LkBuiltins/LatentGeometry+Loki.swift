import LkLang
import LkStudy
import LkTensor

// Loki (Roberts et al., NeurIPS 2023): Fréchet-mean prediction over a metric label space.

extension BuiltinTable {
    static let lokiBuiltins: [Builtin] = [
        def("frechet(P, D, observed=)",
            "Loki's prediction: for each row p of P (N×m, non-negative weights over the m observed classes, e.g. softmax outputs), the class y of the whole label space minimising the expected squared distance Σᵢ pᵢ D[observedᵢ, y]², ties to the lowest index; returns an N-vector of 0-based classes (a vector P gives a number). D is the K×K metric, or only its m observed rows (m×K) when K is too large for a square matrix. `observed` lists the m classes (0-based indices into D) the columns of P stand for; by default 0, 1, …, m−1. With D = 1 − I (every class equally far) this is the argmax. One matrix product per block of rows; columns of P that are zero everywhere are skipped.") { a in
            let p = try a.finite(try a.tensor(0, "P"), 0, "P")
            guard p.rank == 1 || p.rank == 2 else { throw a.error("P must be a vector or a matrix with one distribution per row, got shape \(shapeString(p.shape))", at: 0) }
            let pm = p.rank == 1 ? try p.reshaped([1, p.count]) : p
            let d = try a.finite(try a.matrix(1, "D"), 1, "D")
            let m = pm.shape[1], k = d.shape[1]
            let observed = a.keyword("observed") == nil ? Array(0..<m) : try intList(a, keyword: "observed")
            guard observed.count == m else { throw a.keywordError("observed lists \(observed.count) classes but P has \(m) columns", "observed") }
            if let bad = observed.first(where: { $0 < 0 || $0 >= k }) {
                throw a.keywordError("observed class \(bad) is outside 0..\(k - 1) (D has \(k) columns)", a.keyword("observed") == nil ? "observed" : "observed")
            }
            guard d.shape[0] == k || d.shape[0] == m else {
                throw a.error("D must be K×K or have one row per observed class (\(m)), got shape \(shapeString(d.shape))", at: 1)
            }
            let y = try Loki.frechetMean(pm, distances: d, observed: observed)
            return p.rank == 1 ? .number(Double(y[0])) : .tensor(Tensor(y.map(Double.init)))
        },
        def("locus(D, observed)",
            "The classes (ascending, 0-based) that the Fréchet mean can predict at all given the observed classes: y is in the locus when some distribution p over `observed` makes y the minimiser of Σᵢ pᵢ D[observedᵢ, y]² (with ties to the lowest index). Every observed class is in it; on a tree metric it is the minimal subtree spanning the observed classes. Exact: classes found by probe distributions are accepted, every other class is decided by a small linear program (simplex method). D is K×K; the cost grows like K²·m per undecided class.") { a in
            let (d, observed) = try lokiMetricAndObserved(a)
            return .tensor(Tensor(try Loki.locus(distances: d, observed: observed).map(Double.init)))
        },
        def("nextclass(D, observed)",
            "Loki's active choice of the next class to observe: the class farthest from the locus of the observed classes, argmax_y min_{l ∈ locus} D[y, l] (ties to the lowest index), or none when the locus already covers every class. D is K×K.") { a in
            let (d, observed) = try lokiMetricAndObserved(a)
            return try Loki.nextClass(distances: d, observed: observed).map { .number(Double($0)) } ?? .none
        },
        def("treemetric(parents, weights=)",
            "The K×K path metric of a rooted tree: `parents[i]` is the parent of node i (0-based) and −1 marks the one root; `weights[i]` (default 1) is the length of the edge from i to its parent (the root's entry is ignored). D[i, j] is the sum of edge lengths on the path between i and j. E.g. for a class hierarchy whose leaves are the labels.") { a in
            let parents = try intList(a, at: 0, name: "parents", min: -1)
            var weights: [Double]? = nil
            if let w = a.keyword("weights") {
                guard let t = Arguments.asTensor(w), t.rank <= 1 else { throw a.keywordError("weights must be a vector, got \(w.describedKind)", "weights") }
                guard t.count == parents.count else { throw a.keywordError("weights has \(t.count) entries but parents has \(parents.count)", "weights") }
                guard t.scalars.allSatisfy({ $0.isFinite }) else { throw a.keywordError("weights must be finite", "weights") }
                weights = t.scalars
            }
            return .tensor(try Loki.treeMetric(parents: parents, weights: weights))
        },
        def("expdist2(pred, truth, D)",
            "The Loki paper's error: the mean squared distance (1/N) Σᵢ D[predᵢ, truthᵢ]² between predicted and true classes (0-based N-vectors) under the K×K metric D. 0 only for perfect predictions; unlike accuracy it gives credit for near misses.") { a in
            let pred = try intList(a, at: 0, name: "pred"), truth = try intList(a, at: 1, name: "truth")
            guard pred.count == truth.count else { throw a.error("pred has \(pred.count) entries but truth has \(truth.count)", at: 1) }
            return .number(try Loki.expectedSquaredDistance(pred: pred, truth: truth, distances: try a.finite(try a.matrix(2, "D"), 2, "D")))
        },
    ]

    /// `locus` and `nextclass`: a finite square K×K metric D and the observed classes.
    static func lokiMetricAndObserved(_ a: Arguments) throws -> (Tensor, [Int]) {
        let d = try a.finite(try a.matrix(0, "D"), 0, "D")
        guard d.shape[0] == d.shape[1] else { throw a.error("D must be a square K×K matrix, got shape \(shapeString(d.shape))", at: 0) }
        return (d, try intList(a, at: 1, name: "observed"))
    }
}
