import XCTest
import Foundation
import LkTensor
@testable import LkStudy

/// Schedules, the DDIM step, DDS's data step and DPS's gradient against independent values.
final class DiffusionSamplerTests: XCTestCase {
    func randomMatrix(_ m: Int, _ n: Int, seed: UInt64) throws -> Tensor {
        var rng = RNG(seed: seed)
        return try Tensor(shape: [m, n], data: (0..<(m * n)).map { _ in rng.normal() })
    }

    /// NumPy: b = linspace(1e-4, 0.02, 1000); ab = cumprod(1 − b) → ab[0] = 0.9999,
    /// ab[499] = 0.07858724288177824, ab[999] = 4.035829765375676e-05.
    func testSchedules() throws {
        let vp = try NoiseSchedule.linearVP()
        XCTAssertEqual(vp.abar[0], 0.9999, accuracy: 1e-15)
        XCTAssertEqual(vp.abar[499], 0.07858724288177824, accuracy: 1e-14)
        XCTAssertEqual(vp.abar[999], 4.035829765375676e-05, accuracy: 1e-17)
        XCTAssertEqual(vp.sigma[999], ((1 - vp.abar[999]) / vp.abar[999]).squareRoot(), accuracy: 1e-9)
        let ve = try NoiseSchedule.geometricVE()
        XCTAssertEqual(ve.sigma[0], 0.01, accuracy: 1e-15)
        XCTAssertEqual(ve.sigma[999], 50, accuracy: 1e-10)
        XCTAssertEqual(ve.sigma[500] / ve.sigma[499], pow(5000, 1.0 / 999), accuracy: 1e-12)
        XCTAssertEqual(try vp.timesteps(50), Array(stride(from: 980, through: 0, by: -20)))
        XCTAssertEqual(try vp.timesteps(1000), Array((0..<1000).reversed()))
        XCTAssertEqual(try vp.timesteps(3), [666, 333, 0])
        XCTAssertThrowsError(try vp.timesteps(1001))
    }

