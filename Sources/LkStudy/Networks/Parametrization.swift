import Foundation

/// The abc-parametrizations of Yang & Hu, "Feature Learning in Infinite-Width Neural
/// Networks" (Tensor Programs IV, ICML 2021), for an MLP with L hidden layers of width n:
/// each weight is W^l = n^{−a_l}·w^l with trained w^l ~ N(0, n^{−2b_l}) at
/// initialisation and learning rate η·n^{−c}.
///
/// | param | a₁ | a_{2…L} | a_{L+1} | b₁ | b_{2…L} | b_{L+1} | c | regime (r) |
/// |---|---|---|---|---|---|---|---|---|
/// | `sp` (standard) | 0 | 0 | 0 | 0 | ½ | ½ | 0 | unstable (r = −1); kernel with c = 1 |
/// | `ntk` | 0 | ½ | ½ | 0 | 0 | 0 | 0 | kernel (r = ½) |
/// | `mf` (mean field) | 0 | ½ | 1 | 0 | 0 | 0 | −1 | feature learning (r = 0) |
/// | `mup` (µP) | −½ | 0 | ½ | ½ | ½ | ½ | 0 | feature learning (r = 0) |
///
/// `mf` is µP moved along the symmetry a ← a + θ, b ← b − θ, c ← c − 2θ with θ = ½
/// (for one hidden layer it is the mean-field parametrization): the two train
/// identically. In a finite network, n is the layer's own width (the fan-out of the
/// input layer, the fan-in of the others), the input layer also carries the 1/√d of
/// neural-tangents' convention and every weight the factor w_std; biases are "input
/// weights" of fan-in 1 (µP: multiplier b_std√n, init N(0, 1/n)), except in `sp`
/// (N(0, b_std²)) and `ntk` (multiplier b_std, init N(0, 1)), as neural-tangents.
public enum Parametrization: String, Sendable, CaseIterable {
    case sp, ntk, mf, mup

    /// One tensor's scaling: W = multiplier·w, w ~ N(0, init²), step −lr·lrScale·∂L/∂w.
    public struct Scaling: Sendable, Equatable {
        public var multiplier: Double, initStd: Double, lrScale: Double
        public init(multiplier: Double, initStd: Double, lrScale: Double) {
            self.multiplier = multiplier; self.initStd = initStd; self.lrScale = lrScale
        }
    }

    /// Scalings of the weight and bias of layer `l` (0-based) of `layers` layers.
    public func scalings(layer l: Int, layers: Int, fanIn: Int, fanOut: Int, wStd: Double, bStd: Double)
        -> (weight: Scaling, bias: Scaling) {
        let input = l == 0, output = l == layers - 1
        let n = Double(input ? fanOut : fanIn), fin = Double(fanIn)
        switch self {
        case .sp:
            return (Scaling(multiplier: 1, initStd: wStd / fin.squareRoot(), lrScale: 1), Scaling(multiplier: 1, initStd: bStd, lrScale: 1))
        case .ntk:
            return (Scaling(multiplier: wStd / fin.squareRoot(), initStd: 1, lrScale: 1), Scaling(multiplier: bStd, initStd: 1, lrScale: 1))
        case .mup, .mf:
            var w: Scaling, b: Scaling
            if input && output {
                // No hidden layer: a linear model, no width to scale with.
                w = Scaling(multiplier: wStd / fin.squareRoot(), initStd: 1, lrScale: 1)
                b = Scaling(multiplier: bStd, initStd: 1, lrScale: 1)
                return (w, b)
            } else if input {
                w = Scaling(multiplier: wStd * n.squareRoot() / fin.squareRoot(), initStd: 1 / n.squareRoot(), lrScale: 1)
            } else if output {
                w = Scaling(multiplier: wStd / n.squareRoot(), initStd: 1 / n.squareRoot(), lrScale: 1)
            } else {
                w = Scaling(multiplier: wStd, initStd: 1 / n.squareRoot(), lrScale: 1)
            }
            let nb = Double(output ? fanIn : fanOut)
            b = output ? Scaling(multiplier: bStd, initStd: 1, lrScale: 1)
                       : Scaling(multiplier: bStd * nb.squareRoot(), initStd: 1 / nb.squareRoot(), lrScale: 1)
            if self == .mf {
                // θ = ½: multiplier·n^{−½}, init·n^{½}, learning rate·n.
                w = Scaling(multiplier: w.multiplier / n.squareRoot(), initStd: w.initStd * n.squareRoot(), lrScale: n)
                b = Scaling(multiplier: b.multiplier / nb.squareRoot(), initStd: b.initStd * nb.squareRoot(), lrScale: nb)
            }
            return (w, b)
        }
    }

    /// The exponents (a_l, b_l) for l = 1 … L+1 and c, from the table above.
    public func exponents(depth L: Int) -> (a: [Double], b: [Double], c: Double) {
        let layers = L + 1
        func per(_ first: Double, _ middle: Double, _ last: Double) -> [Double] {
            (0..<layers).map { $0 == layers - 1 ? last : ($0 == 0 ? first : middle) }
        }
        switch self {
        case .sp: return (per(0, 0, 0), per(0, 0.5, 0.5), 0)
        case .ntk: return (per(0, 0.5, 0.5), per(0, 0, 0), 0)
        case .mf: return (per(0, 0.5, 1), per(0, 0, 0), -1)
        case .mup: return (per(-0.5, 0, 0.5), per(0.5, 0.5, 0.5), 0)
        }
    }
}

/// Tensor Programs IV, Definition 3.2 and Theorem 3.3, for exponents a, b (L+1 each) and c:
///
/// - r = min(a_{L+1} + b_{L+1}, 2a_{L+1} + c) + c − 1 + min_{l ≤ L}(2a_l + 𝟙[l = 1]);
///   the last hidden layer's features move by Θ(n^{−r}) in training;
/// - stable iff a₁ + b₁ = 0, a_l + b_l = ½ (2 ≤ l ≤ L), a_{L+1} + b_{L+1} ≥ ½ and r ≥ 0;
/// - nontrivial (the function moves) iff a_{L+1} + b_{L+1} + r = 1 or 2a_{L+1} + c = 1;
/// - a stable nontrivial parametrization learns features iff r = 0 and is in the
///   kernel regime iff r > 0.
public struct ABCRegime: Sendable {
    public let r: Double
    public let stable: Bool, nontrivial: Bool
    public let regime: String   // "feature learning", "kernel", "trivial" or "unstable"

    public init(a: [Double], b: [Double], c: Double) {
        let L = a.count - 1
        let last = a[L] + b[L]
        var hiddenMin = Double.infinity
        for l in 0..<max(L, 1) where l < L || L == 0 { hiddenMin = min(hiddenMin, 2 * a[l] + (l == 0 ? 1 : 0)) }
        if L == 0 { hiddenMin = 0 }
        r = min(last, 2 * a[L] + c) + c - 1 + hiddenMin
        func close(_ x: Double, _ y: Double) -> Bool { Swift.abs(x - y) < 1e-12 }
        var initStable = L == 0 ? last >= 0.5 - 1e-12 : close(a[0] + b[0], 0) && last >= 0.5 - 1e-12
        if L >= 2 { for l in 1..<L where !close(a[l] + b[l], 0.5) { initStable = false } }
        stable = initStable && r >= -1e-12
        nontrivial = close(last + r, 1) || close(2 * a[L] + c, 1)
        if !stable { regime = "unstable" } else if !nontrivial { regime = "trivial" }
        else { regime = close(r, 0) ? "feature learning" : "kernel" }
    }
}
