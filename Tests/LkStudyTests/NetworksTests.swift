import Foundation
import XCTest
@testable import LkStudy
import LkTestSupport
import LkTensor

/// Backprop, the empirical NTK and the parametrizations against finite
/// differences and the identities of Jacot et al. and Yang & Hu.
final class NetworksTests: XCTestCase {
    static let activations: [Activation] = Activation.builtinNames.map { Activation.named($0)! }
        + [Activation.custom(name: "softplus") { t in Activation.elementwise(t) { Foundation.log1p(Foundation.exp($0)) } }]

    func data(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
        var g = RNG(seed: seed)
        return try! Tensor.build(shape: [n, d]) { p, c in for i in 0..<c { p[i] = g.normal() } }
    }

    func net(_ widths: [Int], _ act: Activation, _ p: Parametrization, seed: UInt64 = 7, b: Double = 0.3) -> MLP {
        var rng = RNG(seed: seed)
        return try! MLP(widths: widths, activation: act, parametrization: p, wStd: 1.2, bStd: b, rng: &rng)
    }

    /// Every trained scalar θ, read and written by index (weights first, then biases, per layer).
    func parameters(_ n: MLP) -> [(tensor: Int, isBias: Bool, index: Int)] {
        (0..<n.layers).flatMap { l in
            (0..<n.weights[l].count).map { (l, false, $0) } + (0..<n.biases[l].count).map { (l, true, $0) }
        }
    }

    func perturbed(_ n: MLP, _ p: (tensor: Int, isBias: Bool, index: Int), by h: Double) -> MLP {
        var m = n
        if p.isBias { m.biases[p.tensor][flat: p.index] += h } else { m.weights[p.tensor][flat: p.index] += h }
        return m
    }

    /// Central differences of the loss, h = 1e-6, against backprop, for every
    /// activation, every parametrization and both losses.
    func testBackpropAgainstFiniteDifferences() throws {
        let x = data(6, 3, seed: 1)
        let yReg = data(6, 2, seed: 2)
        let yCls = try Tensor(shape: [6, 2], data: [1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0])
        for act in Self.activations {
            for p in Parametrization.allCases {
                for (loss, y) in [(Loss.mse, yReg), (Loss.xent, yCls)] {
                    let n = net([3, 5, 4, 2], act, p)
                    let g = try n.gradients(x, y, loss)
                    for q in parameters(n) {
                        let h = 1e-6
                        let fd = (try perturbed(n, q, by: h).loss(x, y, loss) - perturbed(n, q, by: -h).loss(x, y, loss)) / (2 * h)
                        let bp = q.isBias ? g.biases[q.tensor][flat: q.index] : g.weights[q.tensor][flat: q.index]
                        XCTAssertEqual(bp, fd, accuracy: 1e-6 * max(1, abs(fd)), "\(act.name) \(p) \(loss) layer \(q.tensor) \(q.isBias ? "b" : "W")[\(q.index)]")
                    }
                }
            }
        }
    }

    /// entk against Σ_p r_p J_p(x) J_p(x′) with J from central differences of the
    /// outputs, averaged over the two outputs.
    func testEmpiricalNTKAgainstFiniteDifferenceJacobian() throws {
        let x1 = data(4, 3, seed: 3), x2 = data(3, 3, seed: 4)
        for act in [Activation.named("tanh")!, Activation.named("relu")!] {
            for p in Parametrization.allCases {
                let n = net([3, 6, 5, 2], act, p)
                let theta = try EmpiricalNTK.kernel(n, x1, x2)
                var expect = [Double](repeating: 0, count: 12)
                for q in parameters(n) {
                    let h = 1e-6
                    let r = q.isBias ? n.biasScalings[q.tensor].lrScale : n.weightScalings[q.tensor].lrScale
                    let up = perturbed(n, q, by: h), down = perturbed(n, q, by: -h)
                    let j1 = try Tensor.binary(.div, try Tensor.binary(.sub, up.forward(x1), down.forward(x1)), 2 * h)
                    let j2 = try Tensor.binary(.div, try Tensor.binary(.sub, up.forward(x2), down.forward(x2)), 2 * h)
                    for i in 0..<4 { for j in 0..<3 { for o in 0..<2 { expect[i * 3 + j] += r * j1[flat: i * 2 + o] * j2[flat: j * 2 + o] / 2 } } }
                }
                for e in 0..<12 { XCTAssertEqual(theta[flat: e], expect[e], accuracy: 1e-6 * max(1, abs(expect[e])), "\(act.name) \(p) entry \(e)") }
            }
        }
        // The symmetric call equals the two-argument call.
        let n = net([3, 6, 1], Activation.named("erf")!, .ntk)
        let a = try EmpiricalNTK.kernel(n, x1, nil), b = try EmpiricalNTK.kernel(n, x1, x1)
        for e in 0..<16 { XCTAssertEqual(a[flat: e], b[flat: e], accuracy: 1e-12) }
    }

