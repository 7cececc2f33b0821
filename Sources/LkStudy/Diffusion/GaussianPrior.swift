import Foundation
import LkTensor

/// The Gaussian prior N(μ, Σ). Its denoiser is the Wiener filter
/// E[x₀|y] = μ + Σ(Σ + σ²I)⁻¹(y − μ), its posterior covariance Σ − Σ(Σ + σ²I)⁻¹Σ does not
/// depend on y, and p_σ = N(μ, Σ + σ²I). Σ is eigendecomposed once (LAPACK dsyevd), so
/// each call costs two d×d matrix products per batch.
public final class GaussianPrior: DiffusionPrior {
    public let sampleShape: [Int]
    let factor: GaussianFactor

    /// `mean` has the sample's shape (a vector, or an n×n image); `covariance` is d×d with
    /// d the number of elements of `mean`, symmetric positive semidefinite.
    public init(mean: Tensor, covariance: Tensor) throws {
        guard mean.rank >= 1 else { throw TensorError("mu must be a vector or an image, got a number") }
        sampleShape = mean.shape
        factor = try GaussianFactor(mean: mean, covariance: covariance, name: "Sigma")
    }

    public var summary: String { "gaussian d=\(factor.dimension)" }
    public var eigenvalues: [Double] { factor.eigenvalues }

    public func denoise(_ y: Tensor, sigma: Double) throws -> Tensor { try factor.denoise(y, sigma: sigma) }
    public func posteriorCovariance(_ y: Tensor, sigma: Double, times v: Tensor) throws -> Tensor {
        try factor.covariance(times: v, sigma: sigma)
    }
    public func logDensity(_ y: Tensor, sigma: Double) throws -> Tensor? { Tensor(try factor.logDensity(y, sigma: sigma)) }
    public func draw(_ count: Int, rng: inout RNG) throws -> Tensor? { try factor.draw(count, rng: &rng) }
}

/// A stationary (circulant, periodic) Gaussian prior given by its power spectrum: Σ = Fᴴ diag(P) F
/// with F the orthonormal DFT over the sample's axes (1-D vectors or 2-D images), so it is
/// applied per frequency with FFTW in O(d log d) and never forms Σ:
/// E[x₀|y] = μ + Fᴴ[P/(P+σ²) · F(y − μ)],  Cov[x₀|y]v = Fᴴ[Pσ²/(P+σ²) · Fv],
/// log p_σ(y) = −½ Σₖ [|F(y−μ)|ₖ²/(Pₖ+σ²) + log 2π(Pₖ+σ²)].
/// P is in FFT order (zero frequency first), non-negative, and symmetric, P[k] = P[−k mod n],
/// which makes Σ real.
public final class StationaryGaussianPrior: DiffusionPrior {
    public let sampleShape: [Int]
    let mean: Tensor       // sample shape
    let spectrum: [Double] // sample shape, flattened

    public init(mean: Tensor, spectrum: Tensor) throws {
        guard spectrum.rank == 1 || spectrum.rank == 2 else {
            throw TensorError("spectrum must be a vector or a matrix (one power per frequency), got shape \(shapeString(spectrum.shape))")
        }
        if mean.rank > 0 && mean.shape != spectrum.shape {
            throw TensorError("mu has shape \(shapeString(mean.shape)) but the spectrum has shape \(shapeString(spectrum.shape))")
        }
        let p = spectrum.scalars
        if let bad = p.first(where: { !($0 >= 0) || !$0.isFinite }) {
            throw TensorError("spectrum must be finite and non-negative, found \(bad)")
        }
        let dims = spectrum.shape
        let rows = dims[0], cols = dims.count == 2 ? dims[1] : 1
        let top = p.max() ?? 0
        for i in 0..<rows {
            for j in 0..<cols {
                let mirror = ((rows - i) % rows) * cols + (cols - j) % cols
                if abs(p[i * cols + j] - p[mirror]) > 1e-12 * Swift.max(top, 1e-300) {
                    throw TensorError("spectrum must be symmetric, P[k] = P[−k] (the covariance of a real field); index \(dims.count == 2 ? "(\(i),\(j))" : "\(i)") differs from its mirror")
                }
            }
        }
        sampleShape = dims
        self.mean = mean.rank == 0 ? try Tensor(shape: dims, repeating: mean.scalarValue ?? 0) : mean
        self.spectrum = p
    }

    public var summary: String { "stationary gaussian \(sampleShape.map(String.init).joined(separator: "×"))" }

    /// F over the sample axes of each row of `rows` (B×d) → complex B×shape×2.
    func transform(_ rows: Tensor) throws -> Tensor {
        let b = rows.shape[0]
        let c = try FFT.complex(try rows.reshaped([b] + sampleShape))
        return try FFT.fft(c, axes: Array(1...sampleShape.count), inverse: false, norm: .ortho)
    }

    /// Re Fᴴ(z) back to B×d rows.
    func inverse(_ z: Tensor, batch b: Int) throws -> Tensor {
        let x = try FFT.fft(z, axes: Array(1...sampleShape.count), inverse: true, norm: .ortho)
        let out = try Tensor(uninitializedShape: [b, dimension])
        for i in 0..<out.count { out.pointer[i] = x.pointer[2 * i] }
        return out
    }

    /// Multiplies each frequency's complex coefficient by f(Pₖ).
    func filter(_ z: Tensor, _ f: (Double) -> Double) -> Tensor {
        var out = z
        let w = spectrum.map(f)
        let d = dimension
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<(p.count / 2) { p[2 * i] *= w[i % d]; p[2 * i + 1] *= w[i % d] }
        }
        return out
    }

    func centred(_ y: Tensor) throws -> Tensor { try Tensor.binary(.sub, y, try mean.reshaped([dimension])) }

    public func denoise(_ y: Tensor, sigma: Double) throws -> Tensor {
        let s2 = sigma * sigma
        let z = filter(try transform(try centred(y))) { $0 / ($0 + s2) }
        return try Tensor.binary(.add, try inverse(z, batch: y.shape[0]), try mean.reshaped([dimension]))
    }

    public func posteriorCovariance(_ y: Tensor, sigma: Double, times v: Tensor) throws -> Tensor {
        let s2 = sigma * sigma
        return try inverse(filter(try transform(v)) { $0 * s2 / ($0 + s2) }, batch: v.shape[0])
    }

    public func logDensity(_ y: Tensor, sigma: Double) throws -> Tensor? {
        let s2 = sigma * sigma, d = dimension
        let z = try transform(try centred(y))
        var logdet = 0.0
        for p in spectrum { logdet += Foundation.log(2 * Double.pi * (p + s2)) }
        return Tensor((0..<y.shape[0]).map { b in
            var q = 0.0
            for k in 0..<d {
                let re = z.pointer[2 * (b * d + k)], im = z.pointer[2 * (b * d + k) + 1]
                q += (re * re + im * im) / (spectrum[k] + s2)
            }
            return -0.5 * (q + logdet)
        })
    }

    public func draw(_ count: Int, rng: inout RNG) throws -> Tensor? {
        let white = try Tensor(uninitializedShape: [count, dimension])
        for i in 0..<white.count { white.pointer[i] = rng.normal() }
        let z = filter(try transform(white)) { $0.squareRoot() }
        return try Tensor.binary(.add, try inverse(z, batch: count), try mean.reshaped([dimension]))
    }
}
