import Foundation
import XCTest
@testable import LkStudy
import LkTensor
import LkTestSupport

/// The infinite-width kernels against hand-worked recursions, closed forms,
/// an independent 2-D Gauss–Hermite quadrature and Monte Carlo estimates.
final class KernelsTests: XCTestCase {
    let relu = Activation.named("relu")!, erf = Activation.named("erf")!, tanh = Activation.named("tanh")!


    func kernels(_ x1: Tensor, _ x2: Tensor? = nil, depth: Int, _ act: Activation, w: Double = 1, b: Double = 0,
                 standard: Bool = false, widths: [Double] = []) -> (nngp: Tensor, ntk: Tensor) {
        try! InfiniteWidth.kernels(x1, x2, FullyConnected(depth: depth, activation: act, wStd: w, bStd: b, standard: standard, hiddenWidths: widths))
    }

    /// Jacot et al. (2018), Fig. 1 setting: x on the unit circle (d = 2, so x·x/d = 1/2),
    /// β = b_std = 0.1, W_std = 1, ReLU. At angle 0, worked by hand:
    /// Σ¹ = 1/2 + 0.01 = 0.51, Θ¹ = Σ¹ = 0.51;
    /// Σ² = Σ¹/2 + 0.01 = 0.265, Θ² = Θ¹·½ + Σ² = 0.52;
    /// Σ³ = 0.1425, Θ³ = 0.52·½ + 0.1425 = 0.4025;
    /// Σ⁴ = 0.08125, Θ⁴ = 0.4025·½ + 0.08125 = 0.2825.
    func testJacotReluRecursionAtAngleZero() {
        let x = matrix([[1, 0]])
        let expected = [0.51, 0.52, 0.4025, 0.2825]
        for (depth, want) in expected.enumerated() {
            let k = kernels(x, depth: depth, relu, b: 0.1)
            XCTAssertEqual(k.ntk[flat: 0], want, accuracy: 1e-15, "depth \(depth)")
        }
        // Off the diagonal, one hidden layer, angle θ between x and x′ (both unit, d = 2):
        // Σ¹ = cos θ/2 + 0.01 with q = 0.51; ρ = Σ¹/q; Σ̇ = (π − acos ρ)/(2π);
        // Σ² = q/(2π)(√(1−ρ²) + (π − acos ρ)ρ) + 0.01; Θ² = Σ¹·Σ̇ + Σ².
        for theta in [0.3, 1.2, 2.5, Double.pi] {
            let x2 = matrix([[cos(theta), sin(theta)]])
            let s1 = cos(theta) / 2 + 0.01, q = 0.51, rho = s1 / q
            let dot = (Double.pi - acos(rho)) / (2 * Double.pi)
            let s2 = q / (2 * Double.pi) * ((1 - rho * rho).squareRoot() + (Double.pi - acos(rho)) * rho) + 0.01
            let k = kernels(x, x2, depth: 1, relu, b: 0.1)
            XCTAssertEqual(k.nngp[flat: 0], s2, accuracy: 1e-14)
            XCTAssertEqual(k.ntk[flat: 0], s1 * dot + s2, accuracy: 1e-14)
        }
    }

    /// The diagonal follows the scalar recursion on the variances exactly (no
    /// √(rounding) error from arccos near 1), and agrees with each point alone.
    func testDiagonalIsExact() {
        var g = RNG(seed: 3)
        let x = try! Tensor.build(shape: [7, 5]) { p, n in for i in 0..<n { p[i] = g.normal() * 1.5 } }
        for act in [relu, erf, tanh, Activation.named("sin")!, Activation.named("gelu")!] {
            // Closed forms: bit-for-bit. Quadrature: the rule's step depends on the
            // largest variance of the set, so a point alone may differ in the last bits.
            let tol = act.hasClosedFormKernel ? 0 : 1e-13
            let k = kernels(x, depth: 3, act, w: 1.3, b: 0.2)
            for i in 0..<7 {
                let row = try! x.get([.index(i), .all]).reshaped([1, 5])
                let alone = kernels(row, depth: 3, act, w: 1.3, b: 0.2)
                XCTAssertEqual(k.ntk[flat: i * 7 + i], alone.ntk[flat: 0], accuracy: tol * alone.ntk[flat: 0], "\(act.name) row \(i)")
                XCTAssertEqual(k.nngp[flat: i * 7 + i], alone.nngp[flat: 0], accuracy: tol * alone.nngp[flat: 0], "\(act.name) row \(i)")
            }
            // Symmetric and two-argument paths agree off the diagonal.
            var copy = x; copy.makeUnique()
            let two = kernels(x, copy, depth: 3, act, w: 1.3, b: 0.2)
            for i in 0..<49 {
                XCTAssertEqual(k.ntk[flat: i], two.ntk[flat: i], accuracy: 1e-9 * max(1, abs(k.ntk[flat: i])), "\(act.name) entry \(i)")
            }
        }
        // ReLU diagonal by hand: q₀ = |x|²/d, each layer q ← q/2 (w = 1, b = 0); Θ ← Σ + Θ/2 on the diagonal.
        let row = matrix([[3, 4]])                        // q₀ = 25/2
        var q = 12.5, t = 0.0
        for _ in 0..<3 { t = q + t; q /= 2; t /= 2 }
        t = q + t
        XCTAssertEqual(kernels(row, depth: 3, relu).ntk[flat: 0], t)
    }

