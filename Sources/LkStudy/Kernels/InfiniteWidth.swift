import Foundation
import LkTensor

/// A fully connected network of infinite width as neural-tangents' `stax` sees it:
/// `serial(Dense(W_std, b_std), φ, …, Dense(W_std, b_std), φ, Dense(W_std, b_std))`
/// with `depth` hidden layers and a scalar readout.
public struct FullyConnected: Sendable {
    public var depth: Int
    public var activation: Activation
    public var wStd: Double
    public var bStd: Double
    /// neural-tangents' `parameterization="standard"` (otherwise "ntk").
    public var standard: Bool
    /// Standard parametrization only: the width of each hidden layer (`depth` entries).
    public var hiddenWidths: [Double]
    public var maxHermiteOrder: Int = 200

    public init(depth: Int = 1, activation: Activation, wStd: Double = 1, bStd: Double = 0,
                standard: Bool = false, hiddenWidths: [Double] = []) {
        self.depth = depth; self.activation = activation; self.wStd = wStd; self.bStd = bStd
        self.standard = standard; self.hiddenWidths = hiddenWidths
    }
}

/// The NNGP and NTK recursions of neural-tangents (Lee et al. 2019; Jacot et al. 2018).
///
/// Input: Σ⁰ = x·x′/d, Θ⁰ = 0. Each Dense layer ("ntk" parametrization):
/// Σ ← σ_w²Σ + σ_b², Θ ← Σ + σ_w²Θ; ("standard", input width n): Θ ← n·Σ + 1 + σ_w²Θ,
/// then Σ ← σ_w²Σ + σ_b². Each activation: Σ ← E[φ(u)φ(v)], Θ ← Θ·E[φ′(u)φ′(v)] with
/// (u, v) ~ N(0, [[Σ(x,x), Σ(x,x′)], [Σ(x,x′), Σ(x′,x′)]]).
///
/// Every layer is one fused pass over the N₁×N₂ matrices, split across cores (each
/// thread polls Ctrl-C before every row, so a large kernel stops within a row); the
/// symmetric case (no X2) computes the upper triangle, pairing row p with row N−1−p
/// so that the threads get equal work. The diagonal is carried exactly: its entries
/// follow the recursion on the variances q = Σ(x,x) with ρ = 1 substituted, never
/// c/√(q·q) computed from rounded numbers (whose arccos would be off by √ε ≈ 1e-8).
/// The same holds for every pair of bit-identical rows, within X1 or across X1 and X2
/// (a test point that is also a training point).
public enum InfiniteWidth {
    public static func kernels(_ x1: Tensor, _ x2: Tensor?, _ net: FullyConnected) throws -> (nngp: Tensor, ntk: Tensor) {
        precondition(x1.rank == 2 && (x2 == nil || x2!.rank == 2 && x2!.shape[1] == x1.shape[1]))
        let d = x1.shape[1], n1 = x1.shape[0]
        let symmetric = x2 == nil
        let n2 = x2?.shape[0] ?? n1
        var q1 = rowSquares(x1, d), q2 = x2.map { rowSquares($0, d) } ?? q1
        var c = symmetric ? try Tensor.gram(x1) : try Tensor.matmul(x1, x2!, transB: true)
        c = try Tensor.binary(.div, c, Double(max(d, 1)))
        if symmetric { for i in 0..<n1 { c.pointer[i * n1 + i] = q1[i] } }
        let t = try Tensor(shape: [n1, n2])
        let (id1, id2) = pointIdentities(x1, x2)
        let w2 = net.wStd * net.wStd, b2 = net.bStd * net.bStd
        let progress = ProgressReporter("kernel", total: net.depth + 1, unit: "layer")
        defer { progress.finish() }
        for layer in 0...net.depth {
            try Interrupt.check()
            progress.update(layer)
            let widthIn = layer == 0 ? Double(d) : (net.hiddenWidths.isEmpty ? 1 : net.hiddenWidths[layer - 1])
            let dense = Dense(w2: w2, b2: b2, standard: net.standard, widthIn: widthIn)
            q1 = q1.map { w2 * $0 + b2 }; q2 = symmetric ? q1 : q2.map { w2 * $0 + b2 }
            if layer == net.depth {
                pass(IdentityDual(), dense, c, t, q1, q2, id1, id2, symmetric, activate: false)
                break
            }
            switch net.activation.kind {
            case .relu: pass(ReluDual(), dense, c, t, q1, q2, id1, id2, symmetric, activate: true)
            case .erf: pass(ErfDual(), dense, c, t, q1, q2, id1, id2, symmetric, activate: true)
            case .identity: pass(IdentityDual(), dense, c, t, q1, q2, id1, id2, symmetric, activate: true)
            case .sin: pass(SinDual(), dense, c, t, q1, q2, id1, id2, symmetric, activate: true)
            default:
                let qs = symmetric ? q1 : q1 + q2
                let rule = InfiniteWidth.expansionRule(qmax: qs.max() ?? 1, maxOrder: net.maxHermiteOrder)
                let value = try HermiteExpansion(q: qs, rule: rule, maxOrder: net.maxHermiteOrder) { try net.activation.apply($0) }
                let slope = try HermiteExpansion(q: qs, rule: rule, maxOrder: net.maxHermiteOrder) { try net.activation.derivative($0) }
                pass(QuadratureDual(value: value, slope: slope, offset: symmetric ? 0 : n1), dense, c, t, q1, q2, id1, id2, symmetric, activate: true)
                q1 = Array(value.second[0..<n1]); q2 = symmetric ? q1 : Array(value.second[n1...])
                continue
            }
            q1 = q1.map { diagonalValue(net.activation.kind, $0) }
            q2 = symmetric ? q1 : q2.map { diagonalValue(net.activation.kind, $0) }
        }
        try Interrupt.check()   // a pass stops at its next row when Ctrl-C is pressed
        if symmetric { mirrorUpper(c, n1); mirrorUpper(t, n1) }
        return (c, t)
    }

