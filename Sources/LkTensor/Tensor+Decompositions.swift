import CBLAS

// Dense decompositions on LAPACKE: inv, solve, chol, qr, svd, eigh, det.
//
// lk stores matrices row-major; LAPACK works column-major. A row-major m×n buffer
// *is* the column-major n×m matrix Aᵀ, so each routine below is called on Aᵀ in
// place and the result is read back through the same identity. This avoids the
// two full transposes LAPACKE's row-major wrappers make; each routine notes the algebra.
//
// Every failure becomes a `TensorError` naming the built-in. Input containing NaN or
// infinity is refused with a clear message (LAPACK's behaviour on it is undefined),
// except by `determinant`, which returns NaN as NumPy does.

extension Tensor {
    /// The inverse `A⁻¹` of a square matrix, by LU with partial pivoting (`dgetrf` + `dgetrs` on I).
    ///
    /// Called on the column-major view `Aᵀ`, LAPACK returns `(Aᵀ)⁻¹ = (A⁻¹)ᵀ` column-major,
    /// which is `A⁻¹` row-major. An exactly zero pivot is "inv: matrix is singular"; a
    /// nearly singular matrix gives large entries, as in NumPy. A 0×0 matrix is its own inverse.
    public func inverse() throws -> Tensor { try inverseAndCondition().inverse }

