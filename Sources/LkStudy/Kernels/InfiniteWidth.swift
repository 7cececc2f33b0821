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
/// Every layer is one pass over the N₁×N₂ matrices, row by row, split across cores
/// (each thread polls Ctrl-C before every row, so a large kernel stops within a row);
/// the symmetric case (no X2) computes the lower triangle, pairing row p with row N−1−p
/// so that the threads get equal work, and mirrors it once at the end. ReLU and erf,
/// the common cases, run each row as a few loops over contiguous buffers with the
/// arc-cosine or arcsine of the whole row from vector math (SLEEF, 1.0 ulp); the
/// other activations map entry by entry. The first layer reads the raw products x·x′
/// and writes Θ without reading it, so neither matrix is ever zeroed. Without the NTK
/// (`nngp`), Θ is never allocated.
/// The diagonal is carried exactly: its entries
/// follow the recursion on the variances q = Σ(x,x) with ρ = 1 substituted, never
/// c/√(q·q) computed from rounded numbers (whose arccos would be off by √ε ≈ 1e-8).
/// The same holds for every pair of bit-identical rows, within X1 or across X1 and X2
/// (a test point that is also a training point).
public enum InfiniteWidth {
    public static func kernels(_ x1: Tensor, _ x2: Tensor?, _ net: FullyConnected) throws -> (nngp: Tensor, ntk: Tensor) {
        let k = try compute(x1, x2, net, ntk: true)
        return (k.nngp, k.ntk!)
    }

    /// The NNGP alone: the same recursion without Θ (less than half the work).
    public static func nngp(_ x1: Tensor, _ x2: Tensor?, _ net: FullyConnected) throws -> Tensor {
        try compute(x1, x2, net, ntk: false).nngp
    }

