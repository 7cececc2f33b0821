import Foundation
import LkTensor

/// A prior p(x₀) on vectors (or images, flattened) whose *exact* minimum-mean-square-error
/// denoiser is known: the object that stands in for a trained diffusion network.
///
/// Everything is stated for the variance-exploding (VE) form y = x₀ + σε, ε ~ N(0, I); the
/// variance-preserving form x_t = √ᾱ·x₀ + √(1−ᾱ)·ε is the same after dividing by √ᾱ, with
/// σ² = (1−ᾱ)/ᾱ (see `VPVE`). With p_σ = p ∗ N(0, σ²I):
/// - Tweedie's formula: E[x₀ | y] = y + σ²∇log p_σ(y);
/// - second order: Cov[x₀ | y] = σ²(I + σ²∇²log p_σ(y)) = σ²·∂E[x₀|y]/∂y (symmetric).
///
/// Batches are matrices: one flattened sample per row (B×d in, B×d out).
public protocol DiffusionPrior: AnyObject {
    /// The shape of one sample: `[d]` for vectors, `[n, n]` for images.
    var sampleShape: [Int] { get }
    /// A one-line description (`"gaussian d=4"`).
    var summary: String { get }
    /// E[x₀ | y] for each row of `y` (B×d), at noise level σ > 0.
    func denoise(_ y: Tensor, sigma: Double) throws -> Tensor
    /// Cov[x₀ | y]·v for each row of `y` and the matching row of `v` (both B×d).
    func posteriorCovariance(_ y: Tensor, sigma: Double, times v: Tensor) throws -> Tensor
    /// log p_σ(y) for each row (a vector of B), or nil if the prior has no closed form.
    func logDensity(_ y: Tensor, sigma: Double) throws -> Tensor?
    /// `count` exact draws from p(x₀) (count×d), or nil if the prior cannot be sampled directly.
    func draw(_ count: Int, rng: inout RNG) throws -> Tensor?
}

extension DiffusionPrior {
    /// The number of elements of one sample.
    public var dimension: Int { sampleShape.reduce(1, *) }

    /// The score ∇log p_σ(y) = (E[x₀|y] − y)/σ² for each row.
    public func score(_ y: Tensor, sigma: Double) throws -> Tensor {
        let d = try denoise(y, sigma: sigma)
        return VectorSpace.combine(1 / (sigma * sigma), d, -1 / (sigma * sigma), y)
    }
}

/// The map between the two noise parametrisations: x_t = √ᾱ·x₀ + √(1−ᾱ)·ε (VP) is
/// √ᾱ·(x₀ + σε) with σ = √((1−ᾱ)/ᾱ) (VE).
public enum VPVE {
    /// The VE noise level of a VP signal level ᾱ ∈ (0, 1].
    public static func sigma(abar: Double) -> Double { ((1 - abar) / abar).squareRoot() }
    /// The VP signal level of a VE noise level σ ≥ 0.
    public static func abar(sigma: Double) -> Double { 1 / (1 + sigma * sigma) }
}

/// Row-wise helpers on B×d matrices.
enum Rows {
    /// R·M (or R·Mᵀ) for rows R (B×k): one BLAS dgemv when B = 1 (the samplers' case, where
    /// a 1-row dgemm is markedly slower), dgemm otherwise.
    static func times(_ r: Tensor, _ m: Tensor, transposed: Bool = false) throws -> Tensor {
        guard r.rank == 2, r.shape[0] == 1 else { return try Tensor.matmul(r, m, transB: transposed) }
        let v = try r.reshaped([r.shape[1]])
        let out = try Tensor.matmul(m, v, transA: !transposed)
        return try out.reshaped([1, out.count])
    }

    /// Σⱼ aᵢⱼbᵢⱼ for each row i.
    static func dots(_ a: Tensor, _ b: Tensor) -> [Double] {
        let rows = a.shape[0], d = a.count / Swift.max(rows, 1)
        return (0..<rows).map { i in
            var s = 0.0
            for j in 0..<d { s += a.pointer[i * d + j] * b.pointer[i * d + j] }
            return s
        }
    }

    /// Row by row, `out[i] -= m[i] (m[i]·v[i])`: the mean's outer-product term of a
    /// posterior covariance applied to v (second-order Tweedie for mixtures).
    static func subtractMeanOuter(_ out: inout Tensor, _ m: Tensor, _ v: Tensor) {
        let mv = dots(m, v)
        let d = m.count / Swift.max(m.shape[0], 1)
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<mv.count { for c in 0..<d { p[i * d + c] -= m.pointer[i * d + c] * mv[i] } }
        }
    }

    /// log Σ exp(vᵢ), stable.
    static func logSumExp(_ v: UnsafeBufferPointer<Double>) -> Double {
        guard let m = v.max(), m.isFinite else { return v.max() ?? -Double.infinity }
        var s = 0.0
        for x in v { s += Foundation.exp(x - m) }
        return m + Foundation.log(s)
    }

    /// Each row of `logits` (B×K) turned into softmax weights, in place; returns each row's log-sum-exp.
    @discardableResult
    static func softmaxInPlace(_ logits: inout Tensor) -> [Double] {
        let rows = logits.shape[0], k = logits.shape[1]
        var lse = [Double](repeating: 0, count: rows)
        logits.withUnsafeMutableBufferPointer { p in
            for i in 0..<rows {
                let row = UnsafeMutableBufferPointer(rebasing: p[(i * k)..<((i + 1) * k)])
                let l = logSumExp(UnsafeBufferPointer(row))
                lse[i] = l
                for j in 0..<k { row[j] = Foundation.exp(row[j] - l) }
            }
        }
        return lse
    }
}

