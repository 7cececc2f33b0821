import XCTest
@testable import LkTensor
import LkTestSupport

/// A random symmetric positive-definite matrix B Bᵀ + n I.
private func spd(_ n: Int, seed: UInt64) -> Tensor {
    let b = laRandom([n, n], seed: seed)
    let g = laNaiveMatmul(b, laT(b))
    return try! Tensor.build(shape: [n, n]) { p, c in for i in 0..<c { p[i] = g[flat: i] + (i % (n + 1) == 0 ? Double(n) : 0) } }
}

private func diagMatrix(_ s: Tensor, rows: Int, cols: Int) -> Tensor {
    try! Tensor.build(shape: [rows, cols]) { p, c in
        p.initialize(repeating: 0, count: c)
        for i in 0..<s.count { p[i * cols + i] = s[flat: i] }
    }
}

final class DecompositionTests: XCTestCase {
    func testInverse() throws {
        // Hand-worked: [[4,7],[2,6]]⁻¹ = (1/10)[[6,−7],[−2,4]].
        assertClose(try matrix([[4, 7], [2, 6]]).inverse(), matrix([[0.6, -0.7], [-0.2, 0.4]]), largestTol: 1e-15)
        // Non-symmetric, so a transposition mistake would show.
        let a = laRandom([6, 6], seed: 3)
        assertClose(laNaiveMatmul(a, try a.inverse()), laEye(6), largestTol: 1e-12, "A inv(A)")
        assertClose(laNaiveMatmul(try a.inverse(), a), laEye(6), largestTol: 1e-12, "inv(A) A")
        laAssertError(try matrix([[1, 2], [2, 4]]).inverse(), "inv: matrix is singular")
        laAssertError(try laRandom([3, 4], seed: 1).inverse(), "inv: expected a square matrix, got (3,4)")
        laAssertError(try laRandom([2, 2, 2], seed: 1).inverse(), "inv: expected a matrix, got shape (2,2,2)")
        laAssertError(try Tensor(scalar: 2).inverse(), "inv: expected a matrix, got a number")
        laAssertError(try matrix([[1, .nan], [0, 1]]).inverse(), "inv: matrix contains NaN or infinity")
        XCTAssertEqual(try Tensor(shape: [0, 0]).inverse().shape, [0, 0])
    }

    func testSolve() throws {
        // The textbook system 2x+y−z = 8, −3x−y+2z = −11, −2x+y+2z = −3 has x = (2, 3, −1).
        let a = matrix([[2, 1, -1], [-3, -1, 2], [-2, 1, 2]])
        assertClose(try Tensor.solve(a, Tensor([8, -11, -3])), Tensor([2, 3, -1]), largestTol: 1e-14)
        // And b = A (1, −2, 3): 2−2−3 = −3, −3+2+6 = 5, −2−2+6 = 2.
        assertClose(try Tensor.solve(a, Tensor([-3, 5, 2])), Tensor([1, -2, 3]), largestTol: 1e-14)
        let big = laRandom([8, 8], seed: 21), rhs = laRandom([8, 3], seed: 22)
        let x = try Tensor.solve(big, rhs)
        XCTAssertEqual(x.shape, [8, 3])
        assertClose(laNaiveMatmul(big, x), rhs, largestTol: 1e-12, "A X = B")
        laAssertError(try Tensor.solve(laRandom([4, 4], seed: 1), Tensor([1, 2, 3, 4, 5])), "solve: b has 5 rows but A is 4×4")
        laAssertError(try Tensor.solve(matrix([[1, 2], [2, 4]]), Tensor([1, 2])), "solve: matrix is singular")
        laAssertError(try Tensor.solve(laRandom([2, 3], seed: 1), Tensor([1, 2])), "solve: A must be a square matrix, got (2,3)")
        XCTAssertThrowsError(try Tensor.solve(laEye(2), Tensor(scalar: 1)))
    }