    /// The trapezoidal rule for the Hermite coefficients: a step that resolves both
    /// φ(√q z) (scale 1/√q in z: h ≤ 1/(8√q)) and the products hⱼhₖϕ up to order K
    /// (wavelength ≈ π/√K: h ≤ π/(4√K)), over |z| ≤ 2√K + 12, past the last turning
    /// point of h_K and where ϕ is below 1e-31.
    static func expansionRule(qmax: Double, maxOrder: Int) -> GaussianRule {
        let K = Double(maxOrder)
        let h = min(Double.pi / (4 * K.squareRoot()), 1 / (8 * max(qmax, 1e-12).squareRoot()))
        return GaussianRule(step: max(h, 1e-3), limit: 2 * K.squareRoot() + 12)
    }

    static func rowSquares(_ x: Tensor, _ d: Int) -> [Double] {
        (0..<x.shape[0]).map { i in
            var s = 0.0
            for k in 0..<d { let v = x.pointer[i * d + k]; s += v * v }
            return s / Double(max(d, 1))
        }
    }

    /// E[φ(u)²] for u ~ N(0, q), the closed forms.
    static func diagonalValue(_ kind: Activation.Kind, _ q: Double) -> Double {
        switch kind {
        case .relu: return q / 2
        case .erf: return 2 / Double.pi * Foundation.asin(2 * q / (1 + 2 * q))
        case .sin: return -0.5 * Foundation.expm1(-2 * q)
        default: return q
        }
    }

    struct Dense {
        let w2, b2: Double, standard: Bool, widthIn: Double
        @inline(__always) func apply(_ c: inout Double, _ t: inout Double) {
            if standard { t = widthIn * c + 1 + w2 * t; c = w2 * c + b2 } else { c = w2 * c + b2; t = c + w2 * t }
        }
    }

    /// One layer over the whole matrix: the Dense update, then (if `activate`) the dual map.
    static func pass<M: DualMap>(_ map: M, _ dense: Dense, _ c: Tensor, _ t: Tensor, _ q1: [Double], _ q2: [Double],
                                 _ id1: [Int], _ id2: [Int], _ symmetric: Bool, activate: Bool) {
        let n1 = c.shape[0], n2 = c.shape[1]
        let pc = c.pointer, pt = t.pointer
        func row(_ i: Int, from j0: Int) {
            for j in j0..<n2 {
                var cv = pc[i * n2 + j], tv = pt[i * n2 + j]
                dense.apply(&cv, &tv)
                if activate {
                    let (k, dk) = id1[i] == id2[j] ? map.diagonal(i, q1[i]) : map.pair(cv, i, j, q1[i], q2[j])
                    cv = k; tv *= dk
                }
                pc[i * n2 + j] = cv; pt[i * n2 + j] = tv
            }
        }
        q1.withUnsafeBufferPointer { _ in
            if symmetric {
                Parallel.forEachChunk(count: (n1 + 1) / 2, costPerItem: n1 * 8, align: 1) { r in
                    for p in r {
                        if Interrupt.isRequested { return }   // the caller throws after the pass
                        row(p, from: p); if n1 - 1 - p != p { row(n1 - 1 - p, from: n1 - 1 - p) }
                    }
                }
            } else {
                Parallel.forEachChunk(count: n1, costPerItem: n2 * 8, align: 1) { r in
                    for i in r { if Interrupt.isRequested { return }; row(i, from: 0) }
                }
            }
        }
    }

