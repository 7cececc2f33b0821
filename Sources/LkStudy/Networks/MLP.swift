import Foundation
import LkTensor

/// A fully connected network f(x) = z^{L+1}, z^l = m_l·(x^{l−1} w^l) + m^b_l·b^l,
/// x^l = φ(z^l), x⁰ = x, in one of the abc-parametrizations (`Parametrization`).
/// Weights are stored fan-in × fan-out, so a layer is one row-major BLAS product
/// of the N×fan-in activations; everything a user may want to inspect is a field.
public struct MLP: Sendable {
    public var widths: [Int]
    public var activation: Activation
    public var parametrization: Parametrization
    public var wStd: Double, bStd: Double
    /// The trained tensors w^l (fan-in × fan-out) and b^l (fan-out).
    public var weights: [Tensor], biases: [Tensor]
    public var weightScalings: [Parametrization.Scaling], biasScalings: [Parametrization.Scaling]

    public var layers: Int { widths.count - 1 }
    public var depth: Int { widths.count - 2 }

    /// A freshly initialised network; weights are drawn layer by layer (w then b) from `rng`.
    public init(widths: [Int], activation: Activation, parametrization: Parametrization,
                wStd: Double = 1, bStd: Double = 0, rng: inout RNG) throws {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 >= 1 })
        self.widths = widths; self.activation = activation; self.parametrization = parametrization
        self.wStd = wStd; self.bStd = bStd
        weights = []; biases = []; weightScalings = []; biasScalings = []
        for l in 0..<(widths.count - 1) {
            let s = parametrization.scalings(layer: l, layers: widths.count - 1, fanIn: widths[l], fanOut: widths[l + 1], wStd: wStd, bStd: bStd)
            weightScalings.append(s.weight); biasScalings.append(s.bias)
            let w = try Tensor.build(shape: [widths[l], widths[l + 1]]) { p, n in for i in 0..<n { p[i] = s.weight.initStd * rng.normal() } }
            let b = try Tensor.build(shape: [widths[l + 1]]) { p, n in for i in 0..<n { p[i] = s.bias.initStd * rng.normal() } }
            weights.append(w); biases.append(b)
        }
    }

    /// A network from its parts (a record read back from the language).
    public init(widths: [Int], activation: Activation, parametrization: Parametrization, wStd: Double, bStd: Double,
                weights: [Tensor], biases: [Tensor], weightScalings: [Parametrization.Scaling], biasScalings: [Parametrization.Scaling]) {
        self.widths = widths; self.activation = activation; self.parametrization = parametrization
        self.wStd = wStd; self.bStd = bStd; self.weights = weights; self.biases = biases
        self.weightScalings = weightScalings; self.biasScalings = biasScalings
    }

    /// What a forward pass leaves for backprop: inputs to every layer (x⁰ … x^L),
    /// pre-activations z¹ … z^{L+1} (the last is the output).
    public struct Trace {
        public var inputs: [Tensor]
        public var preactivations: [Tensor]
        public var output: Tensor { preactivations[preactivations.count - 1] }
    }

    /// z = m·(x w) + m_b·b, computed in one product and one pass over the result.
    func affine(_ x: Tensor, _ l: Int) throws -> Tensor {
        let z = try Tensor.matmul(x, weights[l])
        let m = weightScalings[l].multiplier, mb = biasScalings[l].multiplier
        let rows = z.shape[0], cols = z.shape[1]
        let pz = z.pointer, pb = biases[l].pointer
        Parallel.forEachChunk(count: rows, costPerItem: cols, align: 1) { r in
            for i in r { for j in 0..<cols { pz[i * cols + j] = m * pz[i * cols + j] + mb * pb[j] } }
        }
        return z
    }

    public func trace(_ x: Tensor) throws -> Trace {
        var inputs = [x], pre: [Tensor] = []
        var a = x
        for l in 0..<layers {
            let z = try affine(a, l)
            pre.append(z)
            if l < layers - 1 { a = try activation.apply(z); inputs.append(a) }
        }
        return Trace(inputs: inputs, preactivations: pre)
    }

    /// f(X): N × widths.last.
    public func forward(_ x: Tensor) throws -> Tensor { try trace(x).output }

    /// The representation at `layer`: 0 is the input, 1 … L the hidden layers
    /// (post-activation, or pre-activation with `pre`), L+1 the output.
    public func hidden(_ x: Tensor, layer: Int, pre: Bool = false) throws -> Tensor {
        if layer == 0 { return x }
        var a = x
        for l in 0..<layer {
            let z = try affine(a, l)
            if l == layers - 1 || (pre && l == layer - 1) { return z }
            a = try activation.apply(z)
        }
        return a
    }
}