    static func compute(_ x1: Tensor, _ x2: Tensor?, _ net: FullyConnected, ntk wantNTK: Bool) throws -> (nngp: Tensor, ntk: Tensor?) {
        precondition(x1.rank == 2 && (x2 == nil || x2!.rank == 2 && x2!.shape[1] == x1.shape[1]))
        let d = x1.shape[1], n1 = x1.shape[0]
        let symmetric = x2 == nil
        let n2 = x2?.shape[0] ?? n1
        var q1 = rowSquares(x1, d), q2 = x2.map { rowSquares($0, d) } ?? q1
        // The raw products x·x′ (the lower triangle when symmetric); the first pass divides by d.
        let c = symmetric ? try Tensor.gramLowerTriangle(x1) : try Tensor.matmul(x1, x2!, transB: true)
        let t = wantNTK ? try Tensor(uninitializedShape: [n1, n2]) : nil
        let (id1, id2) = pointIdentities(x1, x2)
        var layout = Layout(c: c.pointer, t: t?.pointer, n1: n1, n2: n2, symmetric: symmetric, id1: id1, id2: id2,
                            inputScale: Double(max(d, 1)), inputDiagonal: q1)
        let w2 = net.wStd * net.wStd, b2 = net.bStd * net.bStd
        let progress = ProgressReporter("kernel", total: net.depth + 1, unit: "layer")
        defer { progress.finish() }
        for layer in 0...net.depth {
            try Interrupt.check()
            progress.update(layer)
            layout.first = layer == 0
            let widthIn = layer == 0 ? Double(d) : (net.hiddenWidths.isEmpty ? 1 : net.hiddenWidths[layer - 1])
            let dense = Dense(w2: w2, b2: b2, standard: net.standard, widthIn: widthIn)
            q1 = q1.map { w2 * $0 + b2 }; q2 = symmetric ? q1 : q2.map { w2 * $0 + b2 }
            if layer == net.depth {
                pass(IdentityDual(), dense, layout, q1, q2, activate: false)
                break
            }
            switch net.activation.kind {
            case .relu: reluPass(dense, layout, q1, q2)
            case .erf: erfPass(dense, layout, q1, q2)
            case .identity: pass(IdentityDual(), dense, layout, q1, q2, activate: true)
            case .sin: pass(SinDual(), dense, layout, q1, q2, activate: true)
            default:
                let qs = symmetric ? q1 : q1 + q2
                let rule = InfiniteWidth.expansionRule(qmax: qs.max() ?? 1, maxOrder: net.maxHermiteOrder)
                let value = try HermiteExpansion(q: qs, rule: rule, maxOrder: net.maxHermiteOrder) { try net.activation.apply($0) }
                let slope = try HermiteExpansion(q: qs, rule: rule, maxOrder: net.maxHermiteOrder) { try net.activation.derivative($0) }
                pass(QuadratureDual(value: value, slope: slope, offset: symmetric ? 0 : n1), dense, layout, q1, q2, activate: true)
                q1 = Array(value.second[0..<n1]); q2 = symmetric ? q1 : Array(value.second[n1...])
                continue
            }
            q1 = q1.map { diagonalValue(net.activation.kind, $0) }
            q2 = symmetric ? q1 : q2.map { diagonalValue(net.activation.kind, $0) }
        }
        try Interrupt.check()   // a pass stops at its next row when Ctrl-C is pressed
        if symmetric { c.mirrorLowerTriangle(); t?.mirrorLowerTriangle() }
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

    /// Where the two matrices are and which entries a pass visits.
    struct Layout: @unchecked Sendable {
        let c: UnsafeMutablePointer<Double>, t: UnsafeMutablePointer<Double>?
        let n1, n2: Int, symmetric: Bool
        let id1, id2: [Int]
        /// For each point identity, the columns with that identity (the pairs of bit-identical rows).
        let columnsOfIdentity: [[Int]]
        /// The first pass divides the raw products by d and takes the diagonal from the
        /// row squares (exactly Σ⁰(x, x)); Θ⁰ = 0 is never read from memory.
        let inputScale: Double, inputDiagonal: [Double]
        var first = true

        init(c: UnsafeMutablePointer<Double>, t: UnsafeMutablePointer<Double>?, n1: Int, n2: Int, symmetric: Bool,
             id1: [Int], id2: [Int], inputScale: Double, inputDiagonal: [Double]) {
            self.c = c; self.t = t; self.n1 = n1; self.n2 = n2; self.symmetric = symmetric; self.id1 = id1; self.id2 = id2
            self.inputScale = inputScale; self.inputDiagonal = inputDiagonal
            var cols = [[Int]](repeating: [], count: (id1 + id2).max().map { $0 + 1 } ?? 0)  // checked: ids index the rows of X1 and X2, already in memory
            for (j, k) in id2.enumerated() { cols[k].append(j) }
            columnsOfIdentity = cols
        }

        /// Row i covers columns 0..<count(i): all of them, or the lower triangle 0...i.
        @inline(__always) func count(_ i: Int) -> Int { symmetric ? i + 1 : n2 }

        /// Calls `row(i)` for every row, across cores.
        func forEachRow(_ row: (Int) -> Void) {
            let n1 = self.n1, n2 = self.n2
            if symmetric {
                Parallel.forEachChunk(count: (n1 + 1) / 2, costPerItem: n1 * 8, align: 1) { r in
                    for p in r {
                        if Interrupt.isRequested { return }   // the caller throws after the pass
                        row(p); if n1 - 1 - p != p { row(n1 - 1 - p) }
                    }
                }
            } else {
                Parallel.forEachChunk(count: n1, costPerItem: n2 * 8, align: 1) { r in
                    for i in r { if Interrupt.isRequested { return }; row(i) }
                }
            }
        }

        /// The Dense update of row i in place (Σ, and Θ when it is computed).
        @inline(__always) func denseRow(_ i: Int, _ dense: Dense) {
            let n = count(i), pc = c + i * n2
            if first {
                let scale = inputScale
                for j in 0..<n { pc[j] = pc[j] / scale }
                if symmetric { pc[i] = inputDiagonal[i] }
            }
            let w2 = dense.w2, b2 = dense.b2
            guard let t else {
                for j in 0..<n { pc[j] = w2 * pc[j] + b2 }
                return
            }
            let pt = t + i * n2
            // Θ⁰ = 0 is not read: w²·0 = 0 (w is finite), so the first layer's Θ is Σ + 0
            // (standard: n·Σ + 1 + 0), the same numbers, -0 + 0 = +0 included.
            if dense.standard {
                let width = dense.widthIn
                if first { for j in 0..<n { pt[j] = width * pc[j] + 1 + 0.0; pc[j] = w2 * pc[j] + b2 } }
                else { for j in 0..<n { pt[j] = width * pc[j] + 1 + w2 * pt[j]; pc[j] = w2 * pc[j] + b2 } }
            } else {
                if first { for j in 0..<n { let cv = w2 * pc[j] + b2; pc[j] = cv; pt[j] = cv + 0.0 } }
                else { for j in 0..<n { let cv = w2 * pc[j] + b2; pc[j] = cv; pt[j] = cv + w2 * pt[j] } }
            }
        }

        /// The columns of row i that hold a point bit-identical to point i of X1.
        @inline(__always) func identicalColumns(_ i: Int) -> ArraySlice<Int> {
            let cols = columnsOfIdentity[id1[i]]
            return symmetric ? cols[..<(cols.firstIndex(where: { $0 > i }) ?? cols.endIndex)] : cols[...]
        }
    }

    /// One layer over the whole matrix: the Dense update, then (if `activate`) the dual map, entry by entry.
    static func pass<M: DualMap>(_ map: M, _ dense: Dense, _ layout: Layout, _ q1: [Double], _ q2: [Double], activate: Bool) {
        layout.forEachRow { i in
            layout.denseRow(i, dense)
            guard activate else { return }
            let n = layout.count(i), pc = layout.c + i * layout.n2, pt = layout.t.map { $0 + i * layout.n2 }
            let qi = q1[i], idi = layout.id1[i]
            for j in 0..<n {
                let (k, dk) = idi == layout.id2[j] ? map.diagonal(i, qi) : map.pair(pc[j], i, j, qi, q2[j])
                pc[j] = k
                if let pt { pt[j] *= dk }
            }
        }
    }

    /// The ReLU layer, row by row: the Dense update, then `ReluDual`'s map over the
    /// row in vectorised C (correlations, their arc-cosines, both kernels), then the
    /// columns of identical points set from the exact diagonal.
    static func reluPass(_ dense: Dense, _ layout: Layout, _ q1: [Double], _ q2: [Double]) {
        q2.withUnsafeBufferPointer { q2p in
            let qj = q2p.baseAddress!
            layout.forEachRow { i in
                layout.denseRow(i, dense)
                dualRow(layout, i, ReluDual().diagonal(i, q1[i])) { c, t, n in VectorMath.reluDualRow(c, t, qj, q1[i], n) }
            }
        }
    }

    /// The erf layer, row by row, as `reluPass` with `ErfDual`'s map.
    static func erfPass(_ dense: Dense, _ layout: Layout, _ q1: [Double], _ q2: [Double]) {
        let a2 = q2.map { 1 + 2 * $0 }
        a2.withUnsafeBufferPointer { a2p in
            let aj = a2p.baseAddress!
            layout.forEachRow { i in
                layout.denseRow(i, dense)
                dualRow(layout, i, ErfDual().diagonal(i, q1[i])) { c, t, n in VectorMath.erfDualRow(c, t, aj, 1 + 2 * q1[i], n) }
            }
        }
    }

    /// Row i through a dual map over the whole row (`map(c, t, n)`), then the entries
    /// of points identical to point i set from the diagonal values (k, dk) — their Θ
    /// taken from before the map.
    @inline(__always)
    static func dualRow(_ layout: Layout, _ i: Int, _ diagonal: (Double, Double),
                        _ map: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>?, Int) -> Void) {
        let n = layout.count(i), pc = layout.c + i * layout.n2, pt = layout.t.map { $0 + i * layout.n2 }
        let same = layout.identicalColumns(i)
        var first: (Int, Double) = (-1, 0)   // most rows have one identical column (the diagonal) or none
        var more: [(Int, Double)] = []
        if let pt { for j in same { if first.0 < 0 { first = (j, pt[j]) } else { more.append((j, pt[j])) } } }
        map(pc, pt, n)
        let (k, dk) = diagonal
        for j in same { pc[j] = k }
        if let pt {
            if first.0 >= 0 { pt[first.0] = first.1 * dk }
            for (j, tv) in more { pt[j] = tv * dk }
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
    /// One entry of `VectorMath.reluDualRow` (the one definition of the formula).
    func pair(_ c: Double, _ i: Int, _ j: Int, _ qi: Double, _ qj: Double) -> (Double, Double) {
        var k = c, dk = 1.0, q = qj
        VectorMath.reluDualRow(&k, &dk, &q, qi, 1)
        return (k, dk)
    }
    @inline(__always) func diagonal(_ i: Int, _ q: Double) -> (Double, Double) { (q / 2, q > 0 ? 0.5 : 0) }
}

/// Williams (1997): E[erf(u)erf(v)] = (2/π) asin(2c/√((1+2qᵢ)(1+2qⱼ))),
/// E[erf′(u)erf′(v)] = (4/π) / √((1+2qᵢ)(1+2qⱼ) − 4c²).
struct ErfDual: DualMap {
    /// One entry of `VectorMath.erfDualRow` (the one definition of the formula).
    func pair(_ c: Double, _ i: Int, _ j: Int, _ qi: Double, _ qj: Double) -> (Double, Double) {
        var k = c, dk = 1.0, a = 1 + 2 * qj
        VectorMath.erfDualRow(&k, &dk, &a, 1 + 2 * qi, 1)
        return (k, dk)
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
