import XCTest
import LkTensor
@testable import LkStudy
import LkTestSupport

/// Conjugate gradients against a hand-written textbook CG, hand-worked iterates, exact
/// solutions, the distinct-eigenvalue bound, and SciPy's behaviour on a fixed system.
final class KrylovTests: XCTestCase {
    /// A random SPD matrix Q diag(λ) Qᵀ with the given eigenvalues.
    func spd(_ eigenvalues: [Double], seed: UInt64) throws -> Tensor {
        let n = eigenvalues.count
        var rng = RNG(seed: seed)
        let g = try Tensor(shape: [n, n], data: (0..<(n * n)).map { _ in rng.normal() })
        let q = try g.qr().q
        let ql = try Tensor.binary(.mul, q, Tensor(eigenvalues))
        let a = try Tensor.matmul(ql, q, transB: true)
        // Exactly symmetric.
        var s = a
        for i in 0..<n { for j in 0..<n { s[flat: i * n + j] = 0.5 * (a[flat: i * n + j] + a[flat: j * n + i]) } }
        return s
    }

    /// The textbook algorithm (Golub & Van Loan, Alg. 11.3.2 with M), on plain arrays.
    func textbookCG(_ a: [[Double]], _ b: [Double], x0: [Double], m: [Double]? = nil, iterations: Int) -> [[Double]] {
        let n = b.count
        func mv(_ v: [Double]) -> [Double] { (0..<n).map { i in (0..<n).reduce(0) { $0 + a[i][$1] * v[$1] } } }
        func dot(_ u: [Double], _ v: [Double]) -> Double { zip(u, v).reduce(0) { $0 + $1.0 * $1.1 } }
        var x = x0
        var r = zip(b, mv(x)).map { $0 - $1 }
        var z = m.map { mm in zip(mm, r).map { $0 * $1 } } ?? r
        var p = z
        var iterates: [[Double]] = []
        for _ in 0..<iterations {
            let q = mv(p)
            let alpha = dot(r, z) / dot(p, q)
            let rzOld = dot(r, z)
            x = zip(x, p).map { $0 + alpha * $1 }
            r = zip(r, q).map { $0 - alpha * $1 }
            z = m.map { mm in zip(mm, r).map { $0 * $1 } } ?? r
            let beta = dot(r, z) / rzOld
            p = zip(z, p).map { $0 + beta * $1 }
            iterates.append(x)
        }
        return iterates
    }

    func rows(_ t: Tensor) -> [[Double]] {
        let n = t.shape[0]
        return (0..<n).map { i in (0..<t.shape[1]).map { t[flat: i * t.shape[1] + $0] } }
    }

    func testIteratesMatchTextbookCG() throws {
        let a = try spd([0.5, 1, 2, 3, 5, 8, 13], seed: 1)
        let b = Tensor([1, -2, 0.5, 3, 0, 1, -1])
        let x0 = Tensor([0.1, 0, 0, 0.2, 0, 0, 0.3])
        var seen: [[Double]] = []
        let r = try Krylov.conjugateGradient(matrix: a, b, x0: x0, tol: 0, maxIterations: 5, callback: { seen.append($0.scalars) })
        let want = textbookCG(rows(a), b.scalars, x0: x0.scalars, iterations: 5)
        XCTAssertEqual(r.iterations, 5)
        XCTAssertEqual(r.residuals.count, 6)
        XCTAssertFalse(r.converged)
        // One callback per iteration, each with the whole iterate; then compare (zip alone would pass on none).
        XCTAssertEqual(seen.count, 5)
        XCTAssertEqual(want.count, 5)
        for (got, exp) in zip(seen, want) {
            XCTAssertEqual(got.count, 7)
            assertClose(got, exp, rtol: 0, atol: 1e-12)
        }
    }

