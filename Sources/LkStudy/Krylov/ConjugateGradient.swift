import LkTensor

/// The outcome of a conjugate-gradient solve.
public struct CGResult: Sendable {
    /// The last iterate.
    public var x: Tensor
    /// Iterations performed (applications of A after the initial residual).
    public var iterations: Int
    /// ‖r‖ before the first iteration and after each one: `iterations + 1` numbers. These are
    /// the recursively updated residuals rₖ₊₁ = rₖ − αₖApₖ, as in SciPy and every textbook CG;
    /// in floating point they drift slowly from b − Axₖ.
    public var residuals: [Double]
    /// Whether ‖r‖ ≤ max(tol·‖b‖, atol) was reached.
    public var converged: Bool
}

/// Krylov solvers for symmetric positive-definite systems.
public enum Krylov {
    /// Solves A x = b for a symmetric (Hermitian) positive-definite operator A by the
    /// (preconditioned) conjugate-gradient method of Hestenes & Stiefel (1952).
    ///
    /// With x₀ (zero when absent), r₀ = b − Ax₀ (no application of A when x₀ is absent),
    /// z = M r, p₀ = z₀, each iteration does
    /// `αₖ = rₖᵀzₖ / pₖᵀApₖ,  xₖ₊₁ = xₖ + αₖpₖ,  rₖ₊₁ = rₖ − αₖApₖ,
    ///  zₖ₊₁ = M rₖ₊₁,  βₖ = rₖ₊₁ᵀzₖ₊₁ / rₖᵀzₖ,  pₖ₊₁ = zₖ₊₁ + βₖpₖ`
    /// — SciPy's `scipy.sparse.linalg.cg` step for step, `M` approximating A⁻¹ as there.
    ///
    /// Stopping rule (SciPy's, with ≤ where SciPy has <): stop as soon as
    /// `‖r‖ ≤ max(tol·‖b‖, atol)`, checked before the first iteration and after each one,
    /// or after `maxIterations`. With `tol = 0` and `atol = 0` it runs exactly
    /// `maxIterations` iterations unless the residual becomes exactly zero. If b = 0 the
    /// answer is x = 0 (whatever x₀ is), as in SciPy.
    ///
    /// - Parameters:
    ///   - apply: v ↦ Av; must return a tensor with v's number of elements.
    ///   - preconditioner: r ↦ Mr, symmetric positive definite; nil for M = I.
    ///   - callback: called with each new iterate xₖ₊₁.
    /// - Throws: `TensorError` on breakdown: `pᵀAp ≤ 0` ("A is not positive definite"),
    ///   `rᵀMr ≤ 0` ("M is not positive definite"), or a non-finite value; and on Ctrl-C.
    public static func conjugateGradient(
        _ apply: (Tensor) throws -> Tensor, _ b: Tensor, x0: Tensor? = nil,
        tol: Double = 1e-5, atol: Double = 0, maxIterations: Int? = nil,
        preconditioner: ((Tensor) throws -> Tensor)? = nil,
        callback: ((Tensor) throws -> Void)? = nil
    ) throws -> CGResult {
        if let x0, x0.count != b.count {
            throw TensorError("x0 has shape \(shapeString(x0.shape)) but b has shape \(shapeString(b.shape))")
        }
        let maxit = maxIterations ?? 10 * b.count
        let bnorm = VectorSpace.norm(b)
        guard bnorm.isFinite else { throw TensorError("b has a non-finite element") }
        if bnorm == 0 {
            return CGResult(x: try VectorSpace.zeros(b.shape), iterations: 0, residuals: [0], converged: true)
        }
        let threshold = Swift.max(tol * bnorm, atol)

        func applyChecked(_ name: String, _ f: (Tensor) throws -> Tensor, _ v: Tensor) throws -> Tensor {
            let w = try f(v)
            guard w.count == v.count else {
                throw TensorError("\(name)(v) returned shape \(shapeString(w.shape)) for v of shape \(shapeString(v.shape))")
            }
            return w.shape == v.shape ? w : try w.reshaped(v.shape)
        }

        var x: Tensor
        var r: Tensor
        if let x0 {
            x = x0.shape == b.shape ? x0 : try x0.reshaped(b.shape)
            r = VectorSpace.combine(1, b, -1, try applyChecked("A", apply, x))
        } else {
            x = try VectorSpace.zeros(b.shape)
            r = b
        }
        var rnorm = VectorSpace.norm(r)
        var residuals = [rnorm]
        if rnorm <= threshold { return CGResult(x: x, iterations: 0, residuals: residuals, converged: true) }

        var p = r
        var rhoPrev = 0.0
        let progress = ProgressReporter("cg", total: maxit, unit: "iter", figure: "residual")
        defer { progress.finish() }
        for k in 0..<maxit {
            try Interrupt.check()
            progress.update(k, figure: rnorm)
            let z = try preconditioner.map { try applyChecked("M", $0, r) } ?? r
            let rho = VectorSpace.dot(r, z)
            if preconditioner != nil && !(rho > 0) {
                throw TensorError("M is not positive definite: rᵀMr = \(formatNumber(rho)) at iteration \(k + 1)")
            }
            p = k == 0 ? z : VectorSpace.combine(1, z, rho / rhoPrev, p)
            let q = try applyChecked("A", apply, p)
            let pAp = VectorSpace.dot(p, q)
            guard pAp.isFinite else { throw TensorError("A(p) has a non-finite element at iteration \(k + 1)") }
            if pAp <= 0 {
                throw TensorError("A is not positive definite: pᵀAp = \(formatNumber(pAp)) ≤ 0 at iteration \(k + 1)")
            }
            let alpha = rho / pAp
            VectorSpace.axpy(alpha, p, &x)
            VectorSpace.axpy(-alpha, q, &r)
            rhoPrev = rho
            rnorm = VectorSpace.norm(r)
            residuals.append(rnorm)
            try callback?(x)
            if rnorm <= threshold {
                return CGResult(x: x, iterations: k + 1, residuals: residuals, converged: true)
            }
        }
        return CGResult(x: x, iterations: maxit, residuals: residuals, converged: false)
    }

