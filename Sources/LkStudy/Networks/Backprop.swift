import Foundation
import LkTensor

/// The training losses. `mse`: L = ½·Σ(f − y)²/(N·k), the mean over all N·k targets
/// (so gradient descent at rate η is `kernelflow(…, lr=η, scale="mean")` in the
/// kernel regime); `xent`: L = −(1/N)·Σᵢ Σ_c y_ic log softmax(fᵢ)_c.
public enum Loss: String, Sendable { case mse, xent }

extension MLP {
    /// The loss of outputs f (N×k) against targets y (N×k) and ∂L/∂f.
    public static func lossAndGradient(_ f: Tensor, _ y: Tensor, _ loss: Loss) throws -> (Double, Tensor) {
        let n = f.shape[0], k = f.shape[1]
        let g = try Tensor(uninitializedShape: f.shape)
        let pf = f.pointer, py = y.pointer, pg = g.pointer
        var total = 0.0
        switch loss {
        case .mse:
            let m = Double(n * k)
            for i in 0..<(n * k) { let r = pf[i] - py[i]; total += r * r; pg[i] = r / m }
            return (0.5 * total / m, g)
        case .xent:
            for i in 0..<n {
                var mx = -Double.infinity
                for c in 0..<k { mx = max(mx, pf[i * k + c]) }
                var s = 0.0
                for c in 0..<k { s += Foundation.exp(pf[i * k + c] - mx) }
                let logZ = mx + Foundation.log(s)
                var mass = 0.0
                for c in 0..<k { mass += py[i * k + c] }
                for c in 0..<k {
                    let logp = pf[i * k + c] - logZ
                    total -= py[i * k + c] * logp
                    pg[i * k + c] = (Foundation.exp(logp) * mass - py[i * k + c]) / Double(n)
                }
            }
            return (total / Double(n), g)
        }
    }

    public func loss(_ x: Tensor, _ y: Tensor, _ loss: Loss) throws -> Double {
        try MLP.lossAndGradient(forward(x), y, loss).0
    }

    /// The loss and its gradient with respect to every trained tensor (w^l, b^l),
    /// by hand-written backprop on BLAS: g^{L+1} = ∂L/∂f; ∂L/∂w^l = m_l·(x^{l−1})ᵀg^l;
    /// ∂L/∂b^l = m^b_l·Σ_rows g^l; g^{l−1} = m_l·(g^l (w^l)ᵀ) ∘ φ′(z^{l−1}).
    public func gradients(_ x: Tensor, _ y: Tensor, _ loss: Loss) throws -> (loss: Double, weights: [Tensor], biases: [Tensor]) {
        let tr = try trace(x)
        var (value, g) = try MLP.lossAndGradient(tr.output, y, loss)
        var gw = [Tensor](), gb = [Tensor]()
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let m = weightScalings[l].multiplier
            var dw = try Tensor.matmul(tr.inputs[l], g, transA: true)
            if m != 1 { dw = try Tensor.binary(.mul, dw, m) }
            gw.append(dw)
            gb.append(try MLP.columnSums(g, scale: biasScalings[l].multiplier))
            if l > 0 {
                let da = try Tensor.matmul(g, weights[l], transB: true)
                g = try activation.backward(da, scale: m, z: tr.preactivations[l - 1], a: tr.inputs[l])
            }
        }
        return (value, gw.reversed(), gb.reversed())
    }

    static func columnSums(_ g: Tensor, scale: Double) throws -> Tensor {
        let n = g.shape[0], k = g.shape[1]
        let out = try Tensor(shape: [k])
        for i in 0..<n { for j in 0..<k { out.pointer[j] += g.pointer[i * k + j] } }
        if scale != 1 { for j in 0..<k { out.pointer[j] *= scale } }
        return out
    }

    /// One gradient step: w ← w − lr·lrScale·∂L/∂w for every tensor.
    public mutating func step(_ grads: (weights: [Tensor], biases: [Tensor]), lr: Double) {
        for l in 0..<layers {
            MLP.axpy(&weights[l], -lr * weightScalings[l].lrScale, grads.weights[l])
            MLP.axpy(&biases[l], -lr * biasScalings[l].lrScale, grads.biases[l])
        }
    }

    static func axpy(_ w: inout Tensor, _ a: Double, _ g: Tensor) {
        w.makeUnique()
        let pw = w.pointer, pg = g.pointer
        Parallel.forEachChunk(count: w.count) { r in for i in r { pw[i] += a * pg[i] } }
    }
}

extension Activation {
    /// scale·dA ∘ φ′(z), fused for the common activations (a = φ(z)).
    func backward(_ da: Tensor, scale s: Double, z: Tensor, a: Tensor) throws -> Tensor {
        let out = try Tensor(uninitializedShape: da.shape)
        let pd = da.pointer, pz = z.pointer, pa = a.pointer, po = out.pointer
        switch kind {
        case .tanh:
            Parallel.forEachChunk(count: da.count) { r in for i in r { po[i] = s * pd[i] * (1 - pa[i] * pa[i]) } }
        case .relu:
            Parallel.forEachChunk(count: da.count) { r in for i in r { po[i] = pz[i] > 0 ? s * pd[i] : 0 } }
        case .identity:
            Parallel.forEachChunk(count: da.count) { r in for i in r { po[i] = s * pd[i] } }
        case .sigmoid:
            Parallel.forEachChunk(count: da.count) { r in for i in r { po[i] = s * pd[i] * pa[i] * (1 - pa[i]) } }
        default:
            let d = try derivative(z, output: a)
            let pp = d.pointer
            Parallel.forEachChunk(count: da.count) { r in for i in r { po[i] = s * pd[i] * pp[i] } }
        }
        return out
    }
}
