import Foundation
import LkTensor

/// Comparing representations: kernel alignment, linear CKA, and representational
/// similarity analysis (dissimilarity matrices compared by rank correlation).
public enum Similarity {
    /// H K H with H = I − 11ᵀ/N (rows and columns centred).
    public static func centered(_ k: Tensor) throws -> Tensor {
        let n = k.shape[0]
        let out = try Tensor(uninitializedShape: [n, n])
        var rowMean = [Double](repeating: 0, count: n), colMean = rowMean, all = 0.0
        for i in 0..<n { for j in 0..<n { let v = k.pointer[i * n + j]; rowMean[i] += v; colMean[j] += v; all += v } }
        let inv = 1 / Double(max(n, 1))
        for i in 0..<n { for j in 0..<n { out.pointer[i * n + j] = k.pointer[i * n + j] - (rowMean[i] + colMean[j]) * inv + all * inv * inv } }
        return out
    }

    static func frobenius(_ a: Tensor, _ b: Tensor) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a.pointer[i] * b.pointer[i] }
        return s
    }

    /// ⟨K₁, K₂⟩_F / (‖K₁‖_F ‖K₂‖_F), of the centred kernels by default (Cortes et al.
    /// 2012) or as given (Cristianini et al. 2002). NaN when a kernel is zero.
    public static func alignment(_ k1: Tensor, _ k2: Tensor, centered c: Bool = true) throws -> Double {
        let a = c ? try centered(k1) : k1, b = c ? try centered(k2) : k2
        return frobenius(a, b) / (frobenius(a, a) * frobenius(b, b)).squareRoot()
    }

    /// Columns minus their means.
    static func centerColumns(_ x: Tensor) throws -> Tensor {
        let n = x.shape[0], p = x.shape[1]
        var mean = [Double](repeating: 0, count: p)
        for i in 0..<n { for j in 0..<p { mean[j] += x.pointer[i * p + j] } }
        return try Tensor.build(shape: [n, p]) { o, _ in
            for i in 0..<n { for j in 0..<p { o[i * p + j] = x.pointer[i * p + j] - mean[j] / Double(n) } }
        }
    }

    /// Linear CKA (Kornblith et al. 2019): with column-centred X (N×p), Y (N×q),
    /// ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) = alignment(XXᵀ, YYᵀ). Computed in feature space
    /// or through the N×N Gram matrices, whichever is cheaper. Invariant to orthogonal
    /// transforms and isotropic scaling of either representation, not to general
    /// invertible linear maps.
    public static func cka(_ x: Tensor, _ y: Tensor) throws -> Double {
        let xc = try centerColumns(x), yc = try centerColumns(y)
        let n = Double(x.shape[0]), p = Double(x.shape[1]), q = Double(y.shape[1])
        if n * (p * q + p * p + q * q) <= n * n * (p + q + 3) {
            let xy = try Tensor.matmul(yc, xc, transA: true), xx = try Tensor.matmul(xc, xc, transA: true), yy = try Tensor.matmul(yc, yc, transA: true)
            return frobenius(xy, xy) / (frobenius(xx, xx) * frobenius(yy, yy)).squareRoot()
        }
        let k = try Tensor.gram(xc), l = try Tensor.gram(yc)
        return frobenius(k, l) / (frobenius(k, k) * frobenius(l, l)).squareRoot()
    }

    public enum Metric: String, Sendable, CaseIterable { case correlation, euclidean, sqeuclidean, cosine }

    /// The representational dissimilarity matrix of the rows of R (N×p):
    /// correlation 1 − Pearson r of the two rows (each centred across its features),
    /// cosine 1 − cos, euclidean ‖rᵢ − rⱼ‖, sqeuclidean its square. Zero diagonal.
    public static func rdm(_ r: Tensor, metric: Metric) throws -> Tensor {
        let n = r.shape[0], p = r.shape[1]
        var x = r
        if metric == .correlation {
            x = try Tensor.build(shape: [n, p]) { o, _ in
                for i in 0..<n {
                    var m = 0.0
                    for j in 0..<p { m += r.pointer[i * p + j] }
                    m /= Double(max(p, 1))
                    for j in 0..<p { o[i * p + j] = r.pointer[i * p + j] - m }
                }
            }
        }
        let g = try Tensor.gram(x)
        let out = try Tensor(shape: [n, n])
        for i in 0..<n {
            for j in 0..<n where i != j {
                let gi = g.pointer[i * n + i], gj = g.pointer[j * n + j], gij = g.pointer[i * n + j]
                switch metric {
                case .correlation, .cosine:
                    let den = (gi * gj).squareRoot()
                    out.pointer[i * n + j] = den > 0 ? 1 - min(max(gij / den, -1), 1) : 1
                case .sqeuclidean: out.pointer[i * n + j] = max(gi + gj - 2 * gij, 0)
                case .euclidean: out.pointer[i * n + j] = max(gi + gj - 2 * gij, 0).squareRoot()
                }
            }
        }
        return out
    }

    /// The entries above the diagonal, row by row.
    static func upperTriangle(_ m: Tensor) -> [Double] {
        let n = m.shape[0]
        var v = [Double]()
        v.reserveCapacity(n * (n - 1) / 2)  // checked: below the n×n matrix m
        for i in 0..<n { for j in (i + 1)..<n { v.append(m.pointer[i * n + j]) } }
        return v
    }

    /// Pearson correlation; NaN when either vector is constant.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return sab / (saa * sbb).squareRoot()
    }

    /// Ranks 1 … n, ties given their average rank.
    public static func ranks(_ a: [Double]) -> [Double] {
        let order = a.indices.sorted { a[$0] < a[$1] }
        var r = [Double](repeating: 0, count: a.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && a[order[j + 1]] == a[order[i]] { j += 1 }
            let avg = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = avg }
            i = j + 1
        }
        return r
    }

    public enum Comparison: String, Sendable, CaseIterable { case spearman, pearson }

    /// RSA (Kriegeskorte et al. 2008): the correlation (Spearman by default) between
    /// the upper triangles of the two dissimilarity matrices.
    public static func rsa(rdm1: Tensor, rdm2: Tensor, compare: Comparison) -> Double {
        let a = upperTriangle(rdm1), b = upperTriangle(rdm2)
        return compare == .spearman ? pearson(ranks(a), ranks(b)) : pearson(a, b)
    }
}
