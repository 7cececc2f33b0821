import Foundation
import LkTensor

/// The abstraction measures of Bernardi et al. (Cell 2020), used by Alleman, Lindsey
/// & Fusi (ICLR 2024): the parallelism score and cross-condition generalisation.
public enum Abstraction {
    /// Row means of `r` (N×p) per condition label 0 … C−1 → C×p.
    public static func conditionMeans(_ r: Tensor, labels: [Int], conditions c: Int) throws -> Tensor {
        let p = r.shape[1]
        let out = try Tensor(shape: [c, p])
        var count = [Double](repeating: 0, count: c)
        for (i, l) in labels.enumerated() {
            count[l] += 1
            for j in 0..<p { out.pointer[l * p + j] += r.pointer[i * p + j] }
        }
        for l in 0..<c where count[l] > 0 { for j in 0..<p { out.pointer[l * p + j] /= count[l] } }
        return out
    }

    /// Parallelism score of a balanced dichotomy of C condition means M (C×p): for a
    /// one-to-one pairing π of the conditions with side 0 to those with side 1, the
    /// coding vectors vₐ = M[π(a)] − M[a] (a on side 0); the score of π is the mean
    /// cosine between all pairs of coding vectors, and PS is the maximum over all
    /// (C/2)! pairings (exhaustive, C ≤ 20). 1 when the dichotomy is coded along one
    /// direction in every context; near 0 for unstructured representations.
    public static func parallelism(_ m: Tensor, split: [Bool]) throws -> Double {
        let p = m.shape[1]
        let zero = split.indices.filter { !split[$0] }, one = split.indices.filter { split[$0] }
        let h = zero.count
        // Cosine between the coding vectors (a → b) and (a′ → b′), all precomputed.
        _ = try Memory.checkedCount([zero.count, one.count, p], what: "parallelism: the coding vectors of \(zero.count)×\(one.count) condition pairs")
        var vectors = [[Double]]()
        for a in zero { for b in one { vectors.append((0..<p).map { m.pointer[b * p + $0] - m.pointer[a * p + $0] }) } }
        let norms = vectors.map { v in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let k = vectors.count
        var cos = try Memory.array(repeating: 0.0, k, k, what: "parallelism: the cosines between \(k) coding vectors")
        for u in 0..<k {
            for v in u..<k {
                var s = 0.0
                for j in 0..<p { s += vectors[u][j] * vectors[v][j] }
                let c = norms[u] > 0 && norms[v] > 0 ? s / (norms[u] * norms[v]) : 0
                cos[u * k + v] = c; cos[v * k + u] = c
            }
        }
        var best = -Double.infinity
        var perm = Array(0..<h)
        func score() -> Double {
            var s = 0.0
            for i in 0..<h { for j in (i + 1)..<h { s += cos[(i * h + perm[i]) * k + (j * h + perm[j])] } }
            return h > 1 ? s / Double(h * (h - 1) / 2) : 1
        }
        // Heap's algorithm over the pairings.
        var c = [Int](repeating: 0, count: h)
        best = score()
        var i = 0
        while i < h {
            if c[i] < i {
                if i % 2 == 0 { perm.swapAt(0, i) } else { perm.swapAt(c[i], i) }
                best = max(best, score())
                c[i] += 1; i = 0
                try Interrupt.check()
            } else { c[i] = 0; i += 1 }
        }
        return best
    }

    /// Cross-condition generalisation performance: for every choice of one condition
    /// from each side of the dichotomy, a linear read-out is fitted on the trials of
    /// the other conditions and tested on the held-out pair; → the mean test accuracy
    /// over the (C/2)² choices. 0.5 is chance; 1 when the dichotomy generalises across
    /// contexts. The read-out is ridge regression on ±1 targets with an unpenalised
    /// intercept (data centred), penalty λ = ridge·tr(XcᵀXc)/p — relative to the data's
    /// scale. As ridge → ∞ the read-out tends to the difference of the class means,
    /// which (like a max-margin read-out) ignores directions the training conditions
    /// do not separate — noise, or a coordinate they share; ridge → 0 is least squares,
    /// which fits such noise when few conditions are left for training.
    public static func ccgp(_ r: Tensor, labels: [Int], split: [Bool], ridge: Double) throws -> Double {
        let n = r.shape[0], p = r.shape[1]
        let zero = split.indices.filter { !split[$0] }, one = split.indices.filter { split[$0] }
        var total = 0.0, runs = 0
        for a in zero {
            for b in one {
                try Interrupt.check()
                let train = (0..<n).filter { labels[$0] != a && labels[$0] != b }
                let test = (0..<n).filter { labels[$0] == a || labels[$0] == b }
                let m = train.count
                var mean = [Double](repeating: 0, count: p)
                for i in train { for j in 0..<p { mean[j] += r.pointer[i * p + j] / Double(m) } }
                let x = try Tensor.build(shape: [m, p]) { o, _ in
                    for (ri, i) in train.enumerated() { for j in 0..<p { o[ri * p + j] = r.pointer[i * p + j] - mean[j] } }
                }
                let targets = train.map { split[labels[$0]] ? 1.0 : -1.0 }
                let ymean = targets.reduce(0, +) / Double(m)
                let y = Tensor(targets.map { $0 - ymean })
                var trace = 0.0
                for i in 0..<x.count { trace += x.pointer[i] * x.pointer[i] }
                let lambda = max(ridge * trace / Double(p), 1e-300)
                // Normal equations in the smaller of feature space and sample space.
                var w: Tensor
                if p <= m {
                    var g = try Tensor.matmul(x, x, transA: true)
                    for j in 0..<p { g[flat: j * p + j] += lambda }
                    w = try Tensor.solve(g, try Tensor.matmul(x, y, transA: true))
                } else {
                    var g = try Tensor.gram(x)
                    for j in 0..<m { g[flat: j * m + j] += lambda }
                    w = try Tensor.matmul(x, try Tensor.solve(g, y), transA: true)
                }
                var correct = 0
                for i in test {
                    var s = ymean
                    for j in 0..<p { s += w[flat: j] * (r.pointer[i * p + j] - mean[j]) }
                    if (s > 0) == split[labels[i]] { correct += 1 }
                }
                total += Double(correct) / Double(max(test.count, 1)); runs += 1
            }
        }
        return total / Double(max(runs, 1))
    }
}