    /// The inverse and LAPACK's condition estimate of the factorisation (see `Conditioning`).
    public func inverseAndCondition() throws -> (inverse: Tensor, conditioning: Conditioning) {
        let n = try LinalgSupport.squareOrder(self, "inv")
        try LinalgSupport.requireFinite(self, "inv")
        if n == 0 { return (try LinalgSupport.workingCopy(self), Conditioning(rcond: 1)) }
        let f = try LinalgSupport.factorLU(self, "inv")
        if f.singular { throw TensorError("inv: matrix is singular") }
        // Solve A X = I (as NumPy does, with dgesv) rather than invert in place with
        // dgetri, whose update order leaves -0 in exact zeros: inv(diag(2, 4)) printed
        // [[0.5 0.], [-0. 0.25]]. The identity is its own transpose, so the column-major
        // solve of Aᵀ gives (Aᵀ)⁻¹ column-major, which is A⁻¹ row-major.
        let x = try Tensor.eye(n)
        let info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(n), Int32(n), f.lu.pointer, Int32(n),
                                  f.ipiv, x.pointer, Int32(n))
        try LinalgSupport.check(info, "inv", positive: "matrix is singular")
        // A = Â E: A⁻¹ = E⁻¹ Â⁻¹, row i divided by 2^e_i.
        if let e = f.columnExponents { LinalgSupport.divideRows(x, byPowersOfTwo: e) }
        return (x, Conditioning(rcond: f.reciprocalCondition()))
    }

    /// The solution `x` of `A x = b` for a square `A` (n×n) and `b` either a vector `(n,)`
    /// (result `(n,)`) or a matrix `(n,k)` of right-hand sides (result `(n,k)`).
    ///
    /// LU with partial pivoting: `dgetrf` factors the column-major view `Aᵀ`, then `dgetrs`
    /// with `trans = 'T'` solves `(Aᵀ)ᵀ X = A X = B` (`dgesv` would solve with `Aᵀ`). A
    /// matrix `b` is transposed into column-major order and back (O(nk), negligible).
    public static func solve(_ a: Tensor, _ b: Tensor) throws -> Tensor { try solveAndCondition(a, b).x }

    /// The solution and LAPACK's condition estimate of `A` (see `Conditioning`).
    public static func solveAndCondition(_ a: Tensor, _ b: Tensor) throws -> (x: Tensor, conditioning: Conditioning) {
        guard a.rank == 2, a.shape[0] == a.shape[1] else {
            throw TensorError("solve: A must be a square matrix, got \(shapeString(a.shape))")
        }
        let n = a.shape[0]
        try LinalgSupport.requireBLASSize("solve", [a.count, b.count])
        guard b.rank == 1 || b.rank == 2 else {
            throw TensorError("solve: b must be a vector or a matrix, got \(shapeString(b.shape))")
        }
        guard b.shape[0] == n else { throw TensorError("solve: b has \(b.shape[0]) rows but A is \(n)×\(n)") }
        try LinalgSupport.requireFinite(a, "solve")
        try LinalgSupport.requireFinite(b, "solve")
        let k = b.rank == 1 ? 1 : b.shape[1]
        let x = try Tensor(uninitializedShape: b.shape)
        if x.count == 0 { return (x, Conditioning(rcond: 1)) }
        let f = try LinalgSupport.factorLU(a, "solve")
        if f.singular { throw TensorError("solve: matrix is singular") }
        let rhs = b
        let info: Int32
        if k == 1 {
            x.pointer.update(from: rhs.pointer, count: n)
            info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "T")), Int32(n), 1, f.lu.pointer, Int32(n),
                                  f.ipiv, x.pointer, Int32(n))
        } else {
            let cm = try Tensor(uninitializedShape: [k, n])
            LinalgSupport.transpose(rhs.pointer, rows: n, cols: k, into: cm.pointer)
            info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "T")), Int32(n), Int32(k), f.lu.pointer, Int32(n),
                                  f.ipiv, cm.pointer, Int32(n))
            LinalgSupport.transpose(cm.pointer, rows: k, cols: n, into: x.pointer)
        }
        try LinalgSupport.check(info, "solve", positive: "matrix is singular")
        // A = Â E: A x = b is Â (E x) = b, so x = E⁻¹ z, row i divided by 2^e_i.
        if let e = f.columnExponents { LinalgSupport.divideRows(x, byPowersOfTwo: e) }
        return (x, Conditioning(rcond: f.reciprocalCondition()))
    }

    /// The Cholesky factor: lower-triangular `L` with positive diagonal and `A = L Lᵀ`,
    /// for a symmetric positive-definite `A`; the strictly upper part of `L` is zero.
    ///
    /// Only the lower triangle of `A` is read (after a symmetry check with the tolerance of
    /// `eigh`). `dpotrf` with `uplo = 'U'` on the column-major view factors `A = UᵀU` from
    /// its upper triangle, which is our lower one; `U` column-major is `L = Uᵀ` row-major.
    /// Failure at step k is "chol: matrix is not positive definite (leading minor k, pivot p)",
    /// with p = a_kk − Σⱼ l_kj² ≤ 0 (or NaN) the pivot that has no real square root.
    public func cholesky() throws -> Tensor {
        let n = try LinalgSupport.squareOrder(self, "chol")
        try LinalgSupport.requireFinite(self, "chol")
        try LinalgSupport.requireSymmetric(self, "chol")
        let l = try LinalgSupport.workingCopy(self)
        if n == 0 { return l }
        let info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), l.pointer, Int32(n))
        if info > 0 {
            let k = Int(info)
            throw TensorError("chol: matrix is not positive definite (leading minor \(k), pivot \(formatNumber(try LinalgSupport.choleskyPivot(self, k))))")
        }
        try LinalgSupport.check(info, "chol", positive: "")
        for i in 0..<n { for j in (i + 1)..<n { l.pointer[i * n + j] = 0 } }
        return l
    }

    /// The thin (reduced) QR decomposition `A = Q R` of an m×n matrix, with `k = min(m, n)`:
    /// `Q` is m×k with orthonormal columns (`QᵀQ = I`), `R` is k×n upper triangular.
    ///
    /// Householder reflections, signs as LAPACK (so as NumPy: the diagonal of `R` may be
    /// negative). The QR of `A` is the LQ of the column-major view `Aᵀ`: `dgelqf` gives
    /// `Aᵀ = L Q̃`, so `Q = Q̃ᵀ` and `R = Lᵀ`; in row-major terms `R` is the first k rows of
    /// the factored buffer and `Q` (from `dorglq`) its first k columns.
    public func qr() throws -> (q: Tensor, r: Tensor) {
        let (m, n) = try LinalgSupport.matrixShape(self, "qr")
        try LinalgSupport.requireFinite(self, "qr")
        let k = Swift.min(m, n)
        let work = try LinalgSupport.workingCopy(self)
        if k == 0 { return (try Tensor(shape: [m, 0]), try Tensor(shape: [0, n])) }
        var tau = [Double](repeating: 0, count: k)
        var info = LAPACKE_dgelqf(LAPACK_COL_MAJOR, Int32(n), Int32(m), work.pointer, Int32(n), &tau)
        try LinalgSupport.check(info, "qr", positive: "factorization failed")
        let r = try Tensor.build(shape: [k, n]) { p, _ in
            for i in 0..<k {
                for j in 0..<n { p[i * n + j] = j < i ? 0 : work.pointer[i * n + j] }
            }
        }
        info = LAPACKE_dorglq(LAPACK_COL_MAJOR, Int32(k), Int32(m), Int32(k), work.pointer, Int32(n), tau)
        try LinalgSupport.check(info, "qr", positive: "factorization failed")
        if k == n { return (work, r) }
        let q = try Tensor.build(shape: [m, k]) { p, _ in
            for i in 0..<m { (p + i * k).update(from: work.pointer + i * n, count: k) }
        }
        return (q, r)
    }

    /// The thin singular value decomposition `A = U diag(S) Vᵀ` of an m×n matrix, with
    /// `k = min(m, n)`: `U` m×k and `V` n×k with orthonormal columns, `S` `(k,)` descending
    /// and non-negative. Note the result holds `V`, not `Vᵀ` (lk's `svd(A).V`).
    ///
    /// Divide and conquer (`dgesdd`, `jobz = 'S'`), falling back to `dgesvd` if it does not
    /// converge; if neither does, "svd: did not converge". On the column-major view,
    /// `Aᵀ = U' S V'ᵀ`, so `U = V'` (LAPACK's `vt` buffer, read row-major) and `V = U'`.
    /// Signs of singular-vector pairs are LAPACK's.
    public func svd() throws -> (u: Tensor, s: Tensor, v: Tensor) {
        let (m, n) = try LinalgSupport.matrixShape(self, "svd")
        try LinalgSupport.requireFinite(self, "svd")
        let k = Swift.min(m, n)
        if k == 0 { return (try Tensor(shape: [m, 0]), try Tensor(shape: [0]), try Tensor(shape: [n, 0])) }
        var work = try LinalgSupport.workingCopy(self)
        let s = try Tensor(uninitializedShape: [k])
        let u = try Tensor(uninitializedShape: [m, k])       // = vt of Aᵀ, k×m column-major
        let vcm = try Tensor(uninitializedShape: [k, n])     // = u of Aᵀ, n×k column-major
        var info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "S")), Int32(n), Int32(m), work.pointer, Int32(n),
                                  s.pointer, vcm.pointer, Int32(n), u.pointer, Int32(k))
        if info > 0 {
            work = try LinalgSupport.workingCopy(self)
            var superb = [Double](repeating: 0, count: Swift.max(k - 1, 1))
            info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "S")), Int8(UInt8(ascii: "S")), Int32(n), Int32(m),
                                  work.pointer, Int32(n), s.pointer, vcm.pointer, Int32(n), u.pointer, Int32(k), &superb)
        }
        try LinalgSupport.check(info, "svd", positive: "did not converge")
        let v = try Tensor.build(shape: [n, k]) { p, _ in
            LinalgSupport.transpose(vcm.pointer, rows: k, cols: n, into: p)
        }
        return (u, s, v)
    }

    /// Eigenvalues and eigenvectors of a real symmetric matrix: `A vᵢ = λᵢ vᵢ` with the
    /// values ascending and the vectors as the orthonormal columns of `vectors`
    /// (`A = V diag(λ) Vᵀ`), by divide and conquer (`dsyevd`).
    ///
    /// Only the lower triangle is used, but a matrix that is not symmetric within
    /// `|Aᵢⱼ − Aⱼᵢ| ≤ 1e-8 · maxₖₗ|Aₖₗ|` is an error naming the worst pair, so a
    /// non-symmetric matrix is never silently treated as its lower triangle.
    public func eigh() throws -> (values: Tensor, vectors: Tensor) {
        let n = try LinalgSupport.squareOrder(self, "eigh")
        try LinalgSupport.requireFinite(self, "eigh")
        try LinalgSupport.requireSymmetric(self, "eigh")
        let work = try LinalgSupport.workingCopy(self)
        let w = try Tensor(uninitializedShape: [n])
        if n == 0 { return (w, work) }
        // Lower triangle row-major = upper triangle of the column-major view.
        let info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), Int32(n),
                                  work.pointer, Int32(n), w.pointer)
        try LinalgSupport.check(info, "eigh", positive: "did not converge")
        // Column j of the column-major result is eigenvector j; transpose into row-major.
        let vectors = try Tensor.build(shape: [n, n]) { p, _ in
            LinalgSupport.transpose(work.pointer, rows: n, cols: n, into: p)
        }
        return (w, vectors)
    }

    /// The determinant, as the product of the diagonal of `U` from `P A = L U` (`dgetrf`)
    /// times `(−1)^(number of row swaps)`. An exactly singular matrix gives 0 (not an
    /// error), NaN or infinity in the input gives NaN, and a 0×0 matrix gives 1, as in
    /// NumPy. The product may overflow to ±infinity for large matrices.
    public func determinant() throws -> Double { try determinantAndOverflow().value }

    /// The determinant, and whether it overflowed (±inf) or underflowed (0) although the
    /// matrix is finite and not singular: then `slogdet` has the answer.
    public func determinantAndOverflow() throws -> (value: Double, overflow: Bool) {
        let n = try LinalgSupport.squareOrder(self, "det")
        if n == 0 { return (1, false) }
        for i in 0..<count where !pointer[i].isFinite { return (.nan, false) }
        // det(Aᵀ) = det(A), so the column-major view needs no care.
        return try LinalgSupport.factorLU(self, "det").determinant()
    }

    /// The sign and the natural logarithm of the absolute value of the determinant (NumPy's
    /// `slogdet`): det A = sign·exp(logabsdet), without forming the product, so it neither
    /// overflows nor underflows. A singular matrix gives sign 0 and logabsdet −inf; NaN or
    /// infinity in the input gives NaN for both; a 0×0 matrix gives (1, 0).
    public func signAndLogDeterminant() throws -> (sign: Double, logAbs: Double) {
        let n = try LinalgSupport.squareOrder(self, "slogdet")
        if n == 0 { return (1, 0) }
        for i in 0..<count where !pointer[i].isFinite { return (.nan, .nan) }
        return try LinalgSupport.factorLU(self, "slogdet").logDeterminant()
    }
}

