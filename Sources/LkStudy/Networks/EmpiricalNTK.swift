import Foundation
import LkTensor

/// The empirical neural tangent kernel of a finite network.
public enum EmpiricalNTK {
    /// Θ(x, x′) = Σ_p r_p ∂f(x)/∂θ_p · ∂f(x′)/∂θ_p over every trained scalar θ_p, with
    /// r_p the tensor's learning-rate scale (1 in `sp`, `ntk` and `mup`; n in `mf`), so
    /// that gradient flow at rate η moves f by −η·Θ·∂L/∂f. For k outputs it is the mean
    /// over outputs of the per-output kernels (the infinite-width NTK is Θ ⊗ I_k).
    ///
    /// No Jacobian is formed: per layer, Θ += r·m²·(x^{l−1} x′^{l−1}ᵀ) ∘ (g^l g′^lᵀ) +
    /// r_b·m_b²·(g^l g′^lᵀ), with g^l = ∂f/∂z^l from backprop — two BLAS products per
    /// layer and output.
    public static func kernel(_ net: MLP, _ x1: Tensor, _ x2: Tensor?) throws -> Tensor {
        let t1 = try net.trace(x1), t2 = try x2.map { try net.trace($0) } ?? t1
        let n1 = x1.shape[0], n2 = x2?.shape[0] ?? n1, k = net.widths.last!
        var theta = try Tensor(shape: [n1, n2])
        let inputGrams = try (0..<net.layers).map { l in
            x2 == nil ? try Tensor.gram(t1.inputs[l]) : try Tensor.matmul(t1.inputs[l], t2.inputs[l], transB: true)
        }
        let progress = ProgressReporter("entk", total: k * net.layers, unit: "layer")
        defer { progress.finish() }
        for o in 0..<k {
            try Interrupt.check()
            var g1 = try unit(n1, k, o), g2 = try unit(n2, k, o)
            for l in stride(from: net.layers - 1, through: 0, by: -1) {
                try Interrupt.check()
                progress.update(o * net.layers + (net.layers - 1 - l))
                let w = net.weightScalings[l], b = net.biasScalings[l]
                let gg = try Tensor.matmul(g1, g2, transB: true)
                let cw = w.lrScale * w.multiplier * w.multiplier / Double(k), cb = b.lrScale * b.multiplier * b.multiplier / Double(k)
                theta.makeUnique()
                let pt = theta.pointer, pg = gg.pointer, px = inputGrams[l].pointer
                Parallel.forEachChunk(count: n1 * n2) { r in for i in r { pt[i] += pg[i] * (cw * px[i] + cb) } }
                if l > 0 {
                    g1 = try net.activation.backward(try Tensor.matmul(g1, net.weights[l], transB: true), scale: w.multiplier,
                                                     z: t1.preactivations[l - 1], a: t1.inputs[l])
                    g2 = x2 == nil ? g1 : try net.activation.backward(try Tensor.matmul(g2, net.weights[l], transB: true), scale: w.multiplier,
                                                                      z: t2.preactivations[l - 1], a: t2.inputs[l])
                }
            }
        }
        return theta
    }

    static func unit(_ n: Int, _ k: Int, _ o: Int) throws -> Tensor {
        let t = try Tensor(shape: [n, k])
        for i in 0..<n { t.pointer[i * k + o] = 1 }
        return t
    }
}
