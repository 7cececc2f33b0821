import CBLAS
import Foundation

// The LU factorisation that inv, solve, det and slogdet share, with its condition estimate.
//
// OpenBLAS's dgetrf scales a column by 1/pivot; for a subnormal pivot (1e-310) that is
// 1/1e-310 = inf, and 0·inf makes the factors NaN: det([[1e-310, 0], [0, 1]]) came out NaN
// and inv/solve failed with "LAPACK rejected argument 5" (LAPACKE's NaN check of the factors
// passed to dgetrs). Reference LAPACK divides instead when the pivot is below the safe
// minimum. So when the factors of a finite matrix are not finite, the factorisation is done
// again on the matrix with each column scaled by a power of two (exact) so that its largest
// entry is in [0.5, 1): A = Â E, and inv(A) = E⁻¹ Â⁻¹, solve(A, b) = E⁻¹ solve(Â, b) (b is not
// scaled, so nothing overflows before the last step), det(A) = det(Â) det(E). Matrices whose
// factors are finite the first time (all the usual ones) are factored exactly as before.

/// The LU factors of a square matrix's column-major view (see Tensor+Decompositions.swift),
/// with the row scaling used, if any, and LAPACK's `info`.
struct LUFactors {
    let n: Int
    let lu: Tensor
    let ipiv: [Int32]
    /// The exponents e_j with A = Â diag(2^e_j) (nil when the factors are of A itself).
    let columnExponents: [Int]?
    /// LAPACK's info: 0, or k > 0 when U's k-th pivot is exactly zero (singular).
    let info: Int32
    /// The 1-norm of the factored matrix's column-major view (‖Âᵀ‖_∞), for dgecon.
    let norm: Double

    var singular: Bool { info > 0 }

    /// LAPACK's estimate of the reciprocal condition number (`dgecon`, ∞-norm of the factored
    /// column-major matrix, i.e. the 1-norm of Â): 0 for a singular matrix, 1 for the identity.
    func reciprocalCondition() -> Double {
        if singular { return 0 }
        if n == 0 { return 1 }
        var rcond = 0.0
        let info = LAPACKE_dgecon(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "I")), Int32(n), lu.pointer, Int32(n), norm, &rcond)
        return info == 0 ? rcond : .nan
    }

    /// log|det A| and the sign of det A (sign 0 and log −inf when singular), without
    /// forming the product, so neither can overflow or underflow.
    func logDeterminant() -> (sign: Double, logAbs: Double) {
        if singular { return (0, -.infinity) }
        var sign = 1.0, log = 0.0
        for i in 0..<n {
            let u = lu.pointer[i * n + i]
            if u < 0 { sign = -sign }
            if ipiv[i] != Int32(i + 1) { sign = -sign }
            log += Foundation.log(Swift.abs(u))
        }
        if let e = columnExponents { log += Double(e.reduce(0, +)) * Foundation.log(2.0) }
        return (sign, log)
    }

    /// The determinant, with the product kept as a mantissa and a binary exponent so that
    /// the result is exact to the last rounding when representable; `overflow` says when
    /// it is not (then the value is ±inf or ±0).
    func determinant() -> (value: Double, overflow: Bool) {
        if singular { return (0, false) }
        var m = 1.0, e = columnExponents?.reduce(0, +) ?? 0
        for i in 0..<n {
            m *= lu.pointer[i * n + i]
            if ipiv[i] != Int32(i + 1) { m = -m }
            // Renormalise: an exact power-of-two rescaling, so no rounding is added.
            let k = m.exponent
            m = Double(sign: .plus, exponent: -k, significand: m)
            e += Int(k)
        }
        let value = Double(sign: .plus, exponent: e, significand: m)
        // A subnormal result is still the determinant (NumPy's det([[1e-310, 0], [0, 1]]) is 1e-310).
        return (value, !value.isFinite || value == 0)
    }
}

