import Foundation
import LkTensor

/// A quadrature rule for the standard normal: nodes zᵢ and weights wᵢ with
/// Σᵢ wᵢ f(zᵢ) ≈ E f(Z), Z ~ N(0, 1). Nodes are symmetric about 0 (zᵢ = −z_{n−1−i}).
///
/// `GaussianRule(order: n)` is Gauss–Hermite, exact for polynomials of degree ≤ 2n − 1.
/// Nodes are the eigenvalues of the Jacobi matrix of the probabilists' Hermite
/// polynomials (zero diagonal, off-diagonal √k; Golub–Welsch), polished by two Newton
/// steps on hₙ. Weights are the Christoffel numbers wᵢ = 1 / Σ_{k<n} hₖ(zᵢ)², with
/// hₖ = Heₖ/√k! the orthonormal Hermite polynomials; unlike the squared first
/// eigenvector components this keeps full relative accuracy for the tiny weights
/// of the outermost nodes (which later multiply large hₖ values).
public struct GaussianRule: Sendable {
    public let nodes: [Double]
    public let weights: [Double]

    /// The trapezoidal rule zᵢ = i·h, |zᵢ| ≤ limit, wᵢ = h·e^{−zᵢ²/2}/√(2π). For an
    /// integrand analytic in the strip |Im z| < a its error falls like e^{−2πa/h}
    /// (and like e^{−limit²/2} from the cut-off), so, unlike Gauss–Hermite of a fixed
    /// order, it stays accurate for functions that vary on a scale much finer than 1
    /// (φ(√q z) for large q) once h resolves that scale.
    public init(step h: Double, limit: Double) {
        let m = Int((limit / h).rounded(.down))  // checked: h ≥ 1e-3 and limit = 2√K + 12 (expansionRule)
        nodes = (-m...m).map { Double($0) * h }
        weights = nodes.map { h * Foundation.exp(-0.5 * $0 * $0) / (2 * Double.pi).squareRoot() }
    }

    public init(order n: Int) throws {
        precondition(n >= 1 && n <= 1000, "Gauss–Hermite order must be in 1...1000")
        var jacobi = try Tensor(shape: [n, n])
        for k in 1..<max(n, 1) where n > 1 {
            let s = Double(k).squareRoot()
            jacobi[flat: (k - 1) * n + k] = s
            jacobi[flat: k * n + k - 1] = s
        }
        var z = n == 1 ? [0.0] : try jacobi.eigh().values.scalars
        for i in 0..<n {
            for _ in 0..<2 {
                let h = GaussianRule.orthonormal(upTo: n, at: z[i])
                // d/dz hₙ = √n hₙ₋₁
                let dh = Double(n).squareRoot() * h[n - 1]
                if dh != 0 { z[i] -= h[n] / dh }
            }
        }
        // Exact symmetry: the rule integrates odd functions to zero.
        for i in 0..<n / 2 { let m = (z[n - 1 - i] - z[i]) / 2; z[i] = -m; z[n - 1 - i] = m }
        if n % 2 == 1 { z[n / 2] = 0 }
        nodes = z
        weights = z.map { GaussianRule.christoffel(n, at: $0) }
    }

    /// 1 / Σ_{k<n} hₖ(z)², with the recurrence rescaled as it grows so that the
    /// outermost nodes of high-order rules (where hₖ overflows) keep their tiny weights.
    static func christoffel(_ n: Int, at z: Double) -> Double {
        var prev = 0.0, cur = 1.0, sum = 1.0, logScale = 0.0   // the true values are these times e^{logScale}
        for k in 0..<(n - 1) {
            let next = (z * cur - Double(k).squareRoot() * prev) / Double(k + 1).squareRoot()
            prev = cur; cur = next
            sum += cur * cur
            if Swift.abs(cur) > 1e100 { prev *= 1e-100; cur *= 1e-100; sum *= 1e-200; logScale += 100 * M_LN10 }
        }
        return Foundation.exp(-2 * logScale) / sum
    }

    /// h₀(z) … h_K(z), the orthonormal probabilists' Hermite polynomials, by the stable
    /// recurrence h_{k+1} = (z hₖ − √k h_{k−1}) / √(k+1).
    public static func orthonormal(upTo K: Int, at z: Double) -> [Double] {
        var h = [Double](repeating: 0, count: K + 1)  // checked: K < the rule's node count
        h[0] = 1
        if K >= 1 { h[1] = z }
        if K >= 2 {
            for k in 1..<K { h[k + 1] = (z * h[k] - Double(k).squareRoot() * h[k - 1]) / Double(k + 1).squareRoot() }
        }
        return h
    }
}