    func testPreconditionedIteratesMatchTextbookPCG() throws {
        // Badly scaled: Jacobi preconditioning must help, and match the textbook PCG.
        let base = try spd([1, 2, 3, 4, 5, 6], seed: 2)
        let scale = [1.0, 10, 100, 0.1, 5, 50]
        var a = base
        for i in 0..<6 { for j in 0..<6 { a[flat: i * 6 + j] *= scale[i] * scale[j] } }
        let b = Tensor([1, 1, 1, 1, 1, 1])
        let jacobi = (0..<6).map { 1 / a[flat: $0 * 7] }
        var seen: [[Double]] = []
        let r = try Krylov.conjugateGradient(matrix: a, b, tol: 0, maxIterations: 4,
                                             preconditioner: { try Tensor.binary(.mul, $0, Tensor(jacobi)) }, callback: { seen.append($0.scalars) })
        let want = textbookCG(rows(a), b.scalars, x0: Array(repeating: 0, count: 6), m: jacobi, iterations: 4)
        XCTAssertEqual(r.iterations, 4)
        XCTAssertEqual(seen.count, 4)
        XCTAssertEqual(want.count, 4)
        for (got, exp) in zip(seen, want) {
            XCTAssertEqual(got.count, 6)
            assertClose(got, exp, rtol: 1e-9, atol: 1e-9)
        }
        let plain = try Krylov.conjugateGradient(matrix: a, b, tol: 1e-10, maxIterations: 500)
        let pre = try Krylov.conjugateGradient(matrix: a, b, tol: 1e-10, maxIterations: 500,
                                               preconditioner: { try Tensor.binary(.mul, $0, Tensor(jacobi)) })
        XCTAssertTrue(pre.converged)
        XCTAssertLessThanOrEqual(pre.iterations, plain.iterations)
    }

