import Foundation
import LkTensor

/// A Gaussian mixture Σₖ wₖ N(μₖ, Σₖ). Noise keeps it a mixture,
/// p_σ = Σₖ wₖ N(μₖ, Σₖ + σ²I), so with responsibilities πₖ(y) ∝ wₖ N(y; μₖ, Σₖ + σ²I)
/// (a softmax of log-densities, by log-sum-exp) and each component's Wiener filter mₖ(y):
/// E[x₀|y] = Σₖ πₖ mₖ,  Cov[x₀|y] = Σₖ πₖ (Cₖ + mₖmₖᵀ) − m mᵀ with Cₖ = Σₖ − Σₖ(Σₖ+σ²I)⁻¹Σₖ.
public final class MixturePrior: DiffusionPrior {
    public let sampleShape: [Int]
    let components: [GaussianFactor]
    let logWeights: [Double]

    /// `weights` (K, non-negative, normalised here), `means` K×(sample shape), `covs` K×d×d
    /// (full), K×d (diagonal) or K (isotropic variances).
    public init(weights: Tensor, means: Tensor, covs: Tensor) throws {
        guard weights.rank == 1, weights.count >= 1 else {
            throw TensorError("weights must be a vector of K ≥ 1 mixture weights, got shape \(shapeString(weights.shape))")
        }
        let k = weights.count
        guard means.rank >= 2, means.shape[0] == k else {
            throw TensorError("means must have one row per component (\(k)×d), got shape \(shapeString(means.shape))")
        }
        let w = weights.scalars
        guard w.allSatisfy({ $0 >= 0 && $0.isFinite }), w.reduce(0, +) > 0 else {
            throw TensorError("weights must be non-negative with a positive sum")
        }
        let total = w.reduce(0, +)
        logWeights = w.map { Foundation.log($0 / total) }
        sampleShape = Array(means.shape.dropFirst())
        let d = sampleShape.reduce(1, *)
        let m = try means.reshaped([k, d])
        func row(_ t: Tensor, _ i: Int, _ len: Int) -> Tensor {
            Tensor(Array(UnsafeBufferPointer(start: t.pointer + i * len, count: len)))
        }
        var parts: [GaussianFactor] = []
        switch covs.shape {
        case [k, d, d]:
            for i in 0..<k {
                parts.append(try GaussianFactor(mean: row(m, i, d), covariance: try row(covs, i, d * d).reshaped([d, d]), name: "covs[\(i)]"))
            }
        case [k, d]:
            for i in 0..<k { parts.append(try GaussianFactor(mean: row(m, i, d), variances: row(covs, i, d).scalars)) }
        case [k]:
            for i in 0..<k { parts.append(try GaussianFactor(mean: row(m, i, d), variances: Array(repeating: covs.pointer[i], count: d))) }
        default:
            throw TensorError("covs must be K×d×d, K×d (diagonal) or K (isotropic) with K = \(k), d = \(d); got shape \(shapeString(covs.shape))")
        }
        for (i, p) in parts.enumerated() where p.eigenvalues.contains(where: { !($0 >= 0) }) {
            throw TensorError("covs[\(i)] has a negative or non-finite variance")
        }
        components = parts
    }

    public var summary: String { "gaussian mixture K=\(components.count) d=\(dimension)" }

    /// Responsibilities πₖ(y) (B×K) and log p_σ(y) per row.
    func responsibilities(_ y: Tensor, sigma: Double) throws -> (Tensor, [Double]) {
        let b = y.shape[0], k = components.count
        var logits = try Tensor(uninitializedShape: [b, k])
        for (j, c) in components.enumerated() {
            let l = try c.logDensity(y, sigma: sigma)
            for i in 0..<b { logits.pointer[i * k + j] = l[i] + logWeights[j] }
        }
        let lse = Rows.softmaxInPlace(&logits)
        return (logits, lse)
    }

    public func denoise(_ y: Tensor, sigma: Double) throws -> Tensor {
        let (pi, _) = try responsibilities(y, sigma: sigma)
        return try weightedSum(pi, try components.map { try $0.denoise(y, sigma: sigma) })
    }

    /// Σₖ πₖ(row) · termsₖ(row), row by row.
    func weightedSum(_ pi: Tensor, _ terms: [Tensor]) throws -> Tensor {
        let k = components.count
        let out = try Tensor(shape: terms[0].shape, repeating: 0)
        let b = out.shape[0], d = out.count / Swift.max(b, 1)
        for (j, t) in terms.enumerated() {
            for i in 0..<b {
                let w = pi.pointer[i * k + j]
                for c in 0..<d { out.pointer[i * d + c] += w * t.pointer[i * d + c] }
            }
        }
        return out
    }

    public func posteriorCovariance(_ y: Tensor, sigma: Double, times v: Tensor) throws -> Tensor {
        let (pi, _) = try responsibilities(y, sigma: sigma)
        let means = try components.map { try $0.denoise(y, sigma: sigma) }
        // Σₖ πₖ (Cₖv + mₖ(mₖ·v)) − m(m·v)
        let terms = try components.indices.map { j -> Tensor in
            var t = try components[j].covariance(times: v, sigma: sigma)
            let mv = Rows.dots(means[j], v)
            let d = dimension
            t.withUnsafeMutableBufferPointer { p in
                for i in 0..<mv.count { for c in 0..<d { p[i * d + c] += means[j].pointer[i * d + c] * mv[i] } }
            }
            return t
        }
        var out = try weightedSum(pi, terms)
        let m = try weightedSum(pi, means)
        Rows.subtractMeanOuter(&out, m, v)
        return out
    }

    public func logDensity(_ y: Tensor, sigma: Double) throws -> Tensor? {
        Tensor(try responsibilities(y, sigma: sigma).1)
    }

    public func draw(_ count: Int, rng: inout RNG) throws -> Tensor? {
        let w = logWeights.map(Foundation.exp)
        let out = try Tensor(uninitializedShape: [count, dimension])
        for i in 0..<count {
            var u = rng.uniform(), j = 0
            while j < w.count - 1 && u >= w[j] { u -= w[j]; j += 1 }
            let s = try components[j].draw(1, rng: &rng)
            (out.pointer + i * dimension).update(from: s.pointer, count: dimension)
        }
        return out
    }
}