extension LinalgSupport {
    /// LU with partial pivoting of a square, finite matrix (dgetrf on the column-major view),
    /// redone on the column-equilibrated matrix when the first factors are not finite.
    static func factorLU(_ a: Tensor, _ name: String) throws -> LUFactors {
        let n = a.shape[0]
        try requireBLASSize(name, [a.count])
        if let f = try factor(a, n, columnExponents: nil), f.lu.withUnsafeBufferPointer({ $0.allSatisfy(\.isFinite) }) { return f }
        // Column scaling by powers of two: exact, and each column's pivot candidates are ≥ 0.5.
        var exps = [Int](repeating: 0, count: n)
        for j in 0..<n {
            var big = 0.0
            for i in 0..<n { big = Swift.max(big, Swift.abs(a.pointer[i * n + j])) }
            exps[j] = big > 0 ? Int(big.exponent) + 1 : 0
        }
        let scaled = try Tensor.build(shape: a.shape) { p, _ in
            for i in 0..<n { for j in 0..<n { p[i * n + j] = Double(sign: .plus, exponent: -exps[j], significand: a.pointer[i * n + j]) } }
        }
        guard let f = try factor(scaled, n, columnExponents: exps) else {
            throw TensorError("\(name): the LU factorisation failed")
        }
        return f
    }

    private static func factor(_ a: Tensor, _ n: Int, columnExponents: [Int]?) throws -> LUFactors? {
        let lu = try workingCopy(a)
        // ‖Aᵀ‖_∞ of the column-major view = the largest absolute column sum of A (row-major).
        var norm = 0.0
        for j in 0..<n {
            var s = 0.0
            for i in 0..<n { s += Swift.abs(a.pointer[i * n + j]) }
            norm = Swift.max(norm, s)
        }
        var ipiv = [Int32](repeating: 0, count: Swift.max(n, 1))
        if n == 0 { return LUFactors(n: 0, lu: lu, ipiv: ipiv, columnExponents: columnExponents, info: 0, norm: 0) }
        let info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, Int32(n), Int32(n), lu.pointer, Int32(n), &ipiv)
        if info < 0 { return nil }
        return LUFactors(n: n, lu: lu, ipiv: ipiv, columnExponents: columnExponents, info: info, norm: norm)
    }

    /// The k-th pivot of the Cholesky factorisation of `a` (1-based), whose leading minor of
    /// order k − 1 is positive definite: a_kk − yᵀy with Lₖ₋₁ y = a[0..<k−1, k−1], where
    /// Lₖ₋₁ is the Cholesky factor of the leading block. Used to say which pivot failed.
    static func choleskyPivot(_ a: Tensor, _ k: Int) throws -> Double {
        let n = a.shape[0], m = k - 1
        let akk = a.pointer[m * n + m]
        if m == 0 { return akk }
        // The leading block's lower triangle (row-major) is the column-major upper one.
        let block = try Tensor.build(shape: [m, m]) { p, _ in
            for i in 0..<m { for j in 0..<m { p[i * m + j] = a.pointer[Swift.max(i, j) * n + Swift.min(i, j)] } }
        }
        guard LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(m), block.pointer, Int32(m)) == 0 else { return .nan }
        var y = (0..<m).map { a.pointer[m * n + $0] }   // row k−1 of the lower triangle
        // Block = UᵀU (U upper, column-major): Uᵀ y = a solves L y = a with L = Uᵀ.
        cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, Int32(m), block.pointer, Int32(m), &y, 1)
        return akk - y.reduce(0) { $0 + $1 * $1 }
    }

    /// Row i of a row-major matrix (or element i of a vector) times 2^−e_i, in place (exact
    /// unless it underflows or overflows, which is then the true result).
    static func divideRows(_ x: Tensor, byPowersOfTwo e: [Int]) {
        let cols = x.rank == 1 ? 1 : x.shape[1]
        for i in 0..<e.count { for j in 0..<cols { x.pointer[i * cols + j] = Double(sign: .plus, exponent: -e[i], significand: x.pointer[i * cols + j]) } }
    }

    /// SciPy's threshold for its "Ill-conditioned matrix" warning: rcond below machine epsilon.
    static let illConditioned = Double.ulpOfOne
}

extension Tensor {
    /// The reciprocal condition estimate LAPACK gives with an LU factorisation (`dgecon`),
    /// and whether it is below machine epsilon, where SciPy warns that the result of a solve
    /// "may not be accurate". 0 for a singular matrix.
    public struct Conditioning: Sendable {
        public let rcond: Double
        public var isIllConditioned: Bool { !(rcond >= LinalgSupport.illConditioned) }
        /// The warning text SciPy gives (`LinAlgWarning`), for the built-in to show.
        public var warning: String? {
            isIllConditioned ? "warning: ill-conditioned matrix (rcond=\(String(format: "%.5g", rcond))): result may not be accurate" : nil
        }
    }
}