    /// DDIM's η = 1 noise is DDPM's posterior std √β̃, β̃ = (1−ᾱ')/(1−ᾱ)·(1 − ᾱ/ᾱ'), in VP terms
    /// (the VE-coordinate std times s' = √ᾱ'); the DDS rule's is √(1−ᾱ')·η.
    func testEtaRules() throws {
        let vp = try NoiseSchedule.linearVP()
        let (t, tp) = (600, 580)
        let (a, ap) = (vp.abar[t], vp.abar[tp])
        let betaTilde = (1 - ap) / (1 - a) * (1 - a / ap)
        let (noise, eps) = EtaRule.ddim.coefficients(eta: 1, sigma: vp.sigma[t], next: vp.sigma[tp])
        XCTAssertEqual(noise * ap.squareRoot(), betaTilde.squareRoot(), accuracy: 1e-12)
        // DDIM's ε coefficient √(1 − ᾱ' − σ²) in VP terms.
        XCTAssertEqual(eps * ap.squareRoot(), (1 - ap - betaTilde).squareRoot(), accuracy: 1e-12)
        let (n2, e2) = EtaRule.dds.coefficients(eta: 0.85, sigma: vp.sigma[t], next: vp.sigma[tp])
        XCTAssertEqual(n2 * ap.squareRoot(), 0.85 * (1 - ap).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(e2 * ap.squareRoot(), (1 - 0.85 * 0.85).squareRoot() * (1 - ap).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(EtaRule.ddim.coefficients(eta: 0, sigma: 2, next: 1).noise, 0)
    }

    /// DDIM with η = 0 and an exact denoiser is a deterministic map of its starting noise, and
    /// (η = 0 or 1) it samples a Gaussian prior with the right mean and covariance.
    func testDDIMIsDeterministicAndSamplesThePrior() throws {
        let sigma0 = try Tensor(shape: [2, 2], data: [1.5, 0.6, 0.6, 0.8])
        let p = try GaussianPrior(mean: Tensor([1, -2]), covariance: sigma0)
        var settings = SamplerSettings(schedule: try .linearVP(), steps: 100, eta: 0)
        var r1 = RNG(seed: 4), r2 = RNG(seed: 4)
        let a = try DiffusionSampler.sample(prior: p, count: 3, settings: settings, rng: &r1)
        let b = try DiffusionSampler.sample(prior: p, count: 3, settings: settings, rng: &r2)
        XCTAssertEqual(a.x, b.x)
        XCTAssertEqual(a.nfe, 100)
        // η = 0 follows the probability-flow ODE (100 steps suffice for VP; the geometric VE grid
        // over-disperses by ~14% at 100 steps, see below, so it gets 1000); η = 1 is DDPM's
        // ancestral sampler, whose x̂₀-based kernel under-disperses with coarse steps: 1000.
        // VE starts at N(0, σ_max²I), ignoring the data's mean: σ_max must dwarf it.
        let cases: [(Double, NoiseSchedule, Int)] = [
            (0, try .linearVP(), 100), (0, try .geometricVE(sigmaMax: 200), 1000), (1, try .linearVP(), 1000),
        ]
        for (eta, schedule, steps) in cases {
            do {
                settings = SamplerSettings(schedule: schedule, steps: steps, eta: eta)
                var rng = RNG(seed: 7)
                let x = try DiffusionSampler.sample(prior: p, count: 3000, settings: settings, rng: &rng).x
                let mean = try x.reduce(.mean, axis: 0)
                XCTAssertEqual(mean[flat: 0], 1, accuracy: 0.06, "η=\(eta) \(schedule.kind)")
                XCTAssertEqual(mean[flat: 1], -2, accuracy: 0.06, "η=\(eta) \(schedule.kind)")
                let c = try Tensor.binary(.sub, x, mean)
                let cov = try Tensor.binary(.div, try Tensor.matmul(c, c, transA: true), 3000.0)
                for i in 0..<4 { XCTAssertEqual(cov[flat: i], sigma0[flat: i], accuracy: 0.1, "η=\(eta) \(schedule.kind) cov[\(i)]") }
            }
        }
    }

    /// η = 0 on a 1-D Gaussian N(μ, λ) is a linear map worked out by hand: each step multiplies
    /// u − μ by (λ + σσ')/(λ + σ²) (σ' = 0 at the end), so x = μ + (u_T − μ)·Πᵢ fᵢ with
    /// u_T = (start std)·z/s_T and z the generator's first normal. (This also shows the VE grid's
    /// 100-step over-dispersion: Π fᵢ²·σ_max² = 1.706 for λ = 1.5, σ_max = 200.)
    func testDDIMIsTheHandWorkedLinearMapOnAGaussian() throws {
        let (mu, lambda) = (0.7, 1.5)
        let p = try GaussianPrior(mean: Tensor([mu]), covariance: try Tensor(shape: [1, 1], data: [lambda]))
        for schedule in [try NoiseSchedule.linearVP(), try NoiseSchedule.geometricVE(sigmaMax: 200)] {
            let settings = SamplerSettings(schedule: schedule, steps: 100, eta: 0)
            var rng = RNG(seed: 12)
            let x = try DiffusionSampler.sample(prior: p, count: 1, settings: settings, rng: &rng).x[flat: 0]
            var replay = RNG(seed: 12)
            let ts = try schedule.timesteps(100)
            let sigmas = ts.map { schedule.sigma[$0] } + [0]
            var u = schedule.startStandardDeviation * replay.normal() / schedule.scale[ts[0]] - mu
            for i in 0..<100 { u *= (lambda + sigmas[i] * sigmas[i + 1]) / (lambda + sigmas[i] * sigmas[i]) }
            XCTAssertEqual(x, mu + u, accuracy: 1e-10, "\(schedule.kind)")
            if schedule.kind == .ve {
                let gain = (0..<100).reduce(200.0 * 200) { $0 * pow((lambda + sigmas[$1] * sigmas[$1 + 1]) / (lambda + sigmas[$1] * sigmas[$1]), 2) }
                XCTAssertEqual(gain, 1.7061397335618043, accuracy: 1e-9)
            }
        }
    }

    /// The noiseless DDS step: CG on AᴴA x = Aᴴy from x̂₀ lands on x̂₀ + A⁺(y − Ax̂₀), here
    /// x̂₀ + Aᵀ(AAᵀ)⁻¹(y − Ax̂₀) for a full-row-rank A, in rank(A) iterations; the noisy step
    /// solves (I + γAᵀA)x = x̂₀ + γAᵀy.
    func testDDSDataStepLandsOnThePseudoinverseCorrection() throws {
        let a = try randomMatrix(4, 10, seed: 2)
        let op = try LinearOperator.matrix(a, inputShape: [10])
        var rng = RNG(seed: 9)
        let x0 = Tensor((0..<10).map { _ in rng.normal() })
        let y = Tensor([1, -1, 0.5, 2])
        let aty = try op.adjoint(y)
        let cg = try DiffusionSampler.dataConsistency(x0, aty: aty, op: op, iterations: 4)
        let r = try Tensor.binary(.sub, y, try Tensor.matmul(a, x0))
        let want = try Tensor.binary(.add, x0, try Tensor.matmul(a, try Tensor.solve(try Tensor.matmul(a, a, transB: true), r), transA: true))
        for i in 0..<10 { XCTAssertEqual(cg.x[flat: i], want[flat: i], accuracy: 1e-9) }
        XCTAssertLessThanOrEqual(cg.iterations, 4)
        let gamma = 2.5
        let noisy = try DiffusionSampler.dataConsistency(x0, aty: aty, op: op, iterations: 10, gamma: gamma)
        let m = try Tensor.binary(.add, try Tensor.eye(10), try Tensor.binary(.mul, try Tensor.matmul(a, a, transA: true), gamma))
        let exact = try Tensor.solve(m, VectorSpace.combine(1, x0, gamma, aty))
        for i in 0..<10 { XCTAssertEqual(noisy.x[flat: i], exact[flat: i], accuracy: 1e-9) }
    }

    /// DPS's gradient through the denoiser (second-order Tweedie) against central differences
    /// of x_t ↦ ‖y − A E[x₀ | x_t/s]‖, for a Gaussian and a mixture prior, VP scaling included.
    func testDPSGradientMatchesFiniteDifferences() throws {
        let a = try randomMatrix(2, 3, seed: 3)
        let op = try LinearOperator.matrix(a, inputShape: [3])
        let y = Tensor([0.7, -0.4])
        let priors: [DiffusionPrior] = [
            try GaussianPrior(mean: Tensor([0, 1, 0]), covariance: try Tensor(shape: [3, 3], data: [1, 0.3, 0, 0.3, 2, 0.1, 0, 0.1, 0.5])),
            try MixturePrior(weights: Tensor([0.4, 0.6]), means: try Tensor(shape: [2, 3], data: [1, 0, 0, -1, 1, 0]), covs: Tensor([0.3, 0.6])),
        ]
        let xt = try Tensor(shape: [1, 3], data: [0.2, 0.5, -0.3])
        for p in priors {
            for (sigma, scale) in [(0.8, 1.0), (VPVE.sigma(abar: 0.6), 0.6.squareRoot())] {
                func objective(_ x: Tensor) throws -> Double {
                    let x0 = try p.denoise(VectorSpace.scaled(1 / scale, x), sigma: sigma)
                    return VectorSpace.norm(VectorSpace.combine(1, y, -1, try op.forward(x0)))
                }
                let u = VectorSpace.scaled(1 / scale, xt)
                let (g, _) = try DiffusionSampler.dpsGradient(u: u, x0: try p.denoise(u, sigma: sigma), sigma: sigma, scale: scale,
                                                              y: y, op: op, prior: p)
                for j in 0..<3 {
                    var up = xt, down = xt
                    up[flat: j] += 1e-6; down[flat: j] -= 1e-6
                    let fd = (try objective(up) - objective(down)) / 2e-6
                    XCTAssertEqual(g[flat: j], fd, accuracy: 1e-6, "\(p.summary) σ=\(sigma) j=\(j)")
                }
            }
        }
    }

    /// With an isotropic Gaussian prior N(μ, s²I) and y = Ax, the posterior is
    /// N(μ + A⁺(y − Aμ), s²(I − A⁺A)); the Euclidean projection of DDS is then exact Bayesian
    /// conditioning, and DDS (η = 0, full CG) reproduces the posterior mean and spread.
    func testDDSWithAGaussianPriorMatchesTheClosedFormPosterior() throws {
        let d = 8, s2 = 0.7
        let a = try randomMatrix(3, d, seed: 5)
        let mu = Tensor((0..<d).map { 0.3 * Double($0) - 1 })
        let p = try GaussianPrior(mean: mu, covariance: try Tensor.binary(.mul, try Tensor.eye(d), s2))
        let op = try LinearOperator.matrix(a, inputShape: [d])
        let y = Tensor([1, 0.5, -2])
        let aat = try Tensor.matmul(a, a, transB: true)
        let pm = try Tensor.binary(.add, mu, try Tensor.matmul(a, try Tensor.solve(aat, try Tensor.binary(.sub, y, try Tensor.matmul(a, mu))), transA: true))
        var settings = SamplerSettings(schedule: try .linearVP(), steps: 100, eta: 0)
        settings.etaRule = .ddim
        let runs = 300
        var mean = [Double](repeating: 0, count: d)
        var spread = 0.0
        for k in 0..<runs {
            var rng = RNG(seed: UInt64(k))
            let r = try DiffusionSampler.dds(y: y, op: op, prior: p, settings: settings, cgIterations: 3, rng: &rng)
            XCTAssertLessThan(VectorSpace.norm(VectorSpace.combine(1, y, -1, try op.forward(r.x))), 1e-9)
            for i in 0..<d { mean[i] += r.x[flat: i] / Double(runs); spread += pow(r.x[flat: i] - pm[flat: i], 2) / Double(runs) }
            XCTAssertEqual(r.nfe, 100)
        }
        let traceC = s2 * Double(d - 3)                 // tr s²(I − A⁺A)
        let se = (traceC / Double(runs)).squareRoot()  // Monte Carlo error of the mean
        let bias = zip(mean, pm.scalars).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        XCTAssertLessThan(bias, 2.5 * se)
        XCTAssertEqual(spread, traceC, accuracy: 0.2 * traceC)
    }

    func testSamplerErrors() throws {
        let p = try GaussianPrior(mean: Tensor([0, 0]), covariance: try Tensor.eye(2))
        let op = try LinearOperator.matrix(try Tensor(shape: [1, 3], repeating: 1), inputShape: [3])
        var rng = RNG(seed: 0)
        let settings = SamplerSettings(schedule: try .linearVP(), steps: 10, eta: 0)
        XCTAssertThrowsError(try DiffusionSampler.dds(y: Tensor([1]), op: op, prior: p, settings: settings, cgIterations: 2, rng: &rng))
        var bad = settings
        bad.eta = 2
        XCTAssertThrowsError(try DiffusionSampler.sample(prior: p, count: 1, settings: bad, rng: &rng))
    }
}
