import XCTest
import Foundation
import LkTensor
@testable import LkStudy
import LkTestSupport

/// Exact denoisers against closed forms worked out here, brute-force integration, a direct
/// softmax, and the score and second-order identities by finite differences.
final class DiffusionPriorTests: XCTestCase {
    let sigma0: Tensor = try! Tensor(shape: [3, 3], data: [2, 0.5, 0.2, 0.5, 1, -0.3, 0.2, -0.3, 0.8])
    let mu0 = Tensor([0.5, -1, 2])

    /// One point as a 1×d batch, the shape the denoisers take and return.
    func row(_ xs: [Double]) -> Tensor { try! Tensor(shape: [1, xs.count], data: xs) }

    /// μ + Σ(Σ + σ²I)⁻¹(y − μ) and Σ − Σ(Σ + σ²I)⁻¹Σ, by LAPACK solves.
    func testGaussianTweedieEqualsClosedFormPosterior() throws {
        let p = try GaussianPrior(mean: mu0, covariance: sigma0)
        let y = Tensor([1, 0.3, -0.5]), v = Tensor([0.2, -1, 0.4])
        for s in [0.1, 0.7, 3.0] {
            let noisy = try Tensor.binary(.add, sigma0, try Tensor.binary(.mul, try Tensor.eye(3), s * s))
            let gain = try Tensor.solve(noisy, try Tensor.binary(.sub, y, mu0))
            let mean = try Tensor.binary(.add, mu0, try Tensor.matmul(sigma0, gain))
            assertClose(try p.denoise(row(y.scalars), sigma: s), row(mean.scalars), rtol: 1e-12, atol: 1e-12, "mean σ=\(s)")
            let cv = try Tensor.binary(.sub, try Tensor.matmul(sigma0, v),
                                       try Tensor.matmul(sigma0, try Tensor.solve(noisy, try Tensor.matmul(sigma0, v))))
            assertClose(try p.posteriorCovariance(row(y.scalars), sigma: s, times: row(v.scalars)), row(cv.scalars), rtol: 1e-12, atol: 1e-12, "cov σ=\(s)")
        }
    }

    /// VP: x_t = √ᾱ x₀ + √(1−ᾱ)ε gives E[x₀|x_t] = μ + √ᾱΣ(ᾱΣ + (1−ᾱ)I)⁻¹(x_t − √ᾱμ), worked
    /// directly in VP terms; the engine's VE form at σ² = (1−ᾱ)/ᾱ on x_t/√ᾱ must agree.
    func testVPAndVEGiveTheSamePosterior() throws {
        let p = try GaussianPrior(mean: mu0, covariance: sigma0)
        let xt = Tensor([0.4, -0.2, 1.1])
        for abar in [0.05, 0.5, 0.97] {
            let a = abar.squareRoot()
            let m = try Tensor.binary(.add, try Tensor.binary(.mul, sigma0, abar), try Tensor.binary(.mul, try Tensor.eye(3), 1 - abar))
            let gain = try Tensor.solve(m, try Tensor.binary(.sub, xt, try Tensor.binary(.mul, mu0, a)))
            let want = try Tensor.binary(.add, mu0, try Tensor.binary(.mul, try Tensor.matmul(sigma0, gain), a))
            let got = try p.denoise(VectorSpace.scaled(1 / a, row(xt.scalars)), sigma: VPVE.sigma(abar: abar))
            assertClose(got, row(want.scalars), rtol: 1e-12, atol: 1e-12, "ᾱ=\(abar)")
        }
        XCTAssertEqual(VPVE.abar(sigma: VPVE.sigma(abar: 0.3)), 0.3, accuracy: 1e-15)
    }