    /// 2-D Gauss–Hermite quadrature per pair: u = √q₁ z₁, v = √q₂(ρ z₁ + √(1−ρ²) z₂).
    func gaussianPair(_ f: (Double) -> Double, _ q1: Double, _ q2: Double, _ c: Double, order: Int = 90) -> Double {
        let rule = try! GaussianRule(order: order)
        let rho = c / (q1 * q2).squareRoot(), s = (1 - rho * rho).squareRoot()
        var total = 0.0
        for (z1, w1) in zip(rule.nodes, rule.weights) {
            for (z2, w2) in zip(rule.nodes, rule.weights) {
                total += w1 * w2 * f(q1.squareRoot() * z1) * f(q2.squareRoot() * (rho * z1 + s * z2))
            }
        }
        return total
    }

    /// tanh has no closed form: the Mehler–Hermite series against a direct 2-D
    /// Gauss–Hermite quadrature of the one-hidden-layer recursion.
    func testTanhAgainstTwoDimensionalQuadrature() {
        let x = matrix([[1.0, 0.5, -0.3], [0.2, -1.1, 0.7], [-0.9, 0.4, 0.1]])
        let w = 1.5, b = 0.3
        let k = kernels(x, depth: 1, tanh, w: w, b: b)
        let d = 3.0
        func dotRows(_ a: Int, _ c: Int) -> Double { (0..<3).reduce(0) { $0 + x[flat: a * 3 + $1] * x[flat: c * 3 + $1] } / d }
        for i in 0..<3 {
            for j in 0..<3 where j != i {
                let q1 = w * w * dotRows(i, i) + b * b, q2 = w * w * dotRows(j, j) + b * b, c = w * w * dotRows(i, j) + b * b
                let ev = gaussianPair({ Foundation.tanh($0) }, q1, q2, c, order: 160)
                let ed = gaussianPair({ 1 - pow(Foundation.tanh($0), 2) }, q1, q2, c, order: 160)
                let nngp = w * w * ev + b * b
                XCTAssertEqual(k.nngp[flat: i * 3 + j], nngp, accuracy: 1e-10, "nngp \(i),\(j)")
                XCTAssertEqual(k.ntk[flat: i * 3 + j], nngp + w * w * (c * ed), accuracy: 1e-10, "ntk \(i),\(j)")
            }
        }
        // The diagonal is a 1-D integral, where Gauss–Hermite converges only like
        // e^{−c√n} for tanh; reference values from SciPy's adaptive quadrature:
        // q = w²|x|²/3 + b²; nngp = w²∫tanh(√q z)²ϕ(z)dz + b², ntk = nngp + w²q∫(1 − tanh²)²ϕ
        // (scipy.integrate.quad on [−40, 40], epsrel 1e-14).
        XCTAssertEqual(k.nngp[flat: 0], 1.0143676842305185, accuracy: 1e-13)
        XCTAssertEqual(k.ntk[flat: 0], 2.118978964849621, accuracy: 1e-13)
        XCTAssertEqual(k.nngp[flat: 4], 1.1139132603070434, accuracy: 1e-13)
        XCTAssertEqual(k.ntk[flat: 4], 2.390969485468583, accuracy: 1e-13)
    }

