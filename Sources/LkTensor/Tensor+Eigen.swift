import CBLAS

// NumPy's `linalg.eig` for a general (non-symmetric) real matrix, on LAPACK's `dgeev`.

extension Tensor {
    /// The eigenvalues and right eigenvectors of a real square matrix, `A vⱼ = λⱼ vⱼ`, as
    /// NumPy's `eig`, in lk's complex convention (trailing axis of 2: real, imaginary):
    /// `values` is n×2 and `vectors` n×n×2, column `j` (`vectors[:, j, :]`) belonging to
    /// `values[j]`. The trailing axis is there even when every eigenvalue is real, so the
    /// shapes never depend on the data.
    ///
    /// `dgeev` (Hessenberg QR) with `jobvr = 'V'`: the order is LAPACK's (so NumPy's), complex
    /// eigenvalues come in adjacent conjugate pairs (positive imaginary part first), and each
    /// vector has unit 2-norm with its largest component real, exactly as LAPACK (and so NumPy)
    /// returns them. The matrix is transposed into column-major order first, because the
    /// row-major buffer read column-major is `Aᵀ`, whose right eigenvectors differ from `A`'s.
    public func eig() throws -> (values: Tensor, vectors: Tensor) {
        let n = try LinalgSupport.squareOrder(self, "eig")
        try LinalgSupport.requireFinite(self, "eig")
        let values = try Tensor(uninitializedShape: [n, 2])
        let vectors = try Tensor(uninitializedShape: [n, n, 2])
        if n == 0 { return (values, vectors) }
        let cm = try Tensor(uninitializedShape: [n, n])
        LinalgSupport.transpose(pointer, rows: n, cols: n, into: cm.pointer)
        var wr = [Double](repeating: 0, count: n), wi = [Double](repeating: 0, count: n)
        let vr = try Tensor(uninitializedShape: [n, n])   // column-major: column j at vr[j*n ..< (j+1)*n]
        var vl = [Double](repeating: 0, count: 1)
        let info = LAPACKE_dgeev(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "V")), Int32(n),
                                 cm.pointer, Int32(n), &wr, &wi, &vl, 1, vr.pointer, Int32(n))
        try LinalgSupport.check(info, "eig", positive: "the QR algorithm did not converge (\(info) eigenvalues not found)")
        let v = vectors.pointer, col = vr.pointer
        var j = 0
        while j < n {
            values.pointer[2 * j] = wr[j]
            values.pointer[2 * j + 1] = wi[j]
            if wi[j] == 0 || j == n - 1 {
                for i in 0..<n { v[(i * n + j) * 2] = col[j * n + i]; v[(i * n + j) * 2 + 1] = 0 }
                j += 1
            } else {
                // A conjugate pair: v_j = col_j + i col_{j+1}, v_{j+1} = conj(v_j).
                values.pointer[2 * (j + 1)] = wr[j + 1]
                values.pointer[2 * (j + 1) + 1] = wi[j + 1]
                for i in 0..<n {
                    let re = col[j * n + i], im = col[(j + 1) * n + i]
                    v[(i * n + j) * 2] = re; v[(i * n + j) * 2 + 1] = im
                    v[(i * n + j + 1) * 2] = re; v[(i * n + j + 1) * 2 + 1] = -im
                }
                j += 2
            }
        }
        return (values, vectors)
    }
}
