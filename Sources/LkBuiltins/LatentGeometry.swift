import LkLang
import LkStudy
import LkTensor

// Latent geometry (issue 7): relative representations, Loki, EigenTrajectory and the
// Latent Compass. This file holds the group list, shared argument helpers and the
// relative-representation built-ins; the other topics sit in LatentGeometry+*.swift.

extension BuiltinTable {
    static var latentGeometry: [Builtin] { relativeBuiltins + lokiBuiltins + trajectoryBuiltins + compassBuiltins }

    static let relativeBuiltins: [Builtin] = [
        def("anchors(X, A, mode=\"cosine\", center=false)",
            "The relative representation of the rows of X (N×d) with respect to the anchor rows of A (m×d), an N×m matrix (Moschella et al., 2023). `mode=\"cosine\"` (default): Rᵢⱼ = xᵢ·aⱼ / (‖xᵢ‖‖aⱼ‖), invariant to rotations, reflections and isotropic rescaling of the latent space (a zero vector has cosine 0); `\"inner\"`: Rᵢⱼ = xᵢ·aⱼ, invariant to rotations only; `\"basis\"`: row i holds the coordinates c of xᵢ in the anchors, the minimum-norm least-squares solution of c A ≈ xᵢ, invariant to every invertible linear map when the anchors span the points. `center=true` subtracts the anchors' mean from X and A first, adding invariance to translations. A vector X is one point and gives an m-vector.") { a in
            let x = try a.tensor(0, "X"), anchorsT = try a.matrix(1, "A")
            guard x.rank == 1 || x.rank == 2 else { throw a.error("X must be a vector or a matrix with one point per row, got shape \(shapeString(x.shape))", at: 0) }
            let xm = x.rank == 1 ? try x.reshaped([1, x.count]) : x
            guard xm.shape[1] == anchorsT.shape[1] else { throw a.error("X has \(xm.shape[1]) columns but A has \(anchorsT.shape[1])", at: 1) }
            let mode = RelativeMode(rawValue: try a.keywordString("mode", default: "cosine", allowed: RelativeMode.allCases.map(\.rawValue)))!
            let r = try Relative.represent(xm, anchors: anchorsT, mode: mode, center: try a.keywordBool("center", default: false))
            return wrap(x.rank == 1 ? try r.reshaped([r.count]) : r)
        },
        def("pickanchors(X, k, method=\"random\", labels=, seed=)",
            "k distinct row indices (0-based) of X to use as anchors. `method=\"random\"` (default): uniformly without replacement; `\"fps\"`: farthest-point sampling — a random first row, then each time the row with the largest Euclidean distance to its nearest chosen row; `\"kmeans\"`: k-means of the rows (k-means++ start), then the row nearest each centre; `\"stratified\"`: one random row of each class in turn (classes in increasing order of `labels`, a vector with one label per row) until k are chosen, so class counts differ by at most one. Deterministic for a given `seed` (otherwise one draw from the global generator seeds it).") { a in
            let x = try a.finite(try a.matrix(0, "X"), 0, "X")
            let k = try a.int(1, "k", min: 1)
            guard k <= x.shape[0] else { throw a.error("k must be at most the number of rows of X (\(x.shape[0])), got \(k)", at: 1) }
            let method = AnchorSelection(rawValue: try a.keywordString("method", default: "random", allowed: AnchorSelection.allCases.map(\.rawValue)))!
            var labels: [Int]? = nil
            if a.keyword("labels") != nil {
                labels = try intList(a, keyword: "labels")
                guard labels!.count == x.shape[0] else { throw a.keywordError("labels has \(labels!.count) entries but X has \(x.shape[0]) rows", "labels") }
            } else if method == .stratified {
                throw a.keywordError("method \"stratified\" needs labels= (one class label per row of X)", "method")
            }
            let idx = try Relative.pickAnchors(x, k: k, method: method, labels: labels, seed: try a.seed())
            return .tensor(Tensor(idx.map(Double.init)))
        },
        def("matchcos(R1, R2)",
            "How alike two representations of the same N samples are: the mean cosine of matched rows, (1/N) Σᵢ cos(R1ᵢ, R2ᵢ), in [−1, 1] (1 when every row points the same way in both). R1 and R2 are N×m with row i the same sample.") { a in
            return .number(try Relative.matchedCosine(try a.matrix(0, "R1"), try a.matrix(1, "R2")))
        },
        def("knnjaccard(R1, R2, k=10)",
            "The mean Jaccard index |N¹ᵢ ∩ N²ᵢ| / |N¹ᵢ ∪ N²ᵢ| of the k-nearest-neighbour sets of each sample in the two spaces (cosine similarity, the sample itself excluded, ties to the lower index), in [0, 1]. R1 (N×m₁) and R2 (N×m₂) hold the same N samples in the same row order; their widths may differ.") { a in
            let r1 = try a.finite(try a.matrix(0, "R1"), 0, "R1"), r2 = try a.finite(try a.matrix(1, "R2"), 1, "R2")
            let k = try a.keywordInt("k", default: 10, min: 1)
            guard k < r1.shape[0] else { throw a.keywordError("k must be less than the number of samples (\(r1.shape[0])), got \(k)", "k") }
            return .number(try Relative.knnJaccard(r1, r2, k: k))
        },
        def("mrr(R1, R2)",
            "Mean reciprocal rank of the true match across two spaces: for each row i of R1, rᵢ = 1 + the number of rows j ≠ i of R2 with cos(R1ᵢ, R2ⱼ) ≥ cos(R1ᵢ, R2ᵢ), and MRR = (1/N) Σᵢ 1/rᵢ, in (0, 1] (1 when every sample's most similar row in the other space is itself; ties count against the match).") { a in
            return .number(try Relative.meanReciprocalRank(try a.finite(try a.matrix(0, "R1"), 0, "R1"), try a.finite(try a.matrix(1, "R2"), 1, "R2")))
        },
    ]

    /// A vector, list or number of integral values as Ints, from a positional argument or a keyword.
    static func intList(_ a: Arguments, at i: Int? = nil, keyword: String? = nil, name: String? = nil, min lo: Int? = nil) throws -> [Int] {
        let label = name ?? keyword ?? "argument"
        let fail: (String) -> BuiltinError = { msg in
            if let i { return a.error(msg, at: i) }
            return a.keywordError(msg, keyword ?? label)
        }
        let value = i.map { a.positional[$0] } ?? a.keyword(keyword ?? "")
        guard let value, let t = Arguments.asTensor(value), t.rank <= 1 else {
            throw fail("\(label) must be a vector of integers, got \(value?.describedKind ?? "nothing")")
        }
        return try t.scalars.map { x in
            guard x.isFinite, x == x.rounded(), abs(x) < 9e15 else { throw fail("\(label) must hold integers, got \(formatNumber(x))") }
            if let lo, Int(x) < lo { throw fail("\(label) must hold integers ≥ \(lo), got \(Int(x))") }  // checked: finite, below 9e15
            return Int(x)  // checked: finite, below 9e15
        }
    }

}