    /// A number per row such that two rows (of X1 or X2) get the same number exactly
    /// when their bits are equal.
    static func pointIdentities(_ x1: Tensor, _ x2: Tensor?) -> ([Int], [Int]) {
        let d = x1.shape[1]
        var seen: [[UInt64]: Int] = [:]
        func ids(_ x: Tensor) -> [Int] {
            (0..<x.shape[0]).map { i in
                let key = (0..<d).map { x.pointer[i * d + $0].bitPattern }
                if let k = seen[key] { return k }
                seen[key] = seen.count
                return seen.count - 1
            }
        }
        let a = ids(x1)
        return (a, x2.map(ids) ?? a)
    }

    static func mirrorUpper(_ m: Tensor, _ n: Int) {
        let p = m.pointer
        for i in 0..<n { for j in 0..<i { p[i * n + j] = p[j * n + i] } }
    }
}

/// The dual of an activation: (E[φ(u)φ(v)], E[φ′(u)φ′(v)]) from the covariance c and the variances.
protocol DualMap {
    func pair(_ c: Double, _ i: Int, _ j: Int, _ qi: Double, _ qj: Double) -> (Double, Double)
    func diagonal(_ i: Int, _ q: Double) -> (Double, Double)
}

@inline(__always) func correlation(_ c: Double, _ s: Double) -> Double { s > 0 ? min(max(c / s, -1), 1) : 0 }

/// Arc-cosine kernel of degree 1 (Cho & Saul 2009): with ρ = cos θ,
/// E[relu(u)relu(v)] = √(qᵢqⱼ)(sin θ + (π − θ)cos θ)/(2π), E[1(u>0)1(v>0)] = (π − θ)/(2π).
struct ReluDual: DualMap {
    @inline(__always) func pair(_ c: Double, _ i: Int, _ j: Int, _ qi: Double, _ qj: Double) -> (Double, Double) {
        let s = (qi * qj).squareRoot()
        guard s > 0 else { return (0, 0) }
        let rho = correlation(c, s), theta = Foundation.acos(rho)
        return (s / (2 * Double.pi) * ((1 - rho * rho).squareRoot() + (Double.pi - theta) * rho), (Double.pi - theta) / (2 * Double.pi))
    }
    @inline(__always) func diagonal(_ i: Int, _ q: Double) -> (Double, Double) { (q / 2, q > 0 ? 0.5 : 0) }
}

/// Williams (1997): E[erf(u)erf(v)] = (2/π) asin(2c/√((1+2qᵢ)(1+2qⱼ))),
/// E[erf′(u)erf′(v)] = (4/π) / √((1+2qᵢ)(1+2qⱼ) − 4c²).
struct ErfDual: DualMap {
    @inline(__always) func pair(_ c: Double, _ i: Int, _ j: Int, _ qi: Double, _ qj: Double) -> (Double, Double) {
        let p = (1 + 2 * qi) * (1 + 2 * qj)
        let arg = min(max(2 * c / p.squareRoot(), -1), 1)
        return (2 / Double.pi * Foundation.asin(arg), 4 / Double.pi / max(p - 4 * c * c, 1e-300).squareRoot())
    }
    @inline(__always) func diagonal(_ i: Int, _ q: Double) -> (Double, Double) {
        (2 / Double.pi * Foundation.asin(2 * q / (1 + 2 * q)), 4 / Double.pi / (1 + 4 * q).squareRoot())
    }
}

struct IdentityDual: DualMap {
    @inline(__always) func pair(_ c: Double, _ i: Int, _ j: Int, _ qi: Double, _ qj: Double) -> (Double, Double) { (c, 1) }
    @inline(__always) func diagonal(_ i: Int, _ q: Double) -> (Double, Double) { (q, 1) }
}

/// E[sin u sin v] = e^{−(qᵢ+qⱼ)/2} sinh c, E[cos u cos v] = e^{−(qᵢ+qⱼ)/2} cosh c.
struct SinDual: DualMap {
    @inline(__always) func pair(_ c: Double, _ i: Int, _ j: Int, _ qi: Double, _ qj: Double) -> (Double, Double) {
        let e = Foundation.exp(-(qi + qj) / 2)
        return (e * Foundation.sinh(c), e * Foundation.cosh(c))
    }
    @inline(__always) func diagonal(_ i: Int, _ q: Double) -> (Double, Double) {
        (-0.5 * Foundation.expm1(-2 * q), 0.5 * (1 + Foundation.exp(-2 * q)))
    }
}

/// Any other activation: Mehler series for φ and for φ′ (see `HermiteExpansion`).
struct QuadratureDual: DualMap {
    let value: HermiteExpansion, slope: HermiteExpansion, offset: Int
    @inline(__always) func pair(_ c: Double, _ i: Int, _ j: Int, _ qi: Double, _ qj: Double) -> (Double, Double) {
        let rho = correlation(c, (qi * qj).squareRoot())
        return (value.value(i, offset + j, rho, value), slope.value(i, offset + j, rho, slope))
    }
    @inline(__always) func diagonal(_ i: Int, _ q: Double) -> (Double, Double) { (value.second[i], slope.second[i]) }
}