    func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        var num = 0.0, den = 0.0
        for i in 0..<a.count { num += pow(a[flat: i] - b[flat: i], 2); den += b[flat: i] * b[flat: i] }
        return (num / den).squareRoot()
    }

    /// Jacot et al., Theorem 1: at initialisation the empirical NTK of the
    /// ntk-parametrized network tends to the analytic NTK as the width grows, with
    /// O(n^{−½}) fluctuations; the standard parametrization's tends to
    /// neural-tangents' "standard" NTK at the same width.
    func testEmpiricalNTKConvergesToAnalyticNTK() throws {
        let x = data(8, 4, seed: 5)
        let relu = Activation.named("relu")!
        let analytic = try InfiniteWidth.kernels(x, nil, FullyConnected(depth: 2, activation: relu, wStd: 1.2, bStd: 0.3)).ntk
        func error(_ width: Int, seed: UInt64) throws -> Double {
            try relativeError(EmpiricalNTK.kernel(net([4, width, width, 1], relu, .ntk, seed: seed), x, nil), analytic)
        }
        let small = try (1...3).map { try error(64, seed: $0) }.reduce(0, +) / 3
        let large = try (1...3).map { try error(2048, seed: $0) }.reduce(0, +) / 3
        XCTAssertLessThan(large, 0.06)
        // √(2048/64) ≈ 5.7: allow the ratio to be anywhere from 3 to 11.
        XCTAssertGreaterThan(small / large, 3)
        XCTAssertLessThan(small / large, 11)
        let standard = try InfiniteWidth.kernels(x, nil, FullyConnected(depth: 2, activation: relu, wStd: 1.2, bStd: 0.3,
                                                                        standard: true, hiddenWidths: [2048, 2048])).ntk
        let sp = try EmpiricalNTK.kernel(net([4, 2048, 2048, 1], relu, .sp, seed: 1), x, nil)
        // One draw; the standard kernel is dominated by the hidden-to-hidden weights, which fluctuate more.
        XCTAssertLessThan(relativeError(sp, standard), 0.12)
    }

    /// A wide ntk-parametrized network trained by full-batch gradient descent moves
    /// like the linearised model: f_t − f_0 = kernelflow(Θ₀, Θ₀, y − f_0, t).
    func testWideNetworkFollowsKernelFlow() throws {
        let x = data(10, 3, seed: 6), y = data(10, 1, seed: 8)
        var n = net([3, 4096, 1], Activation.named("tanh")!, .ntk, seed: 3, b: 0.2)
        let f0 = try n.forward(x)
        let theta0 = try EmpiricalNTK.kernel(n, x, nil)
        var t = Training(); t.steps = 60; t.lr = 1.0
        _ = try t.run(&n, x: x, y: y)
        let moved = try Tensor.binary(.sub, n.forward(x), f0)
        let flow = try KernelFlow(kernel: theta0, targets: try Tensor.binary(.sub, y, f0), lr: 1.0, scale: .mean)
        let predicted = try flow.predict(theta0, times: [60]).reshaped([10, 1])
        XCTAssertLessThan(relativeError(moved, predicted), 0.02)
    }

    /// µP and mean field are one parametrization up to the abc symmetry θ = ½:
    /// the same draws give the same function before and after training.
    func testMeanFieldTrainsExactlyLikeMuP() throws {
        let x = data(12, 3, seed: 9), y = data(12, 1, seed: 10)
        var a = net([3, 64, 32, 1], Activation.named("tanh")!, .mup), b = net([3, 64, 32, 1], Activation.named("tanh")!, .mf)
        var t = Training(); t.steps = 25; t.lr = 0.5; t.batch = 4; t.seed = 3
        let la = try t.run(&a, x: x, y: y).losses, lb = try t.run(&b, x: x, y: y).losses
        XCTAssertEqual(la.count, 25, "one loss per step")
        assertClose(lb, la, rtol: 1e-10, atol: 1e-10)
        let fa = try a.forward(x), fb = try b.forward(x)
        for i in 0..<12 { XCTAssertEqual(fa[flat: i], fb[flat: i], accuracy: 1e-10) }
    }

    /// The Tensor Programs IV table and regimes, worked by hand for L = 2:
    /// µP r = min(1, 1) + 0 − 1 + min(−1 + 1, 0) = 0; NTK r = min(½, 1) − 1 + min(1, 1) = ½;
    /// SP (c = 0) r = min(½, 0) − 1 + min(1, 0) = −1; SP with c = 1: min(½, 1) + 0 + 0 = ½.
    func testABCRegimes() {
        func regime(_ p: Parametrization, c: Double? = nil) -> ABCRegime {
            let e = p.exponents(depth: 2)
            return ABCRegime(a: e.a, b: e.b, c: c ?? e.c)
        }
        XCTAssertEqual(regime(.mup).r, 0); XCTAssertEqual(regime(.mup).regime, "feature learning")
        XCTAssertEqual(regime(.mf).r, 0); XCTAssertEqual(regime(.mf).regime, "feature learning")
        XCTAssertEqual(regime(.ntk).r, 0.5); XCTAssertEqual(regime(.ntk).regime, "kernel")
        XCTAssertEqual(regime(.sp).r, -1); XCTAssertEqual(regime(.sp).regime, "unstable")
        XCTAssertEqual(regime(.sp, c: 1).r, 0.5); XCTAssertEqual(regime(.sp, c: 1).regime, "kernel")
        // Output layer too small for anything to move: a_{L+1} = 1 in NTK's a, b, c.
        XCTAssertEqual(ABCRegime(a: [0, 0.5, 1], b: [0, 0, 0], c: 0).regime, "trivial")
    }

    /// Effective initial weights and effective learning rates of the table: the
    /// variance of m·w and the step r·m² for a [d, n, n, k] network.
    func testParametrizationScalings() {
        let d = 10.0, n = 256.0
        for p in Parametrization.allCases {
            let s = (0..<3).map { p.scalings(layer: $0, layers: 3, fanIn: [10, 256, 256][$0], fanOut: [256, 256, 1][$0], wStd: 1, bStd: 1) }
            let std = s.map { $0.weight.multiplier * $0.weight.initStd }
            XCTAssertEqual(std[0], 1 / d.squareRoot(), accuracy: 1e-15, "\(p)")
            XCTAssertEqual(std[1], 1 / n.squareRoot(), accuracy: 1e-15, "\(p)")
            let step = s.map { $0.weight.lrScale * $0.weight.multiplier * $0.weight.multiplier }
            switch p {
            case .sp: XCTAssertEqual(std[2], 1 / n.squareRoot(), accuracy: 1e-15); XCTAssertEqual(step, [1, 1, 1])
            case .ntk: XCTAssertEqual(std[2], 1 / n.squareRoot(), accuracy: 1e-15)
                XCTAssertEqual(step[0], 1 / d, accuracy: 1e-15); XCTAssertEqual(step[1], 1 / n, accuracy: 1e-15)
            case .mup, .mf: XCTAssertEqual(std[2], 1 / n, accuracy: 1e-15)
                XCTAssertEqual(step[0], n / d, accuracy: 1e-12); XCTAssertEqual(step[1], 1, accuracy: 1e-12); XCTAssertEqual(step[2], 1 / n, accuracy: 1e-15)
            }
        }
    }

    /// The coordinate check: µP's feature change is flat in width, NTK's falls,
    /// SP's at a fixed learning rate grows.
    func testCoordinateCheckSlopes() throws {
        func slopes(_ p: Parametrization) throws -> [Double] {
            try CoordinateCheck.run(widths: [128, 256, 512, 1024], parametrization: p, activation: Activation.named("relu")!,
                                    depth: 2, steps: 3, lr: 0.1, inputDim: 16, samples: 64, seed: 0).slopes
        }
        let mup = try slopes(.mup), ntk = try slopes(.ntk), sp = try slopes(.sp)
        for s in mup { XCTAssertLessThan(abs(s), 0.15) }
        for s in ntk.dropLast() { XCTAssertEqual(s, -0.5, accuracy: 0.25) }
        for s in sp.dropFirst() { XCTAssertGreaterThan(s, 0.5) }
    }

    /// Cross-entropy training separates two Gaussian blobs; mini-batches are
    /// reproducible for a seed.
    func testClassificationTraining() throws {
        var g = RNG(seed: 12)
        let x = try Tensor.build(shape: [40, 2]) { p, _ in for i in 0..<40 { let s = i < 20 ? 2.0 : -2.0; p[2 * i] = s + g.normal(); p[2 * i + 1] = g.normal() } }
        let y = try Tensor.build(shape: [40, 2]) { p, _ in for i in 0..<40 { p[2 * i + (i < 20 ? 0 : 1)] = 1; p[2 * i + (i < 20 ? 1 : 0)] = 0 } }
        var a = net([2, 32, 2], Activation.named("relu")!, .sp), b = a
        var t = Training(); t.steps = 200; t.lr = 0.2; t.loss = .xent; t.batch = 8; t.seed = 1
        let la = try t.run(&a, x: x, y: y).losses, lb = try t.run(&b, x: x, y: y).losses
        XCTAssertEqual(la, lb)
        let f = try a.forward(x)
        let correct = (0..<40).filter { i in (f[flat: 2 * i] > f[flat: 2 * i + 1]) == (i < 20) }.count
        XCTAssertGreaterThanOrEqual(correct, 38)
        // A learning rate far too large stops at the first non-finite loss.
        var c = net([2, 32, 1], Activation.named("relu")!, .sp)
        var big = Training(); big.steps = 50; big.lr = 1e6
        let run = try big.run(&c, x: x, y: try y.get([.all, .slice(start: 0, stop: 1, step: nil)]))
        XCTAssertTrue(run.diverged)
        XCTAssertEqual(run.losses.count, 50)
        XCTAssertFalse(run.losses.last!.isFinite)
    }
}
