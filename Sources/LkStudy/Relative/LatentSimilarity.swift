import LkTensor

// How alike two representations of the same N samples are (relreps §4): the rows of R1
// and R2 describe the same samples in two spaces (absolute or relative coordinates).

extension Relative {
    static func samePoints(_ r1: Tensor, _ r2: Tensor, _ name: String, sameWidth: Bool) throws {
        guard r1.rank == 2, r2.rank == 2 else {
            throw TensorError("\(name): R1 and R2 must be matrices with one sample per row, got \(shapeString(r1.shape)) and \(shapeString(r2.shape))")
        }
        guard r1.shape[0] == r2.shape[0] else {
            throw TensorError("\(name): R1 has \(r1.shape[0]) rows but R2 has \(r2.shape[0]); row i of each must be the same sample")
        }
        if sameWidth && r1.shape[1] != r2.shape[1] {
            throw TensorError("\(name): R1 has \(r1.shape[1]) columns but R2 has \(r2.shape[1])")
        }
    }

    /// Mean cosine of matched rows, `(1/N) Σᵢ cos(R1ᵢ, R2ᵢ)` (a zero row has cosine 0).
    public static func matchedCosine(_ r1: Tensor, _ r2: Tensor) throws -> Double {
        try samePoints(r1, r2, "matchcos", sameWidth: true)
        let n = r1.shape[0], d = r1.shape[1]
        guard n > 0 else { return .nan }
        var total = 0.0
        for i in 0..<n {
            var ab = 0.0, aa = 0.0, bb = 0.0
            for j in 0..<d {
                let a = r1.pointer[i * d + j], b = r2.pointer[i * d + j]
                ab += a * b; aa += a * a; bb += b * b
            }
            total += aa == 0 || bb == 0 ? 0 : max(-1, min(1, ab / (aa * bb).squareRoot()))
        }
        return total / Double(n)
    }

    /// The k nearest neighbours of every row among the other rows, by cosine similarity
    /// (largest first; ties to the lower index).
    static func neighbours(_ r: Tensor, k: Int) throws -> [[Int]] {
        let n = r.shape[0]
        let c = try Tensor.cosine(r, r)
        return try (0..<n).map { i in
            if i % 256 == 0 { try Interrupt.check() }
            let row = c.pointer + i * n
            let order = (0..<n).filter { $0 != i }.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            return Array(order.prefix(k))
        }
    }

    /// Mean Jaccard index `|Nₖ¹(i) ∩ Nₖ²(i)| / |Nₖ¹(i) ∪ Nₖ²(i)|` of the k-nearest-neighbour
    /// sets of each sample in the two spaces (cosine similarity, the sample itself excluded).
    /// R1 and R2 may have different widths. 1 when both spaces order neighbours alike.
    public static func knnJaccard(_ r1: Tensor, _ r2: Tensor, k: Int) throws -> Double {
        try samePoints(r1, r2, "knnjaccard", sameWidth: false)
        let n = r1.shape[0]
        guard k >= 1 && k < n else { throw TensorError("knnjaccard: k must be between 1 and N − 1 = \(n - 1), got \(k)") }
        let a = try neighbours(r1, k: k), b = try neighbours(r2, k: k)
        var total = 0.0
        for i in 0..<n {
            let sa = Set(a[i]), sb = Set(b[i])
            total += Double(sa.intersection(sb).count) / Double(sa.union(sb).count)
        }
        return total / Double(n)
    }

    /// Mean reciprocal rank of the true match: for each row i of R1, the rank rᵢ (1 = best) of
    /// R2's row i among all rows of R2 ordered by cosine similarity to R1ᵢ (a tie counts
    /// against the match: every row at least as similar ranks ahead of it), and
    /// `MRR = (1/N) Σᵢ 1/rᵢ`. 1 when every sample's nearest row in the other space is itself.
    public static func meanReciprocalRank(_ r1: Tensor, _ r2: Tensor) throws -> Double {
        try samePoints(r1, r2, "mrr", sameWidth: true)
        let n = r1.shape[0]
        guard n > 0 else { return .nan }
        let c = try Tensor.cosine(r1, r2)
        var total = 0.0
        for i in 0..<n {
            let row = c.pointer + i * n
            var rank = 1
            for j in 0..<n where j != i && row[j] >= row[i] { rank += 1 }
            total += 1 / Double(rank)
        }
        return total / Double(n)
    }
}