/// A Gaussian N(μ, U diag(λ) Uᵀ) held by its eigendecomposition, the building block of the
/// Gaussian and mixture priors. With c = Uᵀ(y − μ):
/// - E[x₀|y] = μ + U diag(λ/(λ+σ²)) c (the Wiener filter),
/// - Cov[x₀|y] = U diag(λσ²/(λ+σ²)) Uᵀ (independent of y),
/// - log N(y; μ, Σ+σ²I) = −½ Σⱼ [cⱼ²/(λⱼ+σ²) + log 2π(λⱼ+σ²)].
/// `basis == nil` means U = I (a diagonal covariance).
struct GaussianFactor {
    let mean: Tensor          // (d,)
    let basis: Tensor?        // d×d, eigenvectors in columns
    let eigenvalues: [Double] // λⱼ ≥ 0

    /// From a covariance matrix; small negative eigenvalues from rounding are clamped to 0,
    /// larger ones (below −1e-8·max λ) are an error.
    init(mean: Tensor, covariance: Tensor, name: String) throws {
        let d = mean.count
        guard covariance.shape == [d, d] else {
            throw TensorError("\(name) has shape \(shapeString(covariance.shape)) but the mean has \(d) elements (expected \(d)×\(d))")
        }
        try Krylov.checkSymmetric(covariance, name: name)
        let (w, v) = try covariance.eigh()
        let top = w.scalars.map(abs).max() ?? 0
        if let low = w.scalars.min(), low < -1e-8 * Swift.max(top, 1e-300) {
            throw TensorError("\(name) is not positive semidefinite (smallest eigenvalue \(low))")
        }
        self.mean = try mean.reshaped([d])
        basis = v
        eigenvalues = w.scalars.map { Swift.max($0, 0) }
    }

    init(mean: Tensor, variances: [Double]) throws {
        self.mean = try mean.reshaped([mean.count])
        basis = nil
        eigenvalues = variances
    }

    var dimension: Int { mean.count }

    /// Coordinates C = (Y − μ)U of each row of Y (B×d).
    func coordinates(_ y: Tensor) throws -> Tensor {
        let centred = try Tensor.binary(.sub, y, mean)
        return try basis.map { try Rows.times(centred, $0) } ?? centred
    }

    /// Rows from coordinates: C Uᵀ (+ μ when `addMean`).
    func fromCoordinates(_ c: Tensor, addMean: Bool) throws -> Tensor {
        let back = try basis.map { try Rows.times(c, $0, transposed: true) } ?? c
        return addMean ? try Tensor.binary(.add, back, mean) : back
    }

    /// Multiplies column j of `c` (B×d) by f(λⱼ).
    func scaleColumns(_ c: Tensor, _ f: (Double) -> Double) -> Tensor {
        var out = c
        let factors = eigenvalues.map(f)
        let d = dimension
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<(p.count / Swift.max(d, 1)) { for j in 0..<d { p[i * d + j] *= factors[j] } }
        }
        return out
    }

    func denoise(_ y: Tensor, sigma: Double) throws -> Tensor {
        let s2 = sigma * sigma
        return try fromCoordinates(scaleColumns(try coordinates(y)) { $0 / ($0 + s2) }, addMean: true)
    }

    func covariance(times v: Tensor, sigma: Double) throws -> Tensor {
        let s2 = sigma * sigma
        let c = try basis.map { try Rows.times(v, $0) } ?? v
        return try fromCoordinates(scaleColumns(c) { $0 * s2 / ($0 + s2) }, addMean: false)
    }

    /// log N(y; μ, Σ + σ²I) for each row.
    func logDensity(_ y: Tensor, sigma: Double) throws -> [Double] {
        let s2 = sigma * sigma
        let c = try coordinates(y)
        let d = dimension
        var logdet = 0.0
        for l in eigenvalues { logdet += Foundation.log(2 * Double.pi * (l + s2)) }
        return (0..<(c.count / Swift.max(d, 1))).map { i in
            var q = 0.0
            for j in 0..<d { let x = c.pointer[i * d + j]; q += x * x / (eigenvalues[j] + s2) }
            return -0.5 * (q + logdet)
        }
    }

    func draw(_ count: Int, rng: inout RNG) throws -> Tensor {
        let d = dimension
        let z = try Tensor(uninitializedShape: [count, d])
        for i in 0..<z.count { z.pointer[i] = rng.normal() }
        return try fromCoordinates(scaleColumns(z) { $0.squareRoot() }, addMean: true)
    }
}

extension Krylov {
    /// Checks that a square matrix is symmetric to a relative 1e-10 of its largest entry.
    public static func checkSymmetric(_ a: Tensor, name: String) throws {
        let s = a.asymmetry()   // one tiled pass (cg's fixed cost on a large matrix)
        let largest = s.largest, asym = s.worst
        if asym > 1e-10 * largest {
            throw TensorError("\(name) is not symmetric (max |\(name) − \(name)ᵀ| = \(formatNumber(asym)))")
        }
    }
}
