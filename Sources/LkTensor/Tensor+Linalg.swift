import CBLAS

// Matrix products on OpenBLAS: matmul (NumPy semantics, batched), dot, outer, trace.
//
// Row-major layout throughout. BLAS is always called with `CblasRowMajor`, and a
// transpose requested by the caller becomes `CblasTrans`, never a copy.

extension Tensor {
    /// The matrix product `a @ b` with NumPy's `matmul` semantics.
    ///
    /// - vector @ vector (both `(k,)`) → rank-0 tensor `Σᵢ aᵢ bᵢ` (`cblas_ddot`);
    /// - matrix `(m,k)` @ vector `(k,)` → `(m,)`; vector `(k,)` @ matrix `(k,n)` → `(n,)` (`cblas_dgemv`);
    /// - matrix `(m,k)` @ matrix `(k,n)` → `(m,n)`, `Cᵢⱼ = Σₗ Aᵢₗ Bₗⱼ` (`cblas_dgemm`);
    /// - rank ≥ 3: the last two axes are the matrices and the leading (batch) axes broadcast
    ///   by NumPy's rules; a vector operand is promoted to a row (left) or column (right)
    ///   matrix and that axis is removed from the result. One `dgemm` per batch entry; when
    ///   only `a` is batched (and not transposed) the batch is folded into a single `dgemm`.
    ///   A product too big for one call to answer Ctrl-C promptly runs as panels (`Panels`).
    ///
    /// `transA`/`transB` swap the last two axes of `a`/`b` (a vector is its own transpose)
    /// by passing `CblasTrans`, so `matmul(x, w, transB: true)` computes `x @ w.T` without
    /// copying `w`. Shapes in errors are the operands as the user sees them, after the
    /// transpose: `shape mismatch: (3,4) @ (5,2)`. Rank-0 operands are an error, as in NumPy.
    /// A zero-length inner axis gives zeros.
    public static func matmul(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false) throws -> Tensor {
        guard a.rank >= 1, b.rank >= 1 else {
            throw TensorError("matmul: operands must have at least one axis, got \(shapeString(a.shape)) @ \(shapeString(b.shape)) (use * to scale)")
        }
        let ta = transA && a.rank >= 2, tb = transB && b.rank >= 2
        let sa = LinalgSupport.swapLastTwo(a.shape, ta), sb = LinalgSupport.swapLastTwo(b.shape, tb)
        // Built only when thrown: matmul is on every training step's hot path.
        func mismatch() -> TensorError { TensorError("shape mismatch: \(shapeString(sa)) @ \(shapeString(sb))") }
        if a.rank == 1 && b.rank == 1 {
            guard a.count == b.count else { throw mismatch() }
            return Tensor(scalar: LinalgSupport.ddot(a.count, a.pointer, b.pointer))
        }
        // Matrix views: m×k (as seen) with the physical leading dimension of the stored operand.
        let m = a.rank == 1 ? 1 : sa[sa.count - 2]
        let k = sa[sa.count - 1]
        let kb = b.rank == 1 ? sb[0] : sb[sb.count - 2]
        let n = b.rank == 1 ? 1 : sb[sb.count - 1]
        guard k == kb else { throw mismatch() }
        let batchA = Array(sa.dropLast(a.rank == 1 ? 1 : 2))
        let batchB = Array(sb.dropLast(b.rank == 1 ? 1 : 2))
        guard let batch = LinalgSupport.broadcastShapes(batchA, batchB) else { throw mismatch() }
        try LinalgSupport.requireBLASSize("matmul", a.shape + b.shape)
        var outShape = batch
        if a.rank >= 2 { outShape.append(m) }
        if b.rank >= 2 { outShape.append(n) }
        let c = try Tensor(uninitializedShape: outShape)
        if c.count == 0 { return c }
        if k == 0 { c.pointer.initialize(repeating: 0, count: c.count); return c }

        let lda = a.rank == 1 ? k : a.shape[a.rank - 1]      // stored row length of a's matrices
        let ldb = b.rank == 1 ? n : b.shape[b.rank - 1]
        let opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans
        if batch.isEmpty && a.rank == 2 && b.rank == 1 {
            // y = op(A) x: dgemv on the stored matrix.
            let (rows, cols) = (a.shape[0], a.shape[1])
            cblas_dgemv(CblasRowMajor, opA, Int32(rows), Int32(cols), 1, a.pointer, Int32(max(cols, 1)),
                        b.pointer, 1, 0, c.pointer, 1)
            return c
        }
        if batch.isEmpty && a.rank == 1 && b.rank == 2 {
            // yᵀ = xᵀ op(B), i.e. y = op(B)ᵀ x.
            let (rows, cols) = (b.shape[0], b.shape[1])
            cblas_dgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, Int32(rows), Int32(cols), 1, b.pointer,
                        Int32(max(cols, 1)), a.pointer, 1, 0, c.pointer, 1)
            return c
        }
        if batchB.isEmpty && !ta && a.rank >= 2 && a.count / max(k, 1) <= Int(Int32.max) {
            // Only a is batched and stored as rows: (batch·m)×k @ k×n is one dgemm.
            let rows = a.count / max(k, 1)
            try Panels.dgemm(CblasNoTrans, opB, m: rows, n: n, k: k, a.pointer, lda: lda, b.pointer, ldb: ldb, c.pointer, ldc: n)
            return c
        }
        // General case: one dgemm per batch index; broadcast axes have stride 0.
        let strideA = LinalgSupport.broadcastStrides(batchA, to: batch, matrixSize: m * k)
        let strideB = LinalgSupport.broadcastStrides(batchB, to: batch, matrixSize: k * n)
        var index = [Int](repeating: 0, count: batch.count)
        let total = batch.reduce(1, *)
        for entry in 0..<total {
            var offA = 0, offB = 0
            for d in 0..<batch.count { offA += index[d] * strideA[d]; offB += index[d] * strideB[d] }
            try Panels.dgemm(opA, opB, m: m, n: n, k: k, a.pointer + offA, lda: lda, b.pointer + offB, ldb: ldb,
                             c.pointer + entry * m * n, ldc: n)
            LinalgSupport.increment(&index, within: batch)
        }
        return c
    }

    /// `A x` for a symmetric n×n matrix A, reading only its upper triangle
    /// (`cblas_dsymv`): half the memory traffic of `matmul`, which is what bounds a
    /// matrix-vector product. The caller vouches for the symmetry (CG checks it once).
    public static func symmetricMatVec(_ a: Tensor, _ x: Tensor) throws -> Tensor {
        guard a.rank == 2, a.shape[0] == a.shape[1] else {
            throw TensorError("symv: expected a square matrix, got \(shapeString(a.shape))")
        }
        let n = a.shape[0]
        guard x.count == n else { throw TensorError("shape mismatch: \(shapeString(a.shape)) @ \(shapeString(x.shape))") }
        try LinalgSupport.requireBLASSize("symv", [n])
        let y = try Tensor(uninitializedShape: [n])
        if n > 0 {
            cblas_dsymv(CblasRowMajor, CblasUpper, Int32(n), 1, a.pointer, Int32(n), x.pointer, 1, 0, y.pointer, 1)
        }
        return y
    }

    /// The inner product `Σᵢ aᵢ bᵢ` of two vectors of the same length (`cblas_ddot`).
    /// Empty vectors give 0.
    public static func dot(_ a: Tensor, _ b: Tensor) throws -> Double {
        guard a.rank == 1, b.rank == 1 else {
            throw TensorError("dot: expected two vectors, got \(shapeString(a.shape)) and \(shapeString(b.shape)) (use @ for matrices)")
        }
        guard a.count == b.count else {
            throw TensorError("dot: vectors have different lengths, \(shapeString(a.shape)) and \(shapeString(b.shape))")
        }
        try LinalgSupport.requireBLASSize("dot", a.shape)
        return LinalgSupport.ddot(a.count, a.pointer, b.pointer)
    }

    /// The outer product of the flattened inputs: an `(m,n)` matrix with `Cᵢⱼ = aᵢ bⱼ`,
    /// where `m = a.count`, `n = b.count` (NumPy's `outer`). Each entry is one exact product.
    public static func outer(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let m = a.count, n = b.count
        return try Tensor.build(shape: [m, n]) { out, _ in
            for i in 0..<m {
                let ai = a.pointer[i]
                let row = out + i * n
                for j in 0..<n { row[j] = ai * b.pointer[j] }
            }
        }
    }

    /// The sum of the main diagonal, `Σᵢ Aᵢᵢ` for `i < min(m, n)`; rectangular matrices are
    /// fine (NumPy's `trace`), an empty matrix gives 0.
    public func trace() throws -> Double {
        guard rank == 2 else { throw TensorError("trace: expected a matrix, got \(shapeString(shape))") }
        var s = 0.0
        for i in 0..<Swift.min(shape[0], shape[1]) { s += pointer[i * shape[1] + i] }
        return s
    }
}