    /// 1-D two-component mixture: the closed form πₖ ∝ wₖN(y; μₖ, sₖ² + σ²),
    /// mₖ = μₖ + sₖ²(y − μₖ)/(sₖ² + σ²), and brute-force integration of x·p(x)N(y; x, σ²).
    func testMixtureTweedieAgainstClosedFormAndIntegration() throws {
        let w = [0.3, 0.7], m = [-1.0, 2.0], v = [0.25, 0.5]
        let p = try MixturePrior(weights: Tensor(w), means: try Tensor(shape: [2, 1], data: m),
                                 covs: try Tensor(shape: [2, 1, 1], data: v))
        func normal(_ x: Double, _ mean: Double, _ variance: Double) -> Double {
            exp(-(x - mean) * (x - mean) / (2 * variance)) / (2 * Double.pi * variance).squareRoot()
        }
        for (y, s) in [(0.3, 0.8), (1.5, 0.2), (-3.0, 1.5)] {
            let pi = (0..<2).map { w[$0] * normal(y, m[$0], v[$0] + s * s) }
            let z = pi.reduce(0, +)
            let closed = (0..<2).reduce(0.0) { $0 + pi[$1] / z * (m[$1] + v[$1] * (y - m[$1]) / (v[$1] + s * s)) }
            // Trapezoid rule on [−12, 12] with 200 001 points.
            var num = 0.0, den = 0.0
            let h = 24.0 / 200_000
            for i in 0...200_000 {
                let x = -12 + Double(i) * h
                let f = (0..<2).reduce(0.0) { $0 + w[$1] * normal(x, m[$1], v[$1]) } * normal(y, x, s * s) * (i == 0 || i == 200_000 ? 0.5 : 1)
                num += x * f; den += f
            }
            let got = try p.denoise(row([y]), sigma: s)[flat: 0]
            XCTAssertEqual(got, closed, accuracy: 1e-12, "closed form y=\(y) σ=\(s)")
            XCTAssertEqual(got, num / den, accuracy: 1e-8, "integration y=\(y) σ=\(s)")
            // Second moment by integration gives the posterior variance.
            var m2 = 0.0
            for i in 0...200_000 {
                let x = -12 + Double(i) * h
                let f = (0..<2).reduce(0.0) { $0 + w[$1] * normal(x, m[$1], v[$1]) } * normal(y, x, s * s) * (i == 0 || i == 200_000 ? 0.5 : 1)
                m2 += x * x * f
            }
            let variance = m2 / den - (num / den) * (num / den)
            XCTAssertEqual(try p.posteriorCovariance(row([y]), sigma: s, times: row([1]))[flat: 0], variance, accuracy: 1e-7)
        }
    }

    /// wᵢ = exp(−‖y − xᵢ‖²/2σ²)/Σⱼ exp(−‖y − xⱼ‖²/2σ²) computed naively, E = Σ wᵢxᵢ.
    func testEmpiricalPriorAgainstDirectSoftmax() throws {
        var rng = RNG(seed: 3)
        let n = 40, d = 5
        let x = try Tensor(shape: [n, d], data: (0..<(n * d)).map { _ in rng.normal() })
        let p = try EmpiricalPrior(samples: x)
        let y = (0..<d).map { _ in rng.normal() }
        for s in [0.3, 1.0, 4.0] {
            let dist = (0..<n).map { i in (0..<d).reduce(0.0) { $0 + pow(y[$1] - x[flat: i * d + $1], 2) } }
            let lw = dist.map { -$0 / (2 * s * s) }
            let mx = lw.max()!
            let ws = lw.map { exp($0 - mx) }
            let z = ws.reduce(0, +)
            let want = (0..<d).map { c in (0..<n).reduce(0.0) { $0 + ws[$1] / z * x[flat: $1 * d + c] } }
            assertClose(try p.denoise(row(y), sigma: s), row(want), rtol: 1e-12, atol: 1e-12, "σ=\(s)")
            // log p_σ(y) = log[(1/N) Σ N(y; xᵢ, σ²I)].
            let logp = mx + log(z) - log(Double(n)) - 0.5 * Double(d) * log(2 * Double.pi * s * s)
            XCTAssertEqual(try p.logDensity(row(y), sigma: s)![flat: 0], logp, accuracy: 1e-10)
        }
        // At tiny σ the ideal denoiser returns the nearest data point.
        let near = try p.denoise(row(x.scalars[(7 * d)..<(8 * d)].map { $0 + 1e-3 }), sigma: 1e-3)
        assertClose(near, row(Array(x.scalars[(7 * d)..<(8 * d)])), rtol: 1e-9, atol: 1e-9)
    }

    /// The stationary prior equals the dense Gaussian with Σ = Fᴴ diag(P) F built explicitly
    /// (the circulant matrix of the inverse DFT of P).
    func testStationaryPriorMatchesDenseCirculant() throws {
        let n = 8
        let pw = [3.0, 2, 1, 0.5, 0.25, 0.5, 1, 2]           // symmetric: P[k] = P[n−k]
        let c = (0..<n).map { k in (0..<n).reduce(0.0) { $0 + pw[$1] * cos(2 * Double.pi * Double($1 * k) / Double(n)) } / Double(n) }
        let dense = try Tensor(shape: [n, n], data: (0..<(n * n)).map { c[((($0 % n) - ($0 / n)) % n + n) % n] })
        let mu = Tensor((0..<n).map { 0.1 * Double($0) })
        let stat = try StationaryGaussianPrior(mean: mu, spectrum: Tensor(pw))
        let full = try GaussianPrior(mean: mu, covariance: dense)
        var rng = RNG(seed: 5)
        let y = try Tensor(shape: [2, n], data: (0..<(2 * n)).map { _ in rng.normal() })
        let v = try Tensor(shape: [2, n], data: (0..<(2 * n)).map { _ in rng.normal() })
        for s in [0.2, 1.3] {
            assertClose(try stat.denoise(y, sigma: s), try full.denoise(y, sigma: s), rtol: 1e-12, atol: 1e-12)
            assertClose(try stat.posteriorCovariance(y, sigma: s, times: v), try full.posteriorCovariance(y, sigma: s, times: v), rtol: 1e-12, atol: 1e-12)
            assertClose(try stat.logDensity(y, sigma: s)!, try full.logDensity(y, sigma: s)!, rtol: 1e-11, atol: 1e-11)
        }
        XCTAssertThrowsError(try StationaryGaussianPrior(mean: Tensor(scalar: 0), spectrum: Tensor([1, 2, 3, 4])))
    }

