import Foundation
import LkTensor

/// E[φ(u) φ(v)] for (u, v) centred Gaussian with variances qᵢ, qⱼ and covariance c,
/// for any activation, through Mehler's formula: with ρ = c / √(qᵢqⱼ),
///
///     E[φ(u) φ(v)] = Σₖ aₖ(qᵢ) aₖ(qⱼ) ρᵏ,   aₖ(q) = E[φ(√q Z) hₖ(Z)],
///
/// hₖ the orthonormal Hermite polynomials. The coefficients of all N points come
/// from one quadrature rule (`GaussianRule`) as one matrix product (φ at the N×n scaled nodes,
/// times the n×(K+1) table of hₖ at the nodes), so the cost is one call of φ on an
/// N×n tensor plus N·n·K flops; each kernel entry is then a K-term Horner sum.
///
/// Truncation: K is the smallest order at which every point's tail
/// tᵢ = E[φ(√qᵢZ)²] − Σ_{k≤K} aₖ(qᵢ)² is at most `tolerance`·E[φ²] (capped at
/// `maxOrder`). The even and odd parts of the tail are added back as
/// √(tᵉᵢtᵉⱼ) ρ^{Kₑ} + √(tᵒᵢtᵒⱼ) ρ^{Kₒ} (Kₑ, Kₒ the first even and odd orders above
/// K), which makes ρ = ±1 exact for equal variances — in particular every diagonal
/// entry is exactly the quadrature value of E[φ²] — and bounds the error of any
/// entry by 2√(tᵢtⱼ)|ρ|^{K+1}.
struct HermiteExpansion {
    let order: Int            // K
    let coefficients: [Double] // N×(K+1), row-major
    let tailEven: [Double], tailOdd: [Double]
    let second: [Double]      // E[φ(√qᵢ Z)²]

    static let tolerance = 1e-13

    init(q: [Double], rule: GaussianRule, maxOrder: Int, _ phi: (Tensor) throws -> Tensor) throws {
        let n = rule.nodes.count, N = q.count
        let z = try Tensor.build(shape: [N, n]) { p, _ in
            for i in 0..<N { let s = max(q[i], 0).squareRoot(); for j in 0..<n { p[i * n + j] = s * rule.nodes[j] } }
        }
        let f = try phi(z)
        guard f.shape == z.shape else { throw TensorError("activation returned shape \(shapeString(f.shape)) for an input of shape \(shapeString(z.shape)); it must act elementwise") }
        let Kmax = min(maxOrder, n - 1)
        var weighted = try Tensor(uninitializedShape: [N, n])
        var second = [Double](repeating: 0, count: N), even = second, odd = second
        for i in 0..<N {
            var s = 0.0, se = 0.0, so = 0.0
            for j in 0..<n {
                let v = f.pointer[i * n + j], m = f.pointer[i * n + n - 1 - j], w = rule.weights[j]
                guard v.isFinite else { throw TensorError("activation is not finite at \(z.pointer[i * n + j])") }
                weighted.pointer[i * n + j] = v * w
                s += w * v * v; se += w * (v + m) * (v + m) / 4; so += w * (v - m) * (v - m) / 4
            }
            second[i] = s; even[i] = se; odd[i] = so
        }
        let table = try Tensor.build(shape: [n, Kmax + 1]) { p, _ in
            for j in 0..<n {
                let h = GaussianRule.orthonormal(upTo: Kmax, at: rule.nodes[j])
                for k in 0...Kmax { p[j * (Kmax + 1) + k] = h[k] }
            }
        }
        weighted = try Tensor.matmul(weighted, table)
        let a = weighted.pointer
        // The smallest K whose tail is below tolerance at every point.
        var K = Kmax
        var partial = [Double](repeating: 0, count: N)
        search: for k in 0...Kmax {
            var ok = true
            for i in 0..<N {
                partial[i] += a[i * (Kmax + 1) + k] * a[i * (Kmax + 1) + k]
                if second[i] - partial[i] > HermiteExpansion.tolerance * second[i] { ok = false }
            }
            if ok && k >= 1 { K = k; break search }
        }
        var coefficients = [Double](repeating: 0, count: N * (K + 1))  // checked: K < n and the N×n tensor z exists
        var te = even, to = odd
        for i in 0..<N {
            for k in 0...K {
                let c = a[i * (Kmax + 1) + k]
                coefficients[i * (K + 1) + k] = c
                if k % 2 == 0 { te[i] -= c * c } else { to[i] -= c * c }
            }
            te[i] = max(te[i], 0); to[i] = max(to[i], 0)
        }
        self.order = K
        self.coefficients = coefficients
        self.tailEven = te; self.tailOdd = to; self.second = second
    }

    /// Σₖ aₖ(qᵢ) bₖ(qⱼ) ρᵏ plus the tail terms; `other` holds the second point set.
    @inline(__always)
    func value(_ i: Int, _ j: Int, _ rho: Double, _ other: HermiteExpansion) -> Double {
        let K = order, stride = K + 1
        var s = 0.0
        coefficients.withUnsafeBufferPointer { a in
            other.coefficients.withUnsafeBufferPointer { b in
                var k = K
                while k >= 0 { s = s * rho + a[i * stride + k] * b[j * stride + k]; k -= 1 }
            }
        }
        let p = Foundation.pow(rho, Double(K + 1))
        let (pe, po) = (K + 1) % 2 == 0 ? (p, p * rho) : (p * rho, p)
        return s + (tailEven[i] * other.tailEven[j]).squareRoot() * pe + (tailOdd[i] * other.tailOdd[j]).squareRoot() * po
    }
}
