import LkTensor

// Relative representations (Moschella et al., ICLR 2023): describe each point by its
// similarities to a fixed set of anchor points instead of by its coordinates. Two latent
// spaces that differ by an angle-preserving map give the same relative representation.

/// How a point is compared with each anchor.
public enum RelativeMode: String, Sendable, CaseIterable {
    /// `cos(x, a) = x·a / (‖x‖‖a‖)`: invariant to rotations, reflections and isotropic scaling.
    case cosine
    /// `x·a`: invariant to rotations and reflections, not to scaling.
    case inner
    /// The coordinates `c` of `x` in the basis of the anchors, `argmin_c ‖cA − x‖` (minimum
    /// norm): invariant to every invertible linear map when the anchors span the points.
    case basis
}

/// How `pickAnchors` chooses anchors among the rows of X.
public enum AnchorSelection: String, Sendable, CaseIterable {
    case random, fps, kmeans, stratified
}

public enum Relative {
    /// The relative representation of the rows of `x` (N×d) with respect to the anchors `a`
    /// (m×d): the N×m matrix `R[i, j] = sim(xᵢ, aⱼ)` for the chosen `mode`. With `center`,
    /// the anchors' mean `μ` is subtracted from both first (`sim(xᵢ − μ, aⱼ − μ)`), which adds
    /// invariance to translations of the latent space.
    public static func represent(_ x: Tensor, anchors a: Tensor, mode: RelativeMode = .cosine,
                                 center: Bool = false) throws -> Tensor {
        guard x.rank == 2, a.rank == 2 else {
            throw TensorError("anchors: X and A must be matrices with one point per row, got \(shapeString(x.shape)) and \(shapeString(a.shape))")
        }
        guard x.shape[1] == a.shape[1] else {
            throw TensorError("anchors: X has \(x.shape[1]) columns but A has \(a.shape[1])")
        }
        var xs = x, anchors = a
        if center {
            let mu = try a.reduce(.mean, axis: 0)
            xs = try Tensor.binary(.sub, x, mu)
            anchors = try Tensor.binary(.sub, a, mu)
        }
        switch mode {
        case .cosine:
            return try Tensor.cosine(xs, anchors)
        case .inner:
            return try Tensor.matmul(xs, anchors, transB: true)
        case .basis:
            // c A = x  ⇔  Aᵀ cᵀ = xᵀ: one least-squares solve with N right-hand sides.
            let (c, _, _) = try Tensor.lstsq(anchors.transposed(), xs.transposed())
            return c.transposed()
        }
    }

    /// Chooses `k` anchors among the rows of `x` and returns their (0-based, distinct) row indices.
    ///
    /// - `random`: k rows uniformly without replacement.
    /// - `fps`: farthest-point sampling: a random first row, then repeatedly the row whose
    ///   Euclidean distance to the nearest chosen row is largest (ties to the lowest index).
    /// - `kmeans`: k-means (k-means++ start) on the rows, then for each centre the row nearest
    ///   to it (each row used once), so the anchors are data points present in every space.
    /// - `stratified`: classes taken in turn in increasing label order, one random unused row
    ///   of each per turn, until k rows are chosen (so the counts differ by at most one).
    public static func pickAnchors(_ x: Tensor, k: Int, method: AnchorSelection, labels: [Int]? = nil,
                                   seed: UInt64) throws -> [Int] {
        guard x.rank == 2 else { throw TensorError("pickanchors: X must be a matrix with one point per row, got \(shapeString(x.shape))") }
        let n = x.shape[0], d = x.shape[1]
        guard k >= 1 && k <= n else { throw TensorError("pickanchors: k must be between 1 and the number of rows (\(n)), got \(k)") }
        var rng = RNG(seed: seed)
        switch method {
        case .random:
            var idx = Array(0..<n)
            for i in 0..<k { idx.swapAt(i, i + rng.int(below: n - i)) }
            return Array(idx[0..<k])
        case .fps:
            var chosen = [rng.int(below: n)]
            var nearest = [Double](repeating: .infinity, count: n)
            while chosen.count < k {
                try Interrupt.check()
                let last = chosen[chosen.count - 1]
                var best = -1.0, pick = 0
                for i in 0..<n {
                    nearest[i] = min(nearest[i], squaredDistance(x.pointer + i * d, x.pointer + last * d, d))
                    if nearest[i] > best { best = nearest[i]; pick = i }
                }
                if best <= 0 {   // fewer distinct rows than k: take unused rows in order
                    pick = (0..<n).first { !chosen.contains($0) }!
                }
                chosen.append(pick)
            }
            return chosen
        case .kmeans:
            let km = try Tensor.kmeans(x, k: k, iterations: 100, seed: rng.nextUInt64(), interrupt: { Interrupt.isRequested })
            var used = Set<Int>(), out: [Int] = []
            for c in 0..<k {
                var best = Double.infinity, pick = -1
                for i in 0..<n where !used.contains(i) {
                    let dist = squaredDistance(x.pointer + i * d, km.centers.pointer + c * d, d)
                    if dist < best { best = dist; pick = i }
                }
                used.insert(pick); out.append(pick)
            }
            return out
        case .stratified:
            guard let labels else { throw TensorError("pickanchors: method \"stratified\" needs labels=") }
            guard labels.count == n else { throw TensorError("pickanchors: labels has \(labels.count) entries but X has \(n) rows") }
            var byClass: [Int: [Int]] = [:]
            for (i, l) in labels.enumerated() { byClass[l, default: []].append(i) }
            var pools = byClass.keys.sorted().map { byClass[$0]! }
            var out: [Int] = []
            while out.count < k {
                for c in pools.indices where !pools[c].isEmpty && out.count < k {
                    let j = rng.int(below: pools[c].count)
                    out.append(pools[c].remove(at: j))
                }
            }
            return out
        }
    }

    @inline(__always) static func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        var s = 0.0
        for j in 0..<d { let t = a[j] - b[j]; s += t * t }
        return s
    }
}
