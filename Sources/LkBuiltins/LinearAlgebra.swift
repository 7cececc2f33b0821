import LkLang
import LkTensor

extension BuiltinTable {
    static let linearAlgebra: [Builtin] = [
        def("dot(a, b)", "The inner product Σ aᵢbᵢ of two vectors of the same length (BLAS ddot).", differentiation: .rule { a in
            try Differentiable.reduce(.sum, try Differentiable.mul(a.positional[0], a.positional[1]), axis: nil, keepdims: false)
        }) { a in
            return .number(try Tensor.dot(try a.tensor(0, "a"), try a.tensor(1, "b")))
        },
        def("outer(a, b)", "The outer product: the matrix with entries aᵢbⱼ (inputs are flattened).", differentiation: .rule { a in
            let x = try Differentiable.reshape(a.positional[0], [-1, 1]), y = try Differentiable.reshape(a.positional[1], [1, -1])
            return try Differentiable.mul(x, y)
        }) { a in
            return wrap(try Tensor.outer(try a.tensor(0, "a"), try a.tensor(1, "b")))
        },
        def("matmul(a, b)", "The matrix product a @ b (BLAS dgemm/dgemv), with NumPy's rules for vectors and stacks of matrices.", differentiation: .rule { a in try Differentiable.matmul(a.positional[0], a.positional[1]) }) { a in
            return wrap(try Tensor.matmul(try a.tensor(0, "a"), try a.tensor(1, "b")))
        },
        def("inv(A)", "The inverse of a square matrix (LAPACK dgetrf + dgetrs on I); a singular matrix is an error. A nearly singular one prints SciPy's warning with LAPACK's estimate of the reciprocal condition number (dgecon): `inv: warning: ill-conditioned matrix (rcond=1.2e-17): result may not be accurate`, when rcond is below machine epsilon.", differentiation: .rule { a in
            try Differentiable.lift([a.positional[0]], { p in Value.from(try Differentiable.tensor(p[0]).unwrap("A").inverse()) }) { _, y, g, _ in
                // d(A⁻¹) = −A⁻¹ dA A⁻¹, so Ā = −A⁻ᵀ Ḡ A⁻ᵀ.
                let yt = try Differentiable.transpose(y, axes: nil)
                return [try Differentiable.unary(.neg, try Differentiable.matmul(try Differentiable.matmul(yt, g), yt))]
            }
        }) { a in
            let (x, c) = try factorised(try a.matrix(0, "A"), work: 2) { try $0.inverseAndCondition() }
            a.warn(c.warning)
            return wrap(x)
        },
        def("solve(A, b)", "The solution x of A x = b for a square, non-singular A (LAPACK dgetrf + dgetrs); b is a vector or a matrix of right-hand sides. A nearly singular A prints SciPy's warning with the reciprocal condition estimate, as `inv` does.", differentiation: .rule { a in
            try Differentiable.lift([a.positional[0], a.positional[1]], { p in
                Value.from(try Tensor.solve(try Differentiable.tensor(p[0]).unwrap("A"), try Differentiable.tensor(p[1]).unwrap("b")))
            }) { p, x, g, needs in
                // x = A⁻¹b: b̄ = A⁻ᵀ ḡ, Ā = −b̄ xᵀ.
                let at = try Differentiable.transpose(p[0], axes: nil)
                let bbar = try Differentiable.matmul(try invert(at), g)
                var abar: Value? = nil
                if needs[0] {
                    let bb = Differentiable.shape(bbar).count == 1 ? try Differentiable.reshape(bbar, [-1, 1]) : bbar
                    let xx = Differentiable.shape(x).count == 1 ? try Differentiable.reshape(x, [-1, 1]) : x
                    abar = try Differentiable.unary(.neg, try Differentiable.matmul(bb, try Differentiable.transpose(xx, axes: nil)))
                }
                return [abar, needs[1] ? bbar : nil]
            }
        }) { a in
            let b = try a.tensor(1, "b")
            let (x, c) = try factorised(try a.matrix(0, "A"), work: 1) { try Tensor.solveAndCondition($0, b) }
            a.warn(c.warning)
            return wrap(x)
        },
        def("chol(A)", "The lower-triangular Cholesky factor L with A = L @ L.T of a symmetric positive-definite matrix (LAPACK dpotrf); the upper triangle of the result is zero.", differentiation: .rule { a in try cholesky(a.positional[0]) }) { a in
            return wrap(try factorised(try a.matrix(0, "A"), work: 1.0 / 3) { try $0.cholesky() })
        },
        def("qr(A)", "The thin QR decomposition {Q, R} of an m×n matrix: Q is m×k with orthonormal columns, R is k×n upper triangular, k = min(m, n), A = Q @ R (LAPACK dgeqrf + dorgqr).") { a in
            let (q, r) = try factorised(try a.matrix(0, "A"), work: 4) { try $0.qr() }
            return record([("Q", wrap(q)), ("R", wrap(r))])
        },
        def("svd(A)", "The thin singular value decomposition {U, S, V} with A = U @ diag(S) @ V.T, S descending, U m×k and V n×k with orthonormal columns, k = min(m, n) (LAPACK dgesdd).", differentiation: .rule { a in try svd(a.positional[0]) }) { a in
            let (u, s, v) = try factorised(try a.matrix(0, "A"), work: 14) { try $0.svd() }
            return record([("U", wrap(u)), ("S", .tensor(s)), ("V", wrap(v))])
        },
        def("eigh(A)", "Eigenvalues (ascending) and orthonormal eigenvectors (columns) {values, vectors} of a symmetric matrix, so A @ vectors = vectors @ diag(values) (LAPACK dsyevd). A must be symmetric to within 1e-8·max|A| (else an error naming the first pair that differs); LAPACK reads its lower triangle.", differentiation: .rule { a in try eigh(a.positional[0]) }) { a in
            let (w, v) = try factorised(try a.matrix(0, "A"), work: 9) { try $0.eigh() }
            return record([("values", .tensor(w)), ("vectors", wrap(v))])
        },
        def("det(A)", "The determinant of a square matrix, from its LU factorisation; 0 for a singular matrix. A determinant too large or too small for a number (det(1e200·I₃)) is ±inf or 0 with a warning that says so; `slogdet` has it.", differentiation: .rule { a in
            try Differentiable.lift([a.positional[0]], { p in .number(try Differentiable.tensor(p[0]).unwrap("A").determinant()) }) { p, y, g, _ in
                // ∂det/∂A = det(A)·A⁻ᵀ.
                [try Differentiable.mul(try Differentiable.mul(g, y), try Differentiable.transpose(try invert(p[0]), axes: nil))]
            }
        }) { a in
            let (d, overflow) = try factorised(try a.matrix(0, "A"), work: 2.0 / 3) { try $0.determinantAndOverflow() }
            if overflow { a.warn("warning: the determinant \(d == 0 ? "underflows to 0" : "overflows to \(formatNumber(d))"): use slogdet(A)") }
            return .number(d)
        },
        def("slogdet(A)", "The sign and the natural logarithm of the absolute determinant of a square matrix, {sign, logabsdet} with det(A) = sign·exp(logabsdet) (NumPy's `slogdet`), from the LU factorisation without forming the product, so it cannot overflow. A singular matrix gives sign 0 and logabsdet −inf; NaN or inf in A gives nan for both. Under grad, ∂logabsdet/∂A = A⁻ᵀ; the sign is a constant.", differentiation: .rule { a in
            let sign = try plain("slogdet", [a.positional[0]])
            guard case .record(let r) = sign else { throw a.error("slogdet: no result", at: 0) }
            let logabsdet = try Differentiable.lift([a.positional[0]], { p in
                guard case .record(let q) = try plain("slogdet", [p[0]]) else { throw BuiltinError("slogdet: no result") }
                return q["logabsdet"]!
            }) { p, _, g, _ in
                // d log|det A| = tr(A⁻¹ dA), so Ā = ḡ·A⁻ᵀ.
                [try Differentiable.mul(g, try Differentiable.transpose(try invert(p[0]), axes: nil))]
            }
            return record([("sign", r["sign"]!), ("logabsdet", logabsdet)])
        }) { a in
            let (s, l) = try factorised(try a.matrix(0, "A"), work: 2.0 / 3) { try $0.signAndLogDeterminant() }
            return record([("sign", .number(s)), ("logabsdet", .number(l))])
        },
        def("trace(A)", "The sum of the main diagonal of a matrix.", differentiation: .rule { a in try Differentiable.reduce(.sum, try diagonal(a.positional[0]), axis: nil, keepdims: false) }) { a in
            return .number(try a.matrix(0, "A").trace())
        },
        def("diag(x)", "For a vector, the square matrix with x on its diagonal; for a matrix, its main diagonal as a vector.", differentiation: .rule { a in try diagonal(a.positional[0]) }) { a in
            return wrap(try Tensor.diag(try a.tensor(0, "x")))
        },
    ]

