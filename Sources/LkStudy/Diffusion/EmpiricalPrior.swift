import Foundation
import LkTensor

/// The empirical distribution of a data set, (1/N) Σᵢ δ(x − xᵢ): the prior whose ideal
/// denoiser a diffusion network trained to zero loss on that data set would be.
/// With p_σ(y) = (1/N) Σᵢ N(y; xᵢ, σ²I) the posterior over i is a softmax:
/// wᵢ(y) = softmax_i((y·xᵢ − ½‖xᵢ‖²)/σ²) (the ‖y‖² term cancels), computed from one
/// matrix product Y Xᵀ (BLAS) and a log-sum-exp per row. Then
/// E[x₀|y] = Σᵢ wᵢxᵢ = wᵀX,  Cov[x₀|y]v = Xᵀ(w ⊙ Xv) − m(m·v).
/// At small σ it snaps to the nearest data point: it memorises, it does not generalise.
public final class EmpiricalPrior: DiffusionPrior {
    public let sampleShape: [Int]
    let data: Tensor            // N×d
    let halfSquaredNorms: [Double]

    /// `samples` holds one sample per index of its first axis (N×d vectors or N×n×n images).
    public init(samples: Tensor) throws {
        guard samples.rank >= 2, samples.shape[0] >= 1 else {
            throw TensorError("X must hold one sample per index of its first axis (N×d or N×n×n), got shape \(shapeString(samples.shape))")
        }
        guard VectorSpace.isFinite(samples) else { throw TensorError("X has a non-finite element") }
        sampleShape = Array(samples.shape.dropFirst())
        let n = samples.shape[0]
        data = try samples.reshaped([n, samples.count / n])
        halfSquaredNorms = (0..<n).map { i in
            var s = 0.0
            let d = samples.count / n
            for j in 0..<d { let x = samples.pointer[i * d + j]; s += x * x }
            return 0.5 * s
        }
    }

    public var count: Int { data.shape[0] }
    public var summary: String { "empirical N=\(count) d=\(dimension)" }

    /// The posterior weights over the data points (B×N) and, per row, the log-sum-exp of
    /// the logits (y·xᵢ − ½‖xᵢ‖²)/σ².
    public func weights(_ y: Tensor, sigma: Double) throws -> (Tensor, [Double]) {
        var logits = try Rows.times(y, data, transposed: true)
        let n = count, s2 = sigma * sigma
        logits.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = (p[i] - halfSquaredNorms[i % n]) / s2 }
        }
        let lse = Rows.softmaxInPlace(&logits)
        return (logits, lse)
    }

    public func denoise(_ y: Tensor, sigma: Double) throws -> Tensor {
        try Rows.times(try weights(y, sigma: sigma).0, data)
    }

    public func posteriorCovariance(_ y: Tensor, sigma: Double, times v: Tensor) throws -> Tensor {
        let w = try weights(y, sigma: sigma).0
        let m = try Rows.times(w, data)
        let xv = try Rows.times(v, data, transposed: true)          // B×N: xᵢ·v
        let weighted = try Tensor.binary(.mul, w, xv)
        var out = try Rows.times(weighted, data)                 // Σᵢ wᵢ(xᵢ·v) xᵢ
        Rows.subtractMeanOuter(&out, m, v)
        return out
    }

    /// log p_σ(y) = logsumexp_i(−‖y − xᵢ‖²/2σ²) − log N − (d/2) log 2πσ².
    public func logDensity(_ y: Tensor, sigma: Double) throws -> Tensor? {
        let (_, lse) = try weights(y, sigma: sigma)
        let yy = Rows.dots(y, y)
        let s2 = sigma * sigma, d = Double(dimension)
        return Tensor((0..<lse.count).map { i in
            lse[i] - yy[i] / (2 * s2) - Foundation.log(Double(count)) - 0.5 * d * Foundation.log(2 * Double.pi * s2)
        })
    }

    public func draw(_ count: Int, rng: inout RNG) throws -> Tensor? {
        let d = dimension
        let out = try Tensor(uninitializedShape: [count, d])
        for i in 0..<count {
            let j = rng.int(below: self.count)
            (out.pointer + i * d).update(from: data.pointer + j * d, count: d)
        }
        return out
    }
}

