import Foundation
import LkTensor

/// The optimizers `train` and `optstep` use, on a list of tensors with one
/// learning-rate scale each, PyTorch's update rules step for step:
///
/// - `sgd`: g ← ∇ + λw; v ← μv + g (v₀ = g); w ← w − η·s·v (μ = 0: plain gradient descent;
///   `nesterov`: w ← w − η·s·(g + μv)).
/// - `adam`: g ← ∇ + λw; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
///   w ← w − η·s·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
/// - `adamw`: Adam with decoupled decay, w ← w − η·s·λ·w before the Adam step.
///
/// s is each tensor's scale (the parametrization's learning-rate scale; for µP with
/// Adam, `Parametrization.adamScale`).
public struct Optimizer: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case sgd, adam, adamw }

    public var kind: Kind
    public var lr: Double
    public var momentum = 0.0, nesterov = false
    public var weightDecay = 0.0
    public var beta1 = 0.9, beta2 = 0.999, eps = 1e-8
    /// Steps taken so far (Adam's bias correction).
    public var t = 0
    /// Per tensor: SGD's velocity, or Adam's first and second moments.
    public var first: [Tensor] = [], second: [Tensor] = []

    public init(kind: Kind, lr: Double) { self.kind = kind; self.lr = lr }

    /// Problems with the hyper-parameters, as (keyword, message).
    public func validate() -> (String, String)? {
        if !(lr.isFinite && lr > 0) { return ("lr", "lr must be a positive number") }
        if !(momentum >= 0 && momentum < 1) { return ("momentum", "momentum must be in [0, 1)") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { return ("weight_decay", "weight_decay must be ≥ 0") }
        if !(beta1 >= 0 && beta1 < 1) { return ("beta1", "beta1 must be in [0, 1)") }
        if !(beta2 >= 0 && beta2 < 1) { return ("beta2", "beta2 must be in [0, 1)") }
        if !(eps > 0 && eps.isFinite) { return ("eps", "eps must be a positive number") }
        return nil
    }

    /// One update of `params` from `grads` (same shapes), each tensor's step scaled by `scales`.
    public mutating func step(_ params: inout [Tensor], _ grads: [Tensor], scales: [Double]) throws {
        precondition(params.count == grads.count && params.count == scales.count)
        if first.isEmpty {
            first = try params.map { try Tensor(shape: $0.shape, repeating: 0) }
            if kind != .sgd { second = try params.map { try Tensor(shape: $0.shape, repeating: 0) } }
        }
        t += 1
        let c1 = 1 - Foundation.pow(beta1, Double(t)), c2 = 1 - Foundation.pow(beta2, Double(t))
        for i in params.indices {
            let n = params[i].count
            let eta = lr * scales[i]
            let g = grads[i].pointer, m = first[i].pointer
            let first = self.t == 1
            params[i].withUnsafeMutableBufferPointer { w in
                switch kind {
                case .sgd:
                    for j in 0..<n {
                        let gj = g[j] + weightDecay * w[j]
                        var step = gj
                        if momentum > 0 {
                            m[j] = first ? gj : momentum * m[j] + gj
                            step = nesterov ? gj + momentum * m[j] : m[j]
                        }
                        w[j] -= eta * step
                    }
                case .adam, .adamw:
                    let v = second[i].pointer
                    let decoupled = kind == .adamw
                    for j in 0..<n {
                        if decoupled { w[j] -= eta * weightDecay * w[j] }
                        let gj = decoupled ? g[j] : g[j] + weightDecay * w[j]
                        m[j] = beta1 * m[j] + (1 - beta1) * gj
                        v[j] = beta2 * v[j] + (1 - beta2) * gj * gj
                        w[j] -= eta * (m[j] / c1) / ((v[j] / c2).squareRoot() + eps)
                    }
                }
            }
        }
    }
}

extension Parametrization {
    /// Adam's per-tensor learning-rate scale on the stored tensor w of W = m·w.
    /// µP (and mf, which has the same effective weights) with Adam (Tensor Programs V,
    /// Table 3): the effective update of input weights and of biases is η, of hidden and
    /// output weights η/fan_in; Adam's step on w is η·s per entry whatever the gradient's
    /// scale, so s = target/m. `sp` and `ntk`: s = 1 (Adam on the stored tensors).
    public func adamScale(_ s: Scaling, isBias: Bool, input: Bool, fanIn: Int) -> Double {
        switch self {
        case .sp, .ntk: return 1
        case .mup, .mf:
            let target = isBias || input ? 1 : 1 / Double(fanIn)
            return target / s.multiplier
        }
    }
}
