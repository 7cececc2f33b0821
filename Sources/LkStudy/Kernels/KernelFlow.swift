import Foundation
import LkTensor

/// Gradient descent on the squared loss under a fixed kernel, solved exactly
/// through one eigendecomposition K = V diag(λ) Vᵀ (Jacot et al. 2018, §5;
/// neural-tangents' `predict.gradient_descent_mse`).
///
/// With the loss L = ½·Σ(f − y)²/m, gradient flow from f = 0 at learning rate η is
/// df/dt = −(η/m) K (f − y) on the training points, so
///
///     f_train(t) = V diag(1 − e^{−ηλt/m}) Vᵀ y,
///     f_test(t)  = K_test V diag((1 − e^{−ηλt/m})/λ) Vᵀ y,
///
/// where m is the number of targets (y's element count) for `scale = .mean` and 1
/// for `.sum`. At t = ∞ the factor is 1/λ (kernel regression, K_test K⁺ y) for
/// λ > N·ε·λ_max, and 0 for smaller eigenvalues (pseudo-inverse); negative
/// eigenvalues from rounding are set to 0, as neural-tangents does. A `ridge` r
/// adds r·I to K first.
public struct KernelFlow {
    public enum Scale: String, Sendable { case mean, sum }

    /// Eigenvalues (descending, clamped at 0) and eigenvectors (columns) of K + rI.
    public let values: [Double]
    public let vectors: Tensor
    /// Vᵀ y: the targets in the eigenbasis, N×k.
    public let coefficients: Tensor
    /// η/m.
    public let rate: Double
    let targets: Int, outputs: Int, cutoff: Double

    public init(kernel: Tensor, targets y: Tensor, lr: Double, scale: Scale, ridge: Double = 0) throws {
        let n = kernel.shape[0]
        var k = kernel
        if ridge != 0 { k.makeUnique(); for i in 0..<n { k.pointer[i * n + i] += ridge } }
        let (w, v) = try k.eigh()
        // Descending order: reverse the columns.
        let vectors = try Tensor.build(shape: [n, n]) { p, _ in
            for i in 0..<n { for j in 0..<n { p[i * n + j] = v.pointer[i * n + (n - 1 - j)] } }
        }
        values = w.scalars.reversed().map { max($0, 0) }
        self.vectors = vectors
        let y2 = y.rank == 1 ? try y.reshaped([n, 1]) : y
        coefficients = try Tensor.matmul(vectors, y2, transA: true)
        outputs = y2.shape[1]
        targets = y.count
        rate = scale == .mean ? lr / Double(max(y.count, 1)) : lr
        cutoff = Double(n) * Double.ulpOfOne * (values.first ?? 0)
    }

    /// e^{−ηλᵢt/m} for each eigenvalue (1 for λ below the cutoff at t = ∞).
    public func decay(_ t: Double) -> [Double] {
        values.map { l in
            if t.isInfinite { return l > cutoff ? 0 : 1 }
            return Foundation.exp(-rate * l * t)
        }
    }

    /// (1 − e^{−ηλt/m})/λ, with its limits ηt/m at λ = 0 and 1/λ (or 0) at t = ∞.
    func gain(_ t: Double) -> [Double] {
        values.map { l in
            if t.isInfinite { return l > cutoff ? 1 / l : 0 }
            if l == 0 { return rate * t }
            return -Foundation.expm1(-rate * l * t) / l
        }
    }

    /// Test predictions at each time: `times.count` × M × k.
    public func predict(_ ktest: Tensor, times: [Double]) throws -> Tensor {
        let m = ktest.shape[0], n = values.count, k = outputs
        let kv = try Tensor.matmul(ktest, vectors)            // M×N, once
        let out = try Tensor(uninitializedShape: [times.count, m, k])
        for (ti, t) in times.enumerated() {
            try Interrupt.check()
            let g = gain(t)
            let scaled = try Tensor.build(shape: [n, k]) { p, _ in
                for i in 0..<n { for j in 0..<k { p[i * k + j] = g[i] * coefficients.pointer[i * k + j] } }
            }
            let f = try Tensor.matmul(kv, scaled)
            (out.pointer + ti * m * k).update(from: f.pointer, count: m * k)
        }
        return out
    }

    /// Training-set predictions f_train(t) = V diag(1 − decay) Vᵀ y: T × N × k.
    public func trainPredictions(times: [Double]) throws -> Tensor {
        let n = values.count, k = outputs
        let out = try Tensor(uninitializedShape: [times.count, n, k])
        for (ti, t) in times.enumerated() {
            let e = decay(t)
            let scaled = try Tensor.build(shape: [n, k]) { p, _ in
                for i in 0..<n { for j in 0..<k { p[i * k + j] = (1 - e[i]) * coefficients.pointer[i * k + j] } }
            }
            let f = try Tensor.matmul(vectors, scaled)
            (out.pointer + ti * n * k).update(from: f.pointer, count: n * k)
        }
        return out
    }

    /// The training loss ½·Σ(f − y)²/m at each time (m as in the rate: the number of
    /// targets for `.mean`, 1 for `.sum`): ½ Σᵢ e^{−2ηλᵢt/m} ‖(Vᵀy)ᵢ‖² / m.
    public func loss(times: [Double], scale: Scale) -> [Double] {
        let k = outputs
        let norms = (0..<values.count).map { i in (0..<k).reduce(0.0) { $0 + coefficients.pointer[i * k + $1] * coefficients.pointer[i * k + $1] } }
        let m = scale == .mean ? Double(max(targets, 1)) : 1
        return times.map { t in
            let e = decay(t)
            return 0.5 * zip(e, norms).reduce(0.0) { $0 + $1.0 * $1.0 * $1.1 } / m
        }
    }
}
