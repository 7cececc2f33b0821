import LkLang
import LkStudy
import LkTensor

extension BuiltinTable {
    static let krylovBuiltins: [Builtin] = [
        def("cg(A, b, x0=, tol=1e-5, atol=0, maxiter=, M=, callback=)",
            "Solves A x = b for a symmetric positive-definite A by (preconditioned) conjugate gradients, SciPy's `scipy.sparse.linalg.cg` step for step: αₖ = rₖᵀzₖ/pₖᵀApₖ, xₖ₊₁ = xₖ + αₖpₖ, rₖ₊₁ = rₖ − αₖApₖ, zₖ₊₁ = M rₖ₊₁, pₖ₊₁ = zₖ₊₁ + (rₖ₊₁ᵀzₖ₊₁/rₖᵀzₖ)pₖ. A is an n×n matrix with b a vector of n, or a function v ↦ Av, when b (and x) may have any shape (an image: inner products run over all elements; complex data as a trailing axis of 2 gets Re(aᴴb), so a Hermitian A is solved exactly as complex CG). M approximates A⁻¹ (a matrix or a function r ↦ Mr; default I). Starts at x0 (default 0). Stops as soon as ‖r‖ ≤ max(tol·‖b‖, atol) (SciPy's rule, with ≤), checked before the first iteration and after each, or after maxiter iterations (default 10n, n the number of elements of b); tol=0 and atol=0 run exactly maxiter iterations unless r becomes exactly 0. b = 0 gives x = 0. callback(x) is called with each new iterate. → {x, iters, residuals, converged}: residuals holds ‖r‖ before the first and after every iteration (the recursively updated residual, as SciPy). Breakdown is an error: pᵀAp ≤ 0 (\"A is not positive definite\") or rᵀMr ≤ 0. A matrix A must be square and symmetric (to 1e-10 relative). Ctrl-C stops it.") { a in
            let b = try a.tensor(1, "b")
            guard b.rank >= 1 else { throw a.error("b must be a vector (or, with a function A, any tensor), got a number", at: 1) }
            let interp = a.interpreter!
            let apply: (Tensor) throws -> Tensor
            let av = a.positional[0]
            if Arguments.isCallable(av) {
                let f = LkCallback(interpreter: interp, function: av, callee: "cg", what: "A(v)")
                apply = { try f($0) }
            } else if let m = Arguments.asTensor(av), m.rank == 2 {
                guard m.shape[0] == m.shape[1] else { throw a.error("A must be square, got \(m.shape[0])×\(m.shape[1])", at: 0) }
                guard b.rank == 1 || (b.rank == 2 && b.shape[1] == 1) else {
                    throw a.error("b must be a vector for a matrix A, got shape \(shapeString(b.shape))", at: 1)
                }
                guard b.shape[0] == m.shape[0] else { throw a.error("b has \(b.shape[0]) rows but A is \(m.shape[0])×\(m.shape[1])", at: 1) }
                do { try Krylov.checkSymmetric(m, name: "A") } catch let e as TensorError {
                    throw a.error(e.message + "; CG needs a symmetric positive-definite matrix", at: 0)
                }
                apply = { try Tensor.symmetricMatVec(m, $0).reshaped($0.shape) }   // A was checked symmetric above
            } else {
                throw a.error("A must be a square matrix or a function v ↦ Av, got \(av.describedKind)", at: 0)
            }
            let x0 = try a.keywordTensor("x0")
            if let x0, x0.shape != b.shape {
                throw a.keywordError("x0 has shape \(shapeString(x0.shape)) but b has shape \(shapeString(b.shape))", "x0")
            }
            let tol = try a.keywordNumber("tol", default: 1e-5, min: 0)
            let atol = try a.keywordNumber("atol", default: 0, min: 0)
            let maxiter = try a.keywordInt("maxiter", default: 10 * b.count, min: 1)
            var precondition: ((Tensor) throws -> Tensor)? = nil
            if let mv = a.keyword("M") {
                if Arguments.isCallable(mv) {
                    let f = LkCallback(interpreter: interp, function: mv, callee: "cg", what: "M(r)")
                    precondition = { try f($0) }
                } else if let m = Arguments.asTensor(mv), m.shape == [b.count, b.count] {
                    precondition = { try Tensor.matmul(m, try $0.reshaped([b.count])).reshaped($0.shape) }
                } else if case .none = mv {
                } else {
                    throw a.keywordError("M must be a function r ↦ Mr or a \(b.count)×\(b.count) matrix, got \(mv.describedKind)", "M")
                }
            }
            let callback = try a.keywordFunction("callback").map { fn in
                { (x: Tensor) throws -> Void in _ = try interp.call(fn, [.tensor(x)]) }
            }
            let r = try Krylov.conjugateGradient(apply, b, x0: x0, tol: tol, atol: atol, maxIterations: maxiter,
                                                 preconditioner: precondition, callback: callback)
            return record([("x", .tensor(r.x)), ("iters", .number(Double(r.iterations))),
                           ("residuals", vector(r.residuals)), ("converged", .bool(r.converged))])
        },
    ]
}
