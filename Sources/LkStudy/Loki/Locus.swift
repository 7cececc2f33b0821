import Foundation
import LkTensor

// The locus of a set of observed classes: the classes that the Fréchet mean can return
// for some distribution over the observed ones. A class outside it can never be
// predicted, whatever the model outputs; active class selection tries to grow it.

extension Loki {
    /// The classes y (ascending) for which some p in the simplex over `observed` makes y the
    /// Fréchet mean with the lowest-index tie rule: `Σᵢ pᵢ (D²[oᵢ, z] − D²[oᵢ, y]) > 0` for
    /// every z < y and `≥ 0` for every z > y.
    ///
    /// Exact, by linear programming: a class is first accepted if it is the Fréchet mean of one
    /// of a set of probe distributions (the vertices, points on the edges between pairs of
    /// observed classes, and random points of the simplex); each remaining class is decided by
    /// the LP `max t` subject to `t·[z<y] ≤ Σᵢ pᵢ cᵢ_z` for z ≠ y, `t ≤ Σ pᵢ ≤ 1`, `p ≥ 0` (the
    /// constraints are homogeneous, so y is in the locus iff the optimum is positive), solved
    /// by the simplex method with Bland's rule. D is K×K; the cost grows like K²·m per
    /// undecided class, so this is for label spaces of hundreds to a few thousand classes.
    public static func locus(distances d: Tensor, observed: [Int]) throws -> [Int] {
        guard d.rank == 2, d.shape[0] == d.shape[1] else { throw TensorError("locus: D must be a square K×K matrix, got \(shapeString(d.shape))") }
        let d2 = try observedSquared(d, observed: observed, name: "locus")
        let m = observed.count, k = d2.shape[1]
        var maxD2 = 0.0
        for i in 0..<d2.count { maxD2 = max(maxD2, d2.pointer[i]) }
        if maxD2 == 0 { return [0] }   // every class is at distance 0: all tie, class 0 wins
        // Probe distributions: vertices, 7 interior points on each edge (up to ~2000), random points.
        // About 32m + 2000 probes of m numbers, held as arrays and then as a tensor.
        _ = try Memory.checkedCount([33 * m + 2000, m], elementBytes: 16, what: "locus: the probe distributions over \(m) observed classes")
        var probes: [[Double]] = []
        for i in 0..<m { var p = [Double](repeating: 0, count: m); p[i] = 1; probes.append(p) }
        let pairs = m * (m - 1) / 2
        if pairs > 0 && pairs * 7 <= 2000 {
            for i in 0..<m { for j in (i + 1)..<m { for s in 1...7 {
                var p = [Double](repeating: 0, count: m); p[i] = Double(s) / 8; p[j] = 1 - p[i]; probes.append(p)
            } } }
        }
        var rng = RNG(seed: 0x10c1)
        for _ in 0..<(32 * m) {
            var p = (0..<m).map { _ in -Foundation.log(1 - rng.uniform()) }   // Dirichlet(1, …, 1)
            let s = p.reduce(0, +); for i in 0..<m { p[i] /= s }
            probes.append(p)
        }
        let pt = try Tensor(shape: [probes.count, m], data: probes.flatMap { $0 })
        var inLocus = [Bool](repeating: false, count: k)
        for y in try frechetMean(pt, distances: d2, observed: Array(0..<m)) { inLocus[y] = true }
        // Exact decision for the rest.
        for y in 0..<k where !inLocus[y] {
            try Interrupt.check()
            inLocus[y] = try reachable(y, d2: d2, scale: maxD2)
        }
        return (0..<k).filter { inLocus[$0] }
    }

    /// The active choice of the next class to observe: the class farthest from the locus,
    /// `argmax_y min_{l ∈ locus} D[y, l]` (ties to the lowest index), or nil when the locus
    /// already holds every class.
    public static func nextClass(distances d: Tensor, observed: [Int]) throws -> Int? {
        let reach = try locus(distances: d, observed: observed)
        let k = d.shape[0]
        var best = -1.0, arg: Int? = nil
        for y in 0..<k {
            var near = Double.infinity
            for l in reach { near = min(near, d.pointer[y * k + l]) }
            if near > best && near > 0 { best = near; arg = y }
        }
        return arg
    }

