import Foundation
import LkTensor

/// The coordinate check of Tensor Programs IV / V: train the same task at several
/// widths for a few steps and watch the typical size of each layer's coordinates
/// and of their change. In a parametrization that is stable and learns features
/// (µP) the change is Θ(1) in width at every layer; in NTK it shrinks like n^{−½};
/// in SP at a fixed learning rate it grows with width (blows up).
public enum CoordinateCheck {
    public struct Result {
        public var widths: [Int]
        /// RMS of every hidden layer's activations x^l and of the output at initialisation: W × (L+1).
        public var size: Tensor
        /// RMS of x^l_t − x^l_0 after each step t = 1 … steps: steps × W × (L+1).
        public var change: Tensor
        /// Least-squares slope of log(change after the last step) against log(width), per layer.
        public var slopes: [Double]
    }

    /// Inputs X (samples × inputDim) and targets Y (samples × 1) are N(0, 1), drawn
    /// from `seed`; every width trains by full-batch gradient descent on the mean
    /// squared error at rate `lr` from `repeats` initialisations (generators
    /// seed + 1, seed + 2, …), and the RMS values are averaged over them: a single
    /// draw is noisy because the initial function (hence the residual) is random.
    public static func run(widths: [Int], parametrization: Parametrization, activation: Activation, depth: Int,
                           steps: Int, lr: Double, inputDim: Int, samples: Int, seed: UInt64, repeats: Int = 4,
                           wStd: Double = 1, bStd: Double = 0) throws -> Result {
        var g = RNG(seed: seed)
        let x = try Tensor.build(shape: [samples, inputDim]) { p, n in for i in 0..<n { p[i] = g.normal() } }
        let y = try Tensor.build(shape: [samples, 1]) { p, n in for i in 0..<n { p[i] = g.normal() } }
        let L = depth
        let size = try Tensor(shape: [widths.count, L + 1])
        let change = try Tensor(shape: [steps, widths.count, L + 1])
        func layersOf(_ net: MLP) throws -> [Tensor] {
            let t = try net.trace(x)
            return Array(t.inputs.dropFirst()) + [t.output]
        }
        func rms(_ a: Tensor, _ b: Tensor? = nil) -> Double {
            var s = 0.0
            for i in 0..<a.count { let v = a.pointer[i] - (b?.pointer[i] ?? 0); s += v * v }
            return (s / Double(max(a.count, 1))).squareRoot()
        }
        let share = 1 / Double(repeats)
        for (wi, n) in widths.enumerated() {
            for rep in 0..<repeats {
                var rng = RNG(seed: seed &+ UInt64(rep + 1))
                var net = try MLP(widths: [inputDim] + Array(repeating: n, count: L) + [1], activation: activation,
                                  parametrization: parametrization, wStd: wStd, bStd: bStd, rng: &rng)
                let start = try layersOf(net)
                for (l, a) in start.enumerated() { size.pointer[wi * (L + 1) + l] += share * rms(a) }
                for s in 0..<steps {
                    try Interrupt.check()
                    let gr = try net.gradients(x, y, .mse)
                    net.step((gr.weights, gr.biases), lr: lr)
                    let now = try layersOf(net)
                    for l in 0...L { change.pointer[(s * widths.count + wi) * (L + 1) + l] += share * rms(now[l], start[l]) }
                }
            }
        }
        var slopes = [Double]()
        let lx = widths.map { Foundation.log(Double($0)) }
        for l in 0...L {
            let ly = (0..<widths.count).map { Foundation.log(change.pointer[((steps - 1) * widths.count + $0) * (L + 1) + l]) }
            slopes.append(leastSquaresSlope(lx, ly))
        }
        return Result(widths: widths, size: size, change: change, slopes: slopes)
    }

    static func leastSquaresSlope(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx) }
        return sxx > 0 ? sxy / sxx : .nan
    }
}