    static let statistics: [Builtin] = [
        def("cosine(a, b)", "Cosine similarity a·b / (‖a‖‖b‖) of two vectors; for an N×d and an M×d matrix, the N×M matrix of cosines between rows. A zero vector has cosine 0 with everything.") { a in
            return wrap(try Tensor.cosine(try a.tensor(0, "a"), try a.tensor(1, "b")))
        },
        def("gram(X, [Y])", "The Gram matrix X @ X.T of inner products between the rows of X (or X @ Y.T), computed with BLAS (dsyrk for the symmetric case).") { a in
            let x = try a.matrix(0, "X")
            return wrap(try Tensor.gram(x, a.count > 1 ? try a.matrix(1, "Y") : nil))
        },
        def("pca(X, k)", "Principal components of the rows of X (N×d): {components (k×d, rows), scores (N×k), explained (variance of each component), mean}. Computed from the SVD of the centred data; each component's largest-magnitude entry is positive, so the signs are reproducible.") { a in
            let x = try a.matrix(0, "X")
            let k = try a.int(1, "k", min: 1)
            let r = try Tensor.pca(x, k: k)
            return record([("components", wrap(r.components)), ("scores", wrap(r.scores)), ("explained", wrap(r.explained)), ("mean", wrap(r.mean))])
        },
        def("kmeans(X, k, iters=100, seed=)", "k-means clustering of the rows of X: k-means++ start, then Lloyd iterations until the assignment stops changing or `iters` is reached → {centers (k×d), labels (0-based), inertia (sum of squared distances), iters}. Deterministic for a given `seed` (the global generator otherwise). Ctrl-C during the iterations returns the clustering so far, marked interrupted: true (labels and inertia consistent with its centers).") { a in
            let x = try a.matrix(0, "X")
            let k = try a.int(1, "k", min: 1)
            let seed: UInt64? = try a.seed()
            let r = try Tensor.kmeans(x, k: k, iterations: try a.keywordInt("iters", default: 100, min: 1), seed: seed,
                                      interrupt: { Interrupt.isRequested }, keepPartial: true)
            return PartialResult.record([("centers", wrap(r.centers)), ("labels", wrap(r.labels)), ("inertia", .number(r.inertia)), ("iters", .number(Double(r.iterations)))],
                                        interrupted: r.interrupted)
        },
    ]
}

/// One LAPACK call on matrix A that costs about `work`·m·n·min(m, n) flops: run so
/// that Ctrl-C returns at once even though the call itself cannot poll (see
/// `Interrupt.abandonable`: a large call runs on a worker thread and is abandoned
/// — left to finish, its result dropped — when Ctrl-C is pressed).
func factorised<T>(_ a: Tensor, work: Double, _ body: @escaping @Sendable (Tensor) throws -> T) throws -> T {
    let m = Double(a.shape.first ?? 0), n = Double(a.shape.count > 1 ? a.shape[1] : 1)
    return try Interrupt.abandonable(work: work * m * n * Swift.min(m, n)) { try body(a) }
}