    func priors() throws -> [DiffusionPrior] {
        var rng = RNG(seed: 8)
        let data = try Tensor(shape: [30, 3], data: (0..<90).map { _ in rng.normal() })
        return [
            try GaussianPrior(mean: mu0, covariance: sigma0),
            try MixturePrior(weights: Tensor([0.2, 0.5, 0.3]), means: try Tensor(shape: [3, 3], data: [0, 0, 0, 2, -1, 1, -2, 1, 0]),
                             covs: try Tensor(shape: [3, 3, 3], data: sigma0.scalars + [0.5, 0, 0, 0, 0.3, 0, 0, 0, 1] + sigma0.scalars.map { $0 * 0.5 })),
            try EmpiricalPrior(samples: data),
        ]
    }

    /// Tweedie's formula: (E[x₀|y] − y)/σ² = ∇log p_σ(y), by central differences of the log density.
    func testScoreIdentityByFiniteDifferences() throws {
        let y = row([0.3, -0.4, 0.9])
        for p in try priors() {
            for s in [0.5, 1.2] {
                let score = try p.score(y, sigma: s)
                for j in 0..<3 {
                    let h = 1e-5
                    var up = y, down = y
                    up[flat: j] += h; down[flat: j] -= h
                    let fd = (try p.logDensity(up, sigma: s)![flat: 0] - p.logDensity(down, sigma: s)![flat: 0]) / (2 * h)
                    XCTAssertEqual(score[flat: j], fd, accuracy: 1e-6 * max(1, abs(fd)), "\(p.summary) σ=\(s) j=\(j)")
                }
            }
        }
    }

    /// Second-order Tweedie: Cov[x₀|y]v = σ²·∂E[x₀|y]/∂y·v, by central differences of the denoiser.
    func testSecondOrderTweedieByFiniteDifferences() throws {
        let y = row([0.3, -0.4, 0.9]), v = row([1, 0.5, -2])
        for p in try priors() {
            for s in [0.5, 1.2] {
                let h = 1e-5
                let plus = try p.denoise(VectorSpace.combine(1, y, h, v), sigma: s)
                let minus = try p.denoise(VectorSpace.combine(1, y, -h, v), sigma: s)
                let fd = VectorSpace.scaled(s * s / (2 * h), VectorSpace.combine(1, plus, -1, minus))
                assertClose(try p.posteriorCovariance(y, sigma: s, times: v), fd, rtol: 1e-6, atol: 1e-6, p.summary)
            }
        }
        // The function prior's own finite-difference covariance matches the exact one.
        let g = try GaussianPrior(mean: mu0, covariance: sigma0)
        let f = FunctionPrior.fromScore(sampleShape: [3]) { x, s in try g.score(x.reshaped([1, 3]), sigma: s).reshaped([3]) }
        assertClose(try f.posteriorCovariance(y, sigma: 0.7, times: v), try g.posteriorCovariance(y, sigma: 0.7, times: v), rtol: 1e-7, atol: 1e-7)
        assertClose(try f.denoise(y, sigma: 0.7), try g.denoise(y, sigma: 0.7), rtol: 1e-12, atol: 1e-12)
    }

    func testDrawsHaveThePriorsMoments() throws {
        var rng = RNG(seed: 1)
        let p = try GaussianPrior(mean: mu0, covariance: sigma0)
        let x = try p.draw(20_000, rng: &rng)!
        let mean = try x.reduce(.mean, axis: 0)
        assertClose(mean, mu0, rtol: 0.05, atol: 0.05)
        let c = try Tensor.binary(.sub, x, mean)
        let cov = try Tensor.binary(.div, try Tensor.matmul(c, c, transA: true), 20_000.0)
        assertClose(cov, sigma0, rtol: 0.06, atol: 0.06)
    }

    func testErrors() throws {
        XCTAssertThrowsError(try GaussianPrior(mean: mu0, covariance: try Tensor(shape: [2, 2], repeating: 1))) {
            XCTAssertEqual(($0 as! TensorError).message, "Sigma has shape (2,2) but the mean has 3 elements (expected 3×3)")
        }
        XCTAssertThrowsError(try GaussianPrior(mean: Tensor([0, 0]), covariance: try Tensor(shape: [2, 2], data: [1, 0, 0, -1]))) {
            XCTAssertTrue(($0 as! TensorError).message.hasPrefix("Sigma is not positive semidefinite"))
        }
        XCTAssertThrowsError(try MixturePrior(weights: Tensor([1, 1]), means: try Tensor(shape: [3, 2], repeating: 0), covs: Tensor([1, 1])))
        XCTAssertThrowsError(try EmpiricalPrior(samples: Tensor([1, 2, 3])))
    }
}