    /// CG with a dense symmetric matrix A (n×n) and b of length n: A is applied with BLAS
    /// dsymv (one triangle read per product: half of dgemv's memory traffic).
    public static func conjugateGradient(
        matrix a: Tensor, _ b: Tensor, x0: Tensor? = nil, tol: Double = 1e-5, atol: Double = 0,
        maxIterations: Int? = nil, preconditioner: ((Tensor) throws -> Tensor)? = nil,
        callback: ((Tensor) throws -> Void)? = nil
    ) throws -> CGResult {
        try checkSystem(a, b)
        return try conjugateGradient({ try Tensor.symmetricMatVec(a, $0) }, b, x0: x0, tol: tol, atol: atol,
                                     maxIterations: maxIterations, preconditioner: preconditioner, callback: callback)
    }

    /// Checks that A is a square, symmetric matrix and b a vector of matching length.
    /// Symmetry is checked to a relative 1e-10 of the largest |Aᵢⱼ|, which any matrix built
    /// as a product (X Xᵀ, AᵀA + λI) meets in floating point.
    public static func checkSystem(_ a: Tensor, _ b: Tensor) throws {
        guard a.rank == 2 else { throw TensorError("A must be a matrix or a function, got shape \(shapeString(a.shape))") }
        let n = a.shape[0]
        guard a.shape[1] == n else { throw TensorError("A must be square, got \(a.shape[0])×\(a.shape[1])") }
        guard b.rank == 1 || (b.rank == 2 && b.shape[1] == 1) else {
            throw TensorError("b must be a vector, got shape \(shapeString(b.shape))")
        }
        guard b.shape[0] == n else { throw TensorError("b has \(b.shape[0]) rows but A is \(n)×\(n)") }
        do { try checkSymmetric(a, name: "A") } catch let e as TensorError {
            throw TensorError(e.message + "; CG needs a symmetric positive-definite matrix")
        }
    }
}
