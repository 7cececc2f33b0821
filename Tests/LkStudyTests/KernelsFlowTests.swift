import Foundation
import XCTest
@testable import LkStudy
import LkTestSupport
import LkTensor

/// Kernel gradient flow against kernel regression, a direct ODE integration and
/// its own identities (scale, modes, loss).
final class KernelsFlowTests: XCTestCase {
    /// A positive-definite RBF kernel on random points, train and test blocks.
    func problem(n: Int = 12, m: Int = 5, seed: UInt64 = 1) -> (k: Tensor, kt: Tensor, y: Tensor) {
        var g = RNG(seed: seed)
        let pts = (0..<(n + m)).map { _ in [g.normal(), g.normal()] }
        func rbf(_ a: [Double], _ b: [Double]) -> Double { exp(-((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1])) / 2) }
        let k = try! Tensor(shape: [n, n], data: (0..<n).flatMap { i in (0..<n).map { rbf(pts[i], pts[$0]) } })
        let kt = try! Tensor(shape: [m, n], data: (0..<m).flatMap { i in (0..<n).map { rbf(pts[n + i], pts[$0]) } })
        let y = Tensor((0..<n).map { _ in g.normal() })
        return (k, kt, y)
    }

    /// t = ∞ is kernel regression: Ktest K⁻¹ y (solved independently with LAPACK dgesv).
    func testInfiniteTimeIsKernelRegression() throws {
        let (k, kt, y) = problem()
        let flow = try KernelFlow(kernel: k, targets: y, lr: 1, scale: .mean)
        let f = try flow.predict(kt, times: [.infinity])
        let regression = try Tensor.matmul(kt, Tensor.solve(k, y))
        for i in 0..<5 { XCTAssertEqual(f[flat: i], regression[flat: i], accuracy: 1e-8 * max(1, abs(regression[flat: i]))) }
        // And on the training points the fit is exact.
        let train = try flow.trainPredictions(times: [.infinity])
        for i in 0..<12 { XCTAssertEqual(train[flat: i], y[flat: i], accuracy: 1e-9) }
    }

    /// Finite t against an explicit integration of df/dt = −(lr/m)·K(f − y) on the
    /// training points (classical RK4, 4 000 steps), with the test points following
    /// df_test/dt = −(lr/m)·Ktest(f − y).
    func testFiniteTimeMatchesODEIntegration() throws {
        let (k, kt, y) = problem()
        let lr = 0.7, T = 9.0, m = 12.0
        let flow = try KernelFlow(kernel: k, targets: y, lr: lr, scale: .mean)
        let f = try flow.predict(kt, times: [T])
        let n = 12, steps = 4_000, h = T / Double(steps)
        func rhs(_ f: [Double]) -> [Double] {
            (0..<n).map { i in -lr / m * (0..<n).reduce(0) { $0 + k[flat: i * n + $1] * (f[$1] - y[flat: $1]) } }
        }
        var ftr = [Double](repeating: 0, count: n), fte = [Double](repeating: 0, count: 5)
        func testRate(_ f: [Double]) -> [Double] { (0..<5).map { i in -lr / m * (0..<n).reduce(0) { $0 + kt[flat: i * n + $1] * (f[$1] - y[flat: $1]) } } }
        for _ in 0..<steps {
            let k1 = rhs(ftr), f2 = zip(ftr, k1).map { $0 + h / 2 * $1 }
            let k2 = rhs(f2), f3 = zip(ftr, k2).map { $0 + h / 2 * $1 }
            let k3 = rhs(f3), f4 = zip(ftr, k3).map { $0 + h * $1 }
            let k4 = rhs(f4)
            let t1 = testRate(ftr), t2 = testRate(f2), t3 = testRate(f3), t4 = testRate(f4)
            for i in 0..<5 { fte[i] += h / 6 * (t1[i] + 2 * t2[i] + 2 * t3[i] + t4[i]) }
            for i in 0..<n { ftr[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
        }
        for i in 0..<5 { XCTAssertEqual(f[flat: i], fte[i], accuracy: 1e-9) }
        let train = try flow.trainPredictions(times: [T])
        for i in 0..<n { XCTAssertEqual(train[flat: i], ftr[i], accuracy: 1e-9) }
        // The loss ½·mean((f − y)²) at T from the integrated predictions.
        let loss = 0.5 * (0..<n).reduce(0) { $0 + pow(ftr[$1] - y[flat: $1], 2) } / m
        XCTAssertEqual(flow.loss(times: [T], scale: .mean)[0], loss, accuracy: 1e-10)
    }

    /// scale="sum" at rate lr equals scale="mean" at rate lr·m; t = 0 predicts 0;
    /// each mode decays as e^{−rate·λ·t}.
    func testScaleAndModes() throws {
        let (k, kt, y) = problem()
        let a = try KernelFlow(kernel: k, targets: y, lr: 0.3, scale: .sum)
        let b = try KernelFlow(kernel: k, targets: y, lr: 0.3 * 12, scale: .mean)
        let fa = try a.predict(kt, times: [0, 0.5, 2]), fb = try b.predict(kt, times: [0, 0.5, 2])
        for i in 0..<15 { XCTAssertEqual(fa[flat: i], fb[flat: i], accuracy: 1e-12) }
        for i in 0..<5 { XCTAssertEqual(fa[flat: i], 0) }
        let e = a.decay(2)
        XCTAssertEqual(a.values.count, 12, "one mode per training point")
        XCTAssertEqual(e.count, 12)
        assertClose(e, a.values.map { exp(-0.3 * $0 * 2) }, rtol: 0, atol: 1e-15)
        XCTAssertEqual(a.values, a.values.sorted(by: >))
    }
}
