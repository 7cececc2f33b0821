import CBLAS

// NumPy's `linalg.lstsq` (all four results) and `linalg.pinv`, on LAPACK's SVD routines.

/// The four results of NumPy's `lstsq`.
public struct LeastSquaresResult: Sendable {
    /// The minimum-norm least-squares solution, `(n,)` or `(n,k)`.
    public var x: Tensor
    /// The squared residual `‖b − A x‖²` of each column of `b` (`(k,)`, or `(1,)` for a vector
    /// `b`, as NumPy), present only when `rank == n` and `m > n`; otherwise `(0,)`.
    public var residuals: Tensor
    /// The effective rank: how many singular values exceed `rcond · s_max`.
    public var rank: Int
    /// All `min(m, n)` singular values of `A`, descending.
    public var singularValues: Tensor
}

extension Tensor {
    /// NumPy 2.x `lstsq(A, b, rcond=None)`: the `x` minimising `‖A x − b‖₂` and among those the
    /// one of least `‖x‖₂`, through `dgelsd` (SVD, divide and conquer). Singular values
    /// `sᵢ ≤ rcond · s_max` count as zero; `rcond = nil` is NumPy's default `ε · max(m, n)`
    /// (a negative `rcond` means machine precision, as LAPACK). `A` is m×n; `b` is `(m,)`
    /// or `(m,k)`. Empty matrices follow NumPy: `m = 0` gives `x = 0` and rank 0; `n = 0`
    /// gives `x` of shape `(0,…)` and residuals `Σ b²` per column.
    public static func leastSquares(_ a: Tensor, _ b: Tensor, rcond: Double? = nil) throws -> LeastSquaresResult {
        let (m, n) = try LinalgSupport.matrixShape(a, "lstsq")
        guard b.rank == 1 || b.rank == 2 else {
            throw TensorError("lstsq: b must be a vector or a matrix, got \(b.rank == 0 ? "a number" : "shape \(shapeString(b.shape))")")
        }
        guard b.shape[0] == m else { throw TensorError("lstsq: b has \(b.shape[0]) rows but A has \(m)") }
        if let rcond, !rcond.isFinite { throw TensorError("lstsq: rcond must be finite, got \(formatNumber(rcond))") }
        try LinalgSupport.requireFinite(a, "lstsq")
        for i in 0..<b.count where !b.pointer[i].isFinite { throw TensorError("lstsq: b contains NaN or infinity") }
        let k = b.rank == 1 ? 1 : b.shape[1]
        let xShape = b.rank == 1 ? [n] : [n, k]
        let rows = Swift.max(m, n)
        try LinalgSupport.requireBLASSize("lstsq", [rows * Swift.max(k, 1), a.count])
        let s = try Tensor(uninitializedShape: [Swift.min(m, n)])
        if m == 0 {
            return LeastSquaresResult(x: try Tensor(shape: xShape), residuals: try Tensor(shape: [0]), rank: 0, singularValues: s)
        }
        if n == 0 {
            // Nothing to fit: x is empty, rank 0 = n < m, and every residual is ‖b‖².
            let res = try Tensor.build(shape: [k]) { p, _ in
                for j in 0..<k {
                    var acc = 0.0
                    for i in 0..<m { let v = b.pointer[i * k + j]; acc += v * v }
                    p[j] = acc
                }
            }
            return LeastSquaresResult(x: try Tensor(shape: xShape), residuals: res, rank: 0, singularValues: s)
        }
        // A zero-column b still has a rank and singular values: solve for one zero column.
        let kk = Swift.max(k, 1)
        let work = try LinalgSupport.workingCopy(a)
        let rhs = try Tensor(shape: [rows, kk])
        if k > 0 { rhs.pointer.update(from: b.pointer, count: m * k) }
        var rank: Int32 = 0
        // Row-major LAPACKE transposes internally, which is cheap next to the SVD.
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(kk), work.pointer, Int32(n),
                                  rhs.pointer, Int32(kk), s.pointer, rcond ?? Double.ulpOfOne * Double(rows), &rank)
        try LinalgSupport.check(info, "lstsq", positive: "SVD did not converge")
        let x = try Tensor.build(shape: xShape) { p, _ in
            for i in 0..<n { for j in 0..<k { p[i * k + j] = rhs.pointer[i * kk + j] } }
        }
        // dgelsd leaves the residual components of each column in rows n..<m when A has full
        // column rank; NumPy reports their squared sums only then.
        var residuals = try Tensor(shape: [0])
        if Int(rank) == n && m > n {
            residuals = try Tensor.build(shape: [k]) { p, _ in
                for j in 0..<k {
                    var acc = 0.0
                    for i in n..<m { let v = rhs.pointer[i * kk + j]; acc += v * v }
                    p[j] = acc
                }
            }
        }
        return LeastSquaresResult(x: x, residuals: residuals, rank: Int(rank), singularValues: s)
    }

    /// NumPy 2.x `pinv(A, rcond=1e-15)`: the Moore–Penrose pseudo-inverse `A⁺ = V diag(1/sᵢ) Uᵀ`
    /// (n×m for an m×n `A`) from the thin SVD (`dgesdd`), where singular values
    /// `sᵢ ≤ rcond · s_max` are treated as zero (their `1/sᵢ` replaced by 0). NumPy's default
    /// cutoff is `rcond = 1e-15`; its `rtol=None` means `max(m, n) · ε`. An empty matrix gives
    /// the empty n×m matrix.
    public func pseudoInverse(rcond: Double = 1e-15) throws -> Tensor {
        let (m, n) = try LinalgSupport.matrixShape(self, "pinv")
        guard rcond.isFinite else { throw TensorError("pinv: rcond must be finite, got \(formatNumber(rcond))") }
        if m == 0 || n == 0 { return try Tensor(shape: [n, m]) }
        try LinalgSupport.requireFinite(self, "pinv")
        let (u, s, v) = try svd()
        let k = s.count
        let cutoff = rcond * s.pointer[0]
        // V diag(1/s): scale column j of V by 1/sⱼ (0 below the cutoff), then one dgemm with Uᵀ.
        let vs = try Tensor.build(shape: [n, k]) { p, _ in
            for j in 0..<k {
                let sj = s.pointer[j]
                let inv = sj > cutoff ? 1 / sj : 0
                for i in 0..<n { p[i * k + j] = v.pointer[i * k + j] * inv }
            }
        }
        return try Tensor.matmul(vs, u, transB: true)
    }
}