extension Tensor {
    /// The least-squares solution of `A x ≈ b`: the `x` minimising `‖A x − b‖₂`, and among
    /// those the one of least `‖x‖₂` (so under-determined and rank-deficient systems are
    /// fine). `A` is m×n, `b` is `(m,)` or `(m,k)`, `x` is `(n,)` or `(n,k)`.
    ///
    /// SVD-based (`dgelsd`): singular values `sᵢ ≤ rcond · s_max` are treated as zero, with
    /// NumPy's default `rcond = ε · max(m, n)`. Returns `x`, the effective rank and all
    /// singular values of `A` (descending).
    public static func lstsq(_ a: Tensor, _ b: Tensor, rcond: Double? = nil) throws -> (x: Tensor, rank: Int, s: Tensor) {
        let (m, n) = try LinalgSupport.matrixShape(a, "lstsq")
        guard b.rank == 1 || b.rank == 2 else {
            throw TensorError("lstsq: b must be a vector or a matrix, got \(shapeString(b.shape))")
        }
        guard b.shape[0] == m else { throw TensorError("lstsq: b has \(b.shape[0]) rows but A is \(m)×\(n)") }
        try LinalgSupport.requireFinite(a, "lstsq")
        try LinalgSupport.requireFinite(b, "lstsq")
        let k = b.rank == 1 ? 1 : b.shape[1]
        let xShape = b.rank == 1 ? [n] : [n, k]
        let s = try Tensor(uninitializedShape: [Swift.min(m, n)])
        if m == 0 || n == 0 || k == 0 { return (try Tensor(shape: xShape), 0, s) }
        let rows = Swift.max(m, n)
        try LinalgSupport.requireBLASSize("lstsq", [rows * k])
        // Row-major LAPACKE: it transposes internally, which is cheap next to the SVD.
        let work = try LinalgSupport.workingCopy(a)
        let rhs = try Tensor(shape: [rows, k])
        rhs.pointer.update(from: b.pointer, count: m * k)
        var rank: Int32 = 0
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(k), work.pointer, Int32(n),
                                  rhs.pointer, Int32(k), s.pointer, rcond ?? Double.ulpOfOne * Double(rows), &rank)
        try LinalgSupport.check(info, "lstsq", positive: "did not converge")
        let x = try Tensor.build(shape: xShape) { p, c in p.update(from: rhs.pointer, count: c) }
        return (x, Int(rank), s)
    }
}

extension LinalgSupport {
    /// Turns a LAPACK `info` into an error: positive values are the routine's documented
    /// numerical failure (`positive`), negative ones an illegal argument, which is a bug in lk.
    static func check(_ info: Int32, _ name: String, positive: String) throws {
        if info > 0 { throw TensorError("\(name): \(positive)") }
        if info < 0 { throw TensorError("\(name): internal error (LAPACK rejected argument \(-info))") }
    }

    /// Refuses a matrix that is not symmetric within `1e-8 · max|A|`.
    static func requireSymmetric(_ t: Tensor, _ name: String) throws {
        let n = t.shape[0]
        let s = t.asymmetry()
        if s.worst > 1e-8 * s.largest {
            let (i, j) = t.firstPair(differingBy: s.worst)
            throw TensorError("\(name): matrix is not symmetric (A[\(i),\(j)] = \(formatNumber(t.pointer[i * n + j])) but A[\(j),\(i)] = \(formatNumber(t.pointer[j * n + i])))")
        }
    }
}