    /// Whether some p makes y the Fréchet mean (see `locus`): the LP on a condensed tableau.
    static func reachable(_ y: Int, d2: Tensor, scale: Double) throws -> Bool {
        let m = d2.shape[0], k = d2.shape[1]
        let n = m + 1                      // variables p₀…p_{m−1}, t
        let rows = (k - 1) + 2             // one per z ≠ y, then t − Σp ≤ 0 and Σp ≤ 1
        var lp = try SimplexLP(rows: rows, variables: n)
        var r = 0
        for z in 0..<k where z != y {
            for i in 0..<m { lp[r, i] = -(d2.pointer[i * k + z] - d2.pointer[i * k + y]) / scale }
            lp[r, m] = z < y ? 1 : 0
            lp.setBound(r, 0); r += 1
        }
        for i in 0..<m { lp[r, i] = -1 }; lp[r, m] = 1; lp.setBound(r, 0); r += 1
        for i in 0..<m { lp[r, i] = 1 }; lp[r, m] = 0; lp.setBound(r, 1)
        lp.setObjective(m, 1)
        return try lp.maximize(stopAbove: 1e-9) > 1e-9
    }
}

/// A small dense simplex solver for `max cᵀx` subject to `Ax ≤ b`, `x ≥ 0`, `b ≥ 0` (so the
/// origin is feasible), on a condensed (Tucker) tableau with Bland's rule, which cannot cycle.
struct SimplexLP {
    let rows: Int, cols: Int            // constraints; variables
    var t: [Double]                     // (rows + 1) × (cols + 1); last column is b, last row −c
    var basic: [Int], nonbasic: [Int]   // variable labels: 0..<cols original, cols… slacks

    init(rows: Int, variables: Int) throws {
        self.rows = rows; cols = variables
        t = try Memory.array(repeating: 0.0, rows + 1, variables + 1, what: "locus: a simplex tableau of \(rows) constraints")
        nonbasic = Array(0..<variables); basic = Array(variables..<(variables + rows))
    }

    subscript(_ i: Int, _ j: Int) -> Double {
        get { t[i * (cols + 1) + j] }
        set { t[i * (cols + 1) + j] = newValue }
    }
    mutating func setBound(_ i: Int, _ b: Double) { self[i, cols] = b }
    mutating func setObjective(_ j: Int, _ c: Double) { self[rows, j] = -c }

    /// Runs to optimality (or until the objective exceeds `stopAbove`); returns its value.
    mutating func maximize(stopAbove: Double = .infinity, eps: Double = 1e-12) throws -> Double {
        let w = cols + 1
        var iterations = 0
        while self[rows, cols] <= stopAbove {
            iterations += 1
            if iterations % 64 == 0 { try Interrupt.check() }
            // Entering: the lowest-labelled column with a negative reduced cost (Bland).
            var q = -1
            for j in 0..<cols where self[rows, j] < -eps && (q < 0 || nonbasic[j] < nonbasic[q]) { q = j }
            if q < 0 { break }
            // Leaving: minimum ratio, ties to the lowest label.
            var p = -1, best = Double.infinity
            for i in 0..<rows where self[i, q] > eps {
                let ratio = self[i, cols] / self[i, q]
                if ratio < best - 1e-15 || (abs(ratio - best) <= 1e-15 && basic[i] < basic[p]) { best = ratio; p = i }
            }
            guard p >= 0 else { return .infinity }   // unbounded
            let a = self[p, q]
            t.withUnsafeMutableBufferPointer { tb in
                let prow = tb.baseAddress! + p * w
                for j in 0..<w where j != q { prow[j] /= a }
                prow[q] = 1 / a
                for i in 0...rows where i != p {
                    let row = tb.baseAddress! + i * w
                    let f = row[q]
                    if f == 0 { continue }
                    for j in 0..<w where j != q { row[j] -= f * prow[j] }
                    row[q] = -f / a
                }
            }
            swap(&basic[p], &nonbasic[q])
        }
        return self[rows, cols]
    }
}