/// A prior known only through a denoiser or a score function, e.g. one written in lk:
/// `denoise(y, σ)` for one sample (sample-shaped tensors). From a score s(y, σ) = ∇log p_σ(y),
/// E[x₀|y] = y + σ²s(y, σ). The posterior covariance σ²·∂E[x₀|y]/∂y is applied to v by a
/// central difference along v: [D(y + hv) − D(y − hv)]·σ²/(2h), h = 6e-6·(1 + ‖y‖)/‖v‖
/// (the cube root of machine epsilon, the step that balances truncation and rounding).
public final class FunctionPrior: DiffusionPrior {
    public let sampleShape: [Int]
    let denoiseOne: (Tensor, Double) throws -> Tensor
    let label: String

    public init(sampleShape: [Int], label: String, denoise: @escaping (Tensor, Double) throws -> Tensor) {
        self.sampleShape = sampleShape; self.label = label; denoiseOne = denoise
    }

    /// A prior from a score function s(y, σ) ↦ ∇log p_σ(y).
    public static func fromScore(sampleShape: [Int], _ score: @escaping (Tensor, Double) throws -> Tensor) -> FunctionPrior {
        FunctionPrior(sampleShape: sampleShape, label: "score function") { y, sigma in
            let s = try score(y, sigma)
            guard s.count == y.count else {
                throw TensorError("the score function returned shape \(shapeString(s.shape)) for x of shape \(shapeString(y.shape))")
            }
            return VectorSpace.combine(sigma * sigma, s, 1, y)
        }
    }

    public var summary: String { "\(label) \(sampleShape.map(String.init).joined(separator: "×"))" }

    func rows(_ y: Tensor, _ f: (Tensor) throws -> Tensor) throws -> Tensor {
        let b = y.shape[0], d = dimension
        let out = try Tensor(uninitializedShape: [b, d])
        for i in 0..<b {
            try Interrupt.check()
            let row = try Tensor(shape: sampleShape, data: Array(UnsafeBufferPointer(start: y.pointer + i * d, count: d)))
            let r = try f(row)
            guard r.count == d else {
                throw TensorError("the \(label) returned shape \(shapeString(r.shape)) for a sample of shape \(shapeString(sampleShape))")
            }
            (out.pointer + i * d).update(from: r.pointer, count: d)
        }
        return out
    }

    public func denoise(_ y: Tensor, sigma: Double) throws -> Tensor {
        try rows(y) { try denoiseOne($0, sigma) }
    }

    public func posteriorCovariance(_ y: Tensor, sigma: Double, times v: Tensor) throws -> Tensor {
        let b = y.shape[0], d = dimension
        let out = try Tensor(uninitializedShape: [b, d])
        for i in 0..<b {
            let yi = Tensor(Array(UnsafeBufferPointer(start: y.pointer + i * d, count: d)))
            let vi = Tensor(Array(UnsafeBufferPointer(start: v.pointer + i * d, count: d)))
            let vn = VectorSpace.norm(vi)
            if vn == 0 { (out.pointer + i * d).initialize(repeating: 0, count: d); continue }
            let h = 6e-6 * (1 + VectorSpace.norm(yi)) / vn
            let plus = try denoiseOne(try VectorSpace.combine(1, yi, h, vi).reshaped(sampleShape), sigma)
            let minus = try denoiseOne(try VectorSpace.combine(1, yi, -h, vi).reshaped(sampleShape), sigma)
            let c = sigma * sigma / (2 * h)
            for j in 0..<d { out.pointer[i * d + j] = c * (plus.pointer[j] - minus.pointer[j]) }
        }
        return out
    }

    public func logDensity(_ y: Tensor, sigma: Double) throws -> Tensor? { nil }
    public func draw(_ count: Int, rng: inout RNG) throws -> Tensor? { nil }
}