    /// The quadrature path run on functions that do have closed forms (given as
    /// custom closures, so the closed form is not used) reproduces the closed forms.
    func testQuadratureReproducesClosedForms() {
        var g = RNG(seed: 11)
        let x = try! Tensor.build(shape: [6, 4]) { p, n in for i in 0..<n { p[i] = g.normal() } }
        for name in ["erf", "sin"] {
            let exact = Activation.named(name)!
            let custom = Activation.custom(name: name) { try Activation.applyBuiltin(exact.kind, $0) }
            let a = kernels(x, depth: 3, exact, w: 1.4, b: 0.2), b = kernels(x, depth: 3, custom, w: 1.4, b: 0.2)
            for i in 0..<36 {
                XCTAssertEqual(a.nngp[flat: i], b.nngp[flat: i], accuracy: 1e-11, "\(name) nngp")
                XCTAssertEqual(a.ntk[flat: i], b.ntk[flat: i], accuracy: 1e-10, "\(name) ntk")
            }
        }
    }

    /// NNGP of one hidden layer as a Monte-Carlo average over n independent hidden units:
    /// K(x, x′) = w²·mean_i φ(hᵢ(x))φ(hᵢ(x′)) + b², hᵢ(x) = w·wᵢ·x/√d + b·bᵢ.
    func testNNGPAgainstMonteCarlo() {
        let x = matrix([[1.0, 0.0, 0.5], [0.3, -0.8, 0.2], [-1.2, 0.4, 0.9]])
        let w = 1.2, b = 0.4, n = 200_000
        for act in [relu, erf] {
            let k = kernels(x, depth: 1, act, w: w, b: b).nngp
            var g = RNG(seed: 5)
            var sum = [Double](repeating: 0, count: 9), sq = sum
            for _ in 0..<n {
                let wi = [g.normal(), g.normal(), g.normal()], bi = g.normal()
                let h = (0..<3).map { r in w * (0..<3).reduce(0) { $0 + wi[$1] * x[flat: r * 3 + $1] } / 3.0.squareRoot() + b * bi }
                let a = h.map { act.kind == .relu ? max($0, 0) : Foundation.erf($0) }
                for i in 0..<3 { for j in 0..<3 { let v = a[i] * a[j]; sum[i * 3 + j] += v; sq[i * 3 + j] += v * v } }
            }
            for e in 0..<9 {
                let mean = sum[e] / Double(n), sd = (sq[e] / Double(n) - mean * mean).squareRoot() / Double(n).squareRoot()
                XCTAssertEqual(k[flat: e], w * w * mean + b * b, accuracy: 5 * w * w * sd + 1e-12, "\(act.name) entry \(e)")
            }
        }
    }

    /// neural-tangents' "standard" Dense: Θ ← n·Σ + 1 + w²Θ before Σ ← w²Σ + b².
    /// Depth 0: Θ = x·x′ + 1. Depth 1, ReLU, width m, w = 1, b = 0:
    /// Θ = m·relu-kernel(Σ¹) + 1 + (x·x′ + 1)·Σ̇.
    func testStandardParametrization() {
        let x = matrix([[1.0, 2.0], [0.5, -1.0]])
        let k0 = kernels(x, depth: 0, relu, standard: true)
        XCTAssertEqual(k0.ntk[flat: 1], 1 * 0.5 + 2 * -1.0 + 1, accuracy: 1e-15)
        let k1 = kernels(x, depth: 1, relu, standard: true, widths: [64])
        let q1 = 5.0 / 2, q2 = 1.25 / 2, c = -1.5 / 2, rho = c / (q1 * q2).squareRoot()
        let s = (q1 * q2).squareRoot() / (2 * Double.pi) * ((1 - rho * rho).squareRoot() + (Double.pi - acos(rho)) * rho)
        let dot = (Double.pi - acos(rho)) / (2 * Double.pi)
        XCTAssertEqual(k1.ntk[flat: 1], 64 * s + 1 + (-1.5 + 1) * dot, accuracy: 1e-13)
    }