    func testCholesky() throws {
        // The classic example: [[4,12,−16],[12,37,−43],[−16,−43,98]] = L Lᵀ, L = [[2,0,0],[6,1,0],[−8,5,3]].
        let a = matrix([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])
        assertClose(try a.cholesky(), matrix([[2, 0, 0], [6, 1, 0], [-8, 5, 3]]), largestTol: 1e-15)
        let s = spd(7, seed: 5)
        let l = try s.cholesky()
        assertClose(laNaiveMatmul(l, laT(l)), s, largestTol: 1e-13, "L Lᵀ")
        for i in 0..<7 { for j in (i + 1)..<7 { XCTAssertEqual(l[flat: i * 7 + j], 0) } }
        // det of the leading 2×2 minor is 1 − 4 < 0.
        laAssertError(try matrix([[1, 2], [2, 1]]).cholesky(), "chol: matrix is not positive definite (leading minor 2, pivot -3)")
        laAssertError(try matrix([[-1, 0], [0, 1]]).cholesky(), "chol: matrix is not positive definite (leading minor 1, pivot -1)")
        laAssertError(try matrix([[2, 1], [0, 2]]).cholesky(), "chol: matrix is not symmetric (A[1,0] = 0 but A[0,1] = 1)")
    }

    func testQR() throws {
        for (m, n) in [(7, 4), (4, 4), (3, 5), (1, 3), (3, 1)] {
            let a = laRandom([m, n], seed: UInt64(m * 10 + n))
            let (q, r) = try a.qr()
            let k = min(m, n)
            XCTAssertEqual(q.shape, [m, k]); XCTAssertEqual(r.shape, [k, n])
            assertClose(laNaiveMatmul(q, r), a, largestTol: 1e-13, "QR = A (\(m)×\(n))")
            assertClose(laNaiveMatmul(laT(q), q), laEye(k), largestTol: 1e-13, "QᵀQ = I")
            for i in 0..<k { for j in 0..<min(i, n) { XCTAssertEqual(r[flat: i * n + j], 0) } }
        }
        // Hand-worked: [[3],[4]] has Q = ±[[0.6],[0.8]], R = ±[[5]].
        let (q, r) = try matrix([[3], [4]]).qr()
        XCTAssertEqual(abs(r[flat: 0]), 5, accuracy: 1e-15)
        XCTAssertEqual(q[flat: 1] * r[flat: 0], 4, accuracy: 1e-15)
        laAssertError(try Tensor([1, 2]).qr(), "qr: expected a matrix, got shape (2,)")
    }

    func testSVD() throws {
        for (m, n) in [(6, 4), (4, 6), (5, 5), (1, 4)] {
            let a = laRandom([m, n], seed: UInt64(100 + m * 10 + n))
            let (u, s, v) = try a.svd()
            let k = min(m, n)
            XCTAssertEqual(u.shape, [m, k]); XCTAssertEqual(s.shape, [k]); XCTAssertEqual(v.shape, [n, k])
            assertClose(laNaiveMatmul(laNaiveMatmul(u, diagMatrix(s, rows: k, cols: k)), laT(v)), a, largestTol: 1e-13, "U S Vᵀ (\(m)×\(n))")
            assertClose(laNaiveMatmul(laT(u), u), laEye(k), largestTol: 1e-13, "UᵀU")
            assertClose(laNaiveMatmul(laT(v), v), laEye(k), largestTol: 1e-13, "VᵀV")
            for i in 1..<k { XCTAssertGreaterThanOrEqual(s[flat: i - 1], s[flat: i]) }
        }
        // Closed forms: diag(3, −4) has singular values 4, 3; [[1,1],[0,1]] has φ and 1/φ.
        assertClose(try matrix([[3, 0], [0, -4]]).svd().s, Tensor([4, 3]), largestTol: 1e-15)
        let phi = (1 + 5.0.squareRoot()) / 2
        assertClose(try matrix([[1, 1], [0, 1]]).svd().s, Tensor([phi, 1 / phi]), largestTol: 1e-15)
        XCTAssertEqual(try Tensor(shape: [3, 0]).svd().u.shape, [3, 0])
        laAssertError(try matrix([[1, .infinity]]).svd(), "svd: matrix contains NaN or infinity")
    }

