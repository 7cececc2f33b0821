import Foundation
import LkTensor

/// A discrete noise schedule t = 0 … T−1, stored in one form for both families: the
/// noisy variable is x_t = s_t·(x₀ + σ_t ε), with
/// - VP (DDPM, Ho et al. 2020): βᵢ linear from β₀ to β₁, ᾱ_t = Πᵢ≤t (1 − βᵢ), so
///   x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε: s_t = √ᾱ_t and σ_t = √((1−ᾱ_t)/ᾱ_t);
/// - VE (NCSN / score SDE, Song et al. 2021): σ_t = σ_min(σ_max/σ_min)^{t/(T−1)}, s_t = 1.
/// A sampler divides by s_t, denoises at σ_t, and multiplies by the next s: so VP and VE
/// differ only in their σ grid and their starting noise.
public struct NoiseSchedule: Sendable {
    public enum Kind: String, Sendable { case vp, ve }
    public let kind: Kind
    /// s_t: √ᾱ_t for VP, 1 for VE.
    public let scale: [Double]
    /// σ_t: the VE-equivalent noise level.
    public let sigma: [Double]
    /// β_t for VP (empty for VE).
    public let beta: [Double]

    public var length: Int { sigma.count }
    /// ᾱ_t = s_t² for VP; 1/(1 + σ_t²) for VE (the VP level with the same signal-to-noise ratio).
    public var abar: [Double] { kind == .vp ? scale.map { $0 * $0 } : sigma.map { VPVE.abar(sigma: $0) } }

    /// DDPM's linear-β schedule: T = 1000, β from 1e-4 to 0.02 by default.
    public static func linearVP(timesteps: Int = 1000, betaStart: Double = 1e-4, betaEnd: Double = 0.02) throws -> NoiseSchedule {
        guard timesteps >= 2 else { throw TensorError("the schedule needs at least 2 timesteps, got \(timesteps)") }
        _ = try Memory.checkedCount([timesteps, 4], what: "a schedule of \(timesteps) timesteps (σ, scale, β and ᾱ per step)")
        guard betaStart > 0, betaEnd < 1, betaStart <= betaEnd else {
            throw TensorError("betas must satisfy 0 < beta0 ≤ beta1 < 1, got \(betaStart) and \(betaEnd)")
        }
        let beta = (0..<timesteps).map { betaStart + (betaEnd - betaStart) * Double($0) / Double(timesteps - 1) }
        var abar = 1.0
        var scale: [Double] = [], sigma: [Double] = []
        for b in beta {
            abar *= 1 - b
            scale.append(abar.squareRoot()); sigma.append(VPVE.sigma(abar: abar))
        }
        return NoiseSchedule(kind: .vp, scale: scale, sigma: sigma, beta: beta)
    }

    /// A geometric VE schedule from σ_min to σ_max (defaults 0.01 and 50) over T steps.
    public static func geometricVE(timesteps: Int = 1000, sigmaMin: Double = 0.01, sigmaMax: Double = 50) throws -> NoiseSchedule {
        guard timesteps >= 2 else { throw TensorError("the schedule needs at least 2 timesteps, got \(timesteps)") }
        _ = try Memory.checkedCount([timesteps, 4], what: "a schedule of \(timesteps) timesteps (σ, scale, β and ᾱ per step)")
        guard sigmaMin > 0, sigmaMax > sigmaMin, sigmaMax.isFinite else {
            throw TensorError("sigmas must satisfy 0 < sigma_min < sigma_max, got \(sigmaMin) and \(sigmaMax)")
        }
        let sigma = (0..<timesteps).map { sigmaMin * Foundation.pow(sigmaMax / sigmaMin, Double($0) / Double(timesteps - 1)) }
        return NoiseSchedule(kind: .ve, scale: Array(repeating: 1, count: timesteps), sigma: sigma, beta: [])
    }

    /// The `steps` timesteps a sampler visits, largest first: tᵢ = ⌊i·T/steps⌋ for
    /// i = steps−1 … 0 (DDIM's uniform skip; when steps divides T this is the DDS code's
    /// `range(0, T, T // steps)` reversed). After the last one comes t = −1, the clean
    /// image (σ = 0, s = 1).
    public func timesteps(_ steps: Int) throws -> [Int] {
        guard steps >= 1, steps <= length else {
            throw TensorError("steps must be between 1 and the schedule's \(length) timesteps, got \(steps)")
        }
        return (0..<steps).reversed().map { $0 * length / steps }
    }

    /// σ and s at timestep t, with t = −1 the clean end (0, 1).
    public func level(_ t: Int) -> (sigma: Double, scale: Double) { t < 0 ? (0, 1) : (sigma[t], scale[t]) }

    /// The starting noise: VP x_T ~ N(0, I), VE x_T ~ N(0, σ_max² I).
    public var startStandardDeviation: Double { kind == .vp ? 1 : sigma[length - 1] }
}

/// How `eta` sets the fresh noise of a DDIM-type step from σ_t to σ' (VE-equivalent levels).
public enum EtaRule: String, Sendable {
    /// DDIM (Song, Meng & Ermon 2021): noise std η·σ'√(1 − σ'²/σ_t²) — in VP terms
    /// η√((1−ᾱ')/(1−ᾱ_t))√(1−ᾱ_t/ᾱ'); η = 1 is DDPM's ancestral step, η = 0 deterministic.
    case ddim
    /// The DDS code's rule: x' = √ᾱ' x̂₀ + √(1−ᾱ')(η z + √(1−η²) ε̂), noise std η·σ'.
    case dds

    /// The fresh-noise std s and the coefficient √(σ'² − s²) of ε̂, in VE coordinates.
    func coefficients(eta: Double, sigma: Double, next: Double) -> (noise: Double, epsilon: Double) {
        guard next > 0 else { return (0, 0) }
        let s: Double
        switch self {
        case .ddim: s = eta * next * Swift.max(0, 1 - next * next / (sigma * sigma)).squareRoot()
        case .dds: s = eta * next
        }
        return (s, Swift.max(0, next * next - s * s).squareRoot())
    }
}