    /// The 2×2 example worked by hand: A = [[4,1],[1,3]], b = (1,2), x₀ = (2,1).
    /// r₀ = (−8,−3), α₀ = 73/331, x₁ = (2 − 584/331, 1 − 219/331), r₁ = (−93/331, 248/331),
    /// and x₂ = (1/11, 7/11) exactly.
    func testHandWorkedTwoByTwo() throws {
        let a = try Tensor(shape: [2, 2], data: [4, 1, 1, 3])
        var seen: [[Double]] = []
        let r = try Krylov.conjugateGradient(matrix: a, Tensor([1, 2]), x0: Tensor([2, 1]), tol: 1e-12, maxIterations: 10, callback: { seen.append($0.scalars) })
        XCTAssertTrue(r.converged)
        XCTAssertEqual(r.iterations, 2)
        XCTAssertEqual(r.residuals[0], 73.0.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(r.residuals[1], 70153.0.squareRoot() / 331, accuracy: 1e-14)
        XCTAssertLessThan(r.residuals[2], 1e-14)
        XCTAssertEqual(seen.count, 2, "one callback per iteration")
        XCTAssertEqual(seen[0][0], 2 - 584.0 / 331, accuracy: 1e-14)
        XCTAssertEqual(seen[0][1], 1 - 219.0 / 331, accuracy: 1e-14)
        XCTAssertEqual(r.x[flat: 0], 1.0 / 11, accuracy: 1e-14)
        XCTAssertEqual(r.x[flat: 1], 7.0 / 11, accuracy: 1e-14)
    }

    func testConvergesToExactSolutionInAtMostNSteps() throws {
        let a = try spd([1, 1.5, 2, 3, 4, 6, 7, 9, 10, 12], seed: 3)
        let b = Tensor((0..<10).map { Double($0) - 4.5 })
        let exact = try Tensor.solve(a, b)
        let r = try Krylov.conjugateGradient(matrix: a, b, tol: 1e-12, maxIterations: 100)
        XCTAssertTrue(r.converged)
        XCTAssertLessThanOrEqual(r.iterations, 10 + 1)   // n in exact arithmetic; one spare for rounding
        for i in 0..<10 { XCTAssertEqual(r.x[flat: i], exact[flat: i], accuracy: 1e-10) }
    }

    /// In exact arithmetic CG terminates in (number of distinct eigenvalues) steps.
    func testDistinctEigenvalueBound() throws {
        let eig = (0..<40).map { [1.0, 4.0, 9.0][$0 % 3] }
        let a = try spd(eig, seed: 4)
        var rng = RNG(seed: 9)
        let b = Tensor((0..<40).map { _ in rng.normal() })
        let r = try Krylov.conjugateGradient(matrix: a, b, tol: 1e-10, maxIterations: 40)
        XCTAssertTrue(r.converged)
        XCTAssertEqual(r.iterations, 3)
    }

    /// SciPy 1.17, `scipy.sparse.linalg.cg(A, b, rtol=…)` on the 1-D Laplacian tridiag(−1, 2, −1),
    /// n = 50, bᵢ = sin(0.37i) + 0.1i/50: 49 iterations at rtol = 1e-3 with
    /// x[0:3] = (3.4847535, 6.97139486, 10.09347591); 50 at rtol = 1e-5.
    func testMatchesSciPyStoppingRule() throws {
        let n = 50
        var a = try Tensor(shape: [n, n], repeating: 0)
        for i in 0..<n {
            a[flat: i * n + i] = 2
            if i > 0 { a[flat: i * n + i - 1] = -1 }
            if i < n - 1 { a[flat: i * n + i + 1] = -1 }
        }
        let b = Tensor((0..<n).map { sin(Double($0) * 0.37) + 0.1 * Double($0) / Double(n) })
        let loose = try Krylov.conjugateGradient(matrix: a, b, tol: 1e-3)
        XCTAssertEqual(loose.iterations, 49)
        XCTAssertEqual(loose.x[flat: 0], 3.4847535, accuracy: 1e-6)
        XCTAssertEqual(loose.x[flat: 1], 6.97139486, accuracy: 1e-6)
        XCTAssertEqual(loose.x[flat: 2], 10.09347591, accuracy: 1e-6)
        let bn = VectorSpace.norm(b)
        XCTAssertLessThanOrEqual(loose.residuals.last!, 1e-3 * bn)
        XCTAssertGreaterThan(loose.residuals[loose.residuals.count - 2], 1e-3 * bn)
        XCTAssertEqual(try Krylov.conjugateGradient(matrix: a, b, tol: 1e-5).iterations, 50)
        // atol wins when it is the larger threshold.
        let abs = try Krylov.conjugateGradient(matrix: a, b, tol: 1e-12, atol: 0.5 * bn)
        XCTAssertLessThanOrEqual(abs.residuals.last!, 0.5 * bn)
        XCTAssertLessThan(abs.iterations, 49)
    }

    func testEdgeCases() throws {
        let a = try spd([1, 2, 3], seed: 5)
        let zero = try Krylov.conjugateGradient(matrix: a, Tensor([0, 0, 0]), x0: Tensor([1, 2, 3]))
        XCTAssertEqual(zero.x.scalars, [0, 0, 0])
        XCTAssertEqual(zero.iterations, 0)
        let b = Tensor([1, 2, 3])
        let exact = try Tensor.solve(a, b)
        let warm = try Krylov.conjugateGradient(matrix: a, b, x0: exact, tol: 1e-8)
        XCTAssertEqual(warm.iterations, 0)
        XCTAssertTrue(warm.converged)
        // A function operator works on any shape (here 2×2 "images").
        let img = try Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        let f = try Krylov.conjugateGradient({ try Tensor.binary(.mul, $0, 2) }, img, tol: 1e-12)
        XCTAssertEqual(f.x.shape, [2, 2])
        XCTAssertEqual(f.x.scalars, [0.5, 1, 1.5, 2])
        XCTAssertEqual(f.iterations, 1)
    }

    func testErrors() throws {
        let indefinite = try Tensor(shape: [2, 2], data: [1, 0, 0, -1])
        XCTAssertThrowsError(try Krylov.conjugateGradient(matrix: indefinite, Tensor([1, 1]))) {
            XCTAssertTrue(($0 as! TensorError).message.hasPrefix("A is not positive definite"), "\($0)")
        }
        let sq = try Tensor(shape: [4, 4], repeating: 1)
        XCTAssertThrowsError(try Krylov.conjugateGradient(matrix: sq, Tensor([1, 2, 3, 4, 5]))) {
            XCTAssertEqual(($0 as! TensorError).message, "b has 5 rows but A is 4×4")
        }
        XCTAssertThrowsError(try Krylov.conjugateGradient(matrix: try Tensor(shape: [2, 3], repeating: 1), Tensor([1, 2]))) {
            XCTAssertEqual(($0 as! TensorError).message, "A must be square, got 2×3")
        }
        let nonsym = try Tensor(shape: [2, 2], data: [2, 1, 0, 2])
        XCTAssertThrowsError(try Krylov.conjugateGradient(matrix: nonsym, Tensor([1, 1]))) {
            XCTAssertTrue(($0 as! TensorError).message.hasPrefix("A is not symmetric"), "\($0)")
        }
        XCTAssertThrowsError(try Krylov.conjugateGradient({ _ in Tensor([1]) }, Tensor([1, 2]))) {
            XCTAssertEqual(($0 as! TensorError).message, "A(v) returned shape (1,) for v of shape (2,)")
        }
    }

    /// A Hermitian positive-definite complex system solved by CG on (n, 2) storage equals the
    /// solution of its real 2n×2n form [[Re H, −Im H], [Im H, Re H]].
    func testComplexHermitianSystem() throws {
        let n = 4
        var rng = RNG(seed: 11)
        let gr = (0..<(n * n)).map { _ in rng.normal() }, gi = (0..<(n * n)).map { _ in rng.normal() }
        // H = GᴴG + I.
        var hr = [Double](repeating: 0, count: n * n), hi = hr
        for i in 0..<n { for j in 0..<n {
            for k in 0..<n {   // (Gᴴ)ᵢₖ = conj(G)ₖᵢ
                let (ar, ai) = (gr[k * n + i], -gi[k * n + i]), (br, bi) = (gr[k * n + j], gi[k * n + j])
                hr[i * n + j] += ar * br - ai * bi; hi[i * n + j] += ar * bi + ai * br
            }
            if i == j { hr[i * n + j] += 1 }
        } }
        let apply: (Tensor) throws -> Tensor = { v in
            let out = try Tensor(shape: [n, 2], repeating: 0)
            for i in 0..<n { for j in 0..<n {
                let (vr, vi) = (v.pointer[2 * j], v.pointer[2 * j + 1])
                out.pointer[2 * i] += hr[i * n + j] * vr - hi[i * n + j] * vi
                out.pointer[2 * i + 1] += hr[i * n + j] * vi + hi[i * n + j] * vr
            } }
            return out
        }
        let b = try Tensor(shape: [n, 2], data: [1, 0, 0, 1, -1, 2, 0.5, 0.5])
        let r = try Krylov.conjugateGradient(apply, b, tol: 1e-13)
        var big = try Tensor(shape: [2 * n, 2 * n], repeating: 0)
        for i in 0..<n { for j in 0..<n {
            big[flat: i * 2 * n + j] = hr[i * n + j]; big[flat: i * 2 * n + n + j] = -hi[i * n + j]
            big[flat: (n + i) * 2 * n + j] = hi[i * n + j]; big[flat: (n + i) * 2 * n + n + j] = hr[i * n + j]
        } }
        let rhs = Tensor((0..<n).map { b.pointer[2 * $0] } + (0..<n).map { b.pointer[2 * $0 + 1] })
        let exact = try Tensor.solve(big, rhs)
        for i in 0..<n {
            XCTAssertEqual(r.x.pointer[2 * i], exact[flat: i], accuracy: 1e-10)
            XCTAssertEqual(r.x.pointer[2 * i + 1], exact[flat: n + i], accuracy: 1e-10)
        }
    }
}