    func testEigh() throws {
        // [[2,1],[1,2]]: eigenvalues 1 and 3 with vectors (1,−1)/√2 and (1,1)/√2.
        let (w, v) = try matrix([[2, 1], [1, 2]]).eigh()
        assertClose(w, Tensor([1, 3]), largestTol: 1e-15)
        XCTAssertEqual(abs(v[flat: 1]), 0.5.squareRoot(), accuracy: 1e-15)   // second vector is a column
        XCTAssertEqual(v[flat: 1] * v[flat: 3], 0.5, accuracy: 1e-15)        // (1,1)/√2 up to sign
        let a = spd(6, seed: 9)
        let (values, vectors) = try a.eigh()
        for i in 1..<6 { XCTAssertLessThanOrEqual(values[flat: i - 1], values[flat: i]) }
        // A V = V diag(λ), VᵀV = I.
        assertClose(laNaiveMatmul(a, vectors), laNaiveMatmul(vectors, diagMatrix(values, rows: 6, cols: 6)), largestTol: 1e-13, "A v = λ v")
        assertClose(laNaiveMatmul(laT(vectors), vectors), laEye(6), largestTol: 1e-13, "VᵀV")
        laAssertError(try matrix([[1, 2, 3], [2, 1, 5], [3, 4, 1]]).eigh().values, "eigh: matrix is not symmetric (A[2,1] = 4 but A[1,2] = 5)")
        laAssertError(try laRandom([3, 2], seed: 4).eigh().values, "eigh: expected a square matrix, got (3,2)")
    }

    func testDeterminant() throws {
        XCTAssertEqual(try matrix([[1, 2], [3, 4]]).determinant(), -2, accuracy: 1e-15)
        // Triangular: product of the diagonal.
        XCTAssertEqual(try matrix([[2, 0, 0], [5, -3, 0], [1, 7, 0.5]]).determinant(), -3, accuracy: 1e-14)
        // One row swap: −1.
        XCTAssertEqual(try matrix([[0, 1], [1, 0]]).determinant(), -1)
        // det(AB) = det A det B.
        let a = laRandom([5, 5], seed: 31), b = laRandom([5, 5], seed: 32)
        XCTAssertEqual(try laNaiveMatmul(a, b).determinant(), try a.determinant() * b.determinant(), accuracy: 1e-13)
        XCTAssertEqual(try matrix([[1, 2], [2, 4]]).determinant(), 0)
        XCTAssertEqual(try Tensor(shape: [0, 0]).determinant(), 1)
        XCTAssertTrue(try matrix([[1, .nan], [0, 1]]).determinant().isNaN)
        laAssertError(try laRandom([2, 3], seed: 1).determinant(), "det: expected a square matrix, got (2,3)")
    }
}

final class LeastSquaresTests: XCTestCase {
    func testLstsq() throws {
        // Exact line y = 2t + 1 through four points: x = (2, 1), full rank.
        let a = matrix([[0, 1], [1, 1], [2, 1], [3, 1]])
        let fit = try Tensor.lstsq(a, Tensor([1, 3, 5, 7]))
        assertClose(fit.x, Tensor([2, 1]), largestTol: 1e-14)
        XCTAssertEqual(fit.rank, 2)
        // Noisy data: the normal equations AᵀA x = Aᵀb give the same x.
        let big = laRandom([20, 4], seed: 41), b = laRandom([20, 2], seed: 42)
        let normal = try Tensor.solve(laNaiveMatmul(laT(big), big), laNaiveMatmul(laT(big), b))
        assertClose(try Tensor.lstsq(big, b).x, normal, largestTol: 1e-12, "normal equations")
        // Rank-deficient: [[1,1],[1,1]] x = (2,2) has least-norm solution (1,1), rank 1.
        let deficient = try Tensor.lstsq(matrix([[1, 1], [1, 1]]), Tensor([2, 2]))
        assertClose(deficient.x, Tensor([1, 1]), largestTol: 1e-14)
        XCTAssertEqual(deficient.rank, 1)
        assertClose(deficient.s, Tensor([2, 0]), largestTol: 1e-15)
        // Under-determined: x₁ + 2x₂ = 5 has least-norm solution (1, 2).
        assertClose(try Tensor.lstsq(matrix([[1, 2]]), Tensor([5])).x, Tensor([1, 2]), largestTol: 1e-14)
        laAssertError(try Tensor.lstsq(a, Tensor([1, 2, 3])), "lstsq: b has 3 rows but A is 4×2")
    }

    func testSizeGuard() {
        laAssertError(try LinalgSupport.requireBLASSize("matmul", [3, 3_000_000_000]),
                      "matmul: size 3000000000 exceeds the 32-bit limit of BLAS/LAPACK (2147483647)")
        XCTAssertNoThrow(try LinalgSupport.requireBLASSize("matmul", [3, Int(Int32.max)]))
    }
}