/// Small private kernels shared by the linear-algebra files (namespaced so they
/// cannot collide with the elementwise layer).
enum LinalgSupport {
    static func ddot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        n == 0 ? 0 : cblas_ddot(Int32(n), x, 1, y, 1)
    }

    /// OpenBLAS and LAPACKE here take 32-bit sizes; a larger axis would trap in `Int32(_:)`.
    static func requireBLASSize(_ name: String, _ sizes: [Int]) throws {
        if let big = sizes.first(where: { $0 > Int(Int32.max) }) {
            throw TensorError("\(name): size \(big) exceeds the 32-bit limit of BLAS/LAPACK (\(Int32.max))")
        }
    }

    static func swapLastTwo(_ shape: [Int], _ swap: Bool) -> [Int] {
        guard swap, shape.count >= 2 else { return shape }
        var s = shape
        s.swapAt(s.count - 1, s.count - 2)
        return s
    }

    /// NumPy broadcasting of two shapes, or nil when they are incompatible.
    static func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            if x != y && x != 1 && y != 1 { return nil }
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// Element strides of an operand's batch axes over the broadcast batch shape
    /// (0 where the operand is broadcast), in units of whole matrices of `matrixSize`.
    static func broadcastStrides(_ shape: [Int], to batch: [Int], matrixSize: Int) -> [Int] {
        var strides = [Int](repeating: 0, count: batch.count)
        var acc = matrixSize
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let d = i + batch.count - shape.count
            strides[d] = shape[i] == 1 ? 0 : acc
            acc *= shape[i]
        }
        return strides
    }

    /// Advances a row-major multi-index.
    static func increment(_ index: inout [Int], within shape: [Int]) {
        var d = shape.count - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < shape[d] { return }
            index[d] = 0
            d -= 1
        }
    }

    /// `dst` (cols×rows) = transpose of the row-major rows×cols matrix `src`.
    static func transpose(_ src: UnsafePointer<Double>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Double>) {
        // Blocked so that both sides stay in cache for large matrices.
        let block = 32
        for i0 in stride(from: 0, to: rows, by: block) {
            for j0 in stride(from: 0, to: cols, by: block) {
                for i in i0..<Swift.min(i0 + block, rows) {
                    for j in j0..<Swift.min(j0 + block, cols) { dst[j * rows + i] = src[i * cols + j] }
                }
            }
        }
    }

    /// A throwing check that `t` is a matrix; returns (rows, cols).
    static func matrixShape(_ t: Tensor, _ name: String) throws -> (Int, Int) {
        guard t.rank == 2 else {
            throw TensorError("\(name): expected a matrix, got \(t.rank == 0 ? "a number" : "shape \(shapeString(t.shape))")")
        }
        try requireBLASSize(name, [t.count])
        return (t.shape[0], t.shape[1])
    }

    /// A throwing check that `t` is a square matrix; returns its order.
    static func squareOrder(_ t: Tensor, _ name: String) throws -> Int {
        let (m, n) = try matrixShape(t, name)
        guard m == n else { throw TensorError("\(name): expected a square matrix, got \(shapeString(t.shape))") }
        return n
    }

    /// LAPACK loops forever or returns garbage on NaN/Inf input; refuse it up front.
    static func requireFinite(_ t: Tensor, _ name: String) throws {
        for i in 0..<t.count where !t.pointer[i].isFinite {
            throw TensorError("\(name): matrix contains NaN or infinity")
        }
    }

    /// A fresh, uniquely owned copy of `t` that LAPACK may overwrite.
    static func workingCopy(_ t: Tensor) throws -> Tensor {
        try Tensor.build(shape: t.shape) { p, n in p.update(from: t.pointer, count: n) }
    }
}