    /// The vectorised ReLU and erf rows (SLEEF's acos/asin, blocks of 256, two threads,
    /// the symmetric lower triangle mirrored) against the recursion written out here per
    /// pair with glibc's acos/asin: the only difference may be the functions' last bit.
    func testVectorisedRowsAgainstScalarRecursion() throws {
        var g = RNG(seed: 21)
        let n = 300, m = 40, d = 7, depth = 2, w = 1.3, b = 0.2
        let x = try Tensor.build(shape: [n, d]) { p, c in for i in 0..<c { p[i] = g.normal() } }
        let z = try Tensor.build(shape: [m, d]) { p, c in for i in 0..<c { p[i] = g.normal() * 0.7 } }
        func row(_ t: Tensor, _ i: Int) -> [Double] { (0..<d).map { t.pointer[i * d + $0] } }
        func dot(_ u: [Double], _ v: [Double]) -> Double { zip(u, v).reduce(0) { $0 + $1.0 * $1.1 } / Double(d) }
        /// (nngp, ntk) of one pair by the recursion of neural-tangents' stax.
        func pair(_ u: [Double], _ v: [Double], relu: Bool) -> (Double, Double) {
            var c = dot(u, v), q1 = dot(u, u), q2 = dot(v, v), t = 0.0
            for layer in 0...depth {
                c = w * w * c + b * b; q1 = w * w * q1 + b * b; q2 = w * w * q2 + b * b; t = c + w * w * t
                if layer == depth { break }
                if relu {
                    let s = (q1 * q2).squareRoot(), rho = min(max(c / s, -1), 1), th = Foundation.acos(rho)
                    c = s / (2 * Double.pi) * ((1 - rho * rho).squareRoot() + (Double.pi - th) * rho)
                    t *= (Double.pi - th) / (2 * Double.pi)
                    q1 /= 2; q2 /= 2
                } else {
                    let p = (1 + 2 * q1) * (1 + 2 * q2)
                    t *= 4 / Double.pi / (p - 4 * c * c).squareRoot()
                    c = 2 / Double.pi * Foundation.asin(min(max(2 * c / p.squareRoot(), -1), 1))
                    q1 = 2 / Double.pi * Foundation.asin(2 * q1 / (1 + 2 * q1)); q2 = 2 / Double.pi * Foundation.asin(2 * q2 / (1 + 2 * q2))
                }
            }
            return (c, t)
        }
        for act in [relu, erf] {
            let sym = kernels(x, depth: depth, act, w: w, b: b)
            let cross = kernels(x, z, depth: depth, act, w: w, b: b)
            var worst = 0.0
            for i in 0..<n {
                for j in 0..<n where j != i {
                    let (c, t) = pair(row(x, i), row(x, j), relu: act.kind == .relu)
                    worst = max(worst, abs(sym.nngp[flat: i * n + j] - c) / abs(c), abs(sym.ntk[flat: i * n + j] - t) / abs(t))
                    XCTAssertEqual(sym.ntk[flat: i * n + j].bitPattern, sym.ntk[flat: j * n + i].bitPattern)
                }
                for j in 0..<m {
                    let (c, t) = pair(row(x, i), row(z, j), relu: act.kind == .relu)
                    worst = max(worst, abs(cross.nngp[flat: i * m + j] - c) / abs(c), abs(cross.ntk[flat: i * m + j] - t) / abs(t))
                }
            }
            // erf: where two points nearly coincide, p − 4c² is small and the slope's relative
            // error is the argument's times 8c²/(p − 4c²); one ulp of asin grows to ~1e-12 there.
            XCTAssertLessThan(worst, act.kind == .relu ? 1e-13 : 1e-10, act.name)
        }
    }

    /// `InfiniteWidth.nngp` (the recursion without Θ) is bit for bit the NNGP of `kernels`.
    func testNNGPAloneEqualsKernelsNNGP() throws {
        var g = RNG(seed: 8)
        let x = try Tensor.build(shape: [37, 4]) { p, c in for i in 0..<c { p[i] = g.normal() } }
        let z = try Tensor.build(shape: [5, 4]) { p, c in for i in 0..<c { p[i] = g.normal() } }
        for act in [relu, erf, tanh, Activation.named("sin")!] {
            for x2 in [nil, z] {
                let net = FullyConnected(depth: 3, activation: act, wStd: 1.2, bStd: 0.3)
                let alone = try InfiniteWidth.nngp(x, x2, net), both = try InfiniteWidth.kernels(x, x2, net)
                XCTAssertEqual(alone.scalars.map(\.bitPattern), both.nngp.scalars.map(\.bitPattern), act.name)
            }
        }
    }
}
