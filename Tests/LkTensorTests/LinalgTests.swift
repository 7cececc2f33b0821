import XCTest
@testable import LkTensor
import LkTestSupport

// Shared helpers for the linear-algebra test files (prefixed to stay out of other files' way).

/// Uniform(−1, 1) entries from a private generator, so tests do not disturb `Random`.
func laRandom(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = RNG(seed: seed)
    return try! Tensor.build(shape: shape) { p, n in for i in 0..<n { p[i] = 2 * g.uniform() - 1 } }
}

/// The transpose of a matrix by an explicit loop (independent of the code under test).
func laT(_ a: Tensor) -> Tensor {
    let (m, n) = (a.shape[0], a.shape[1])
    return try! Tensor.build(shape: [n, m]) { p, _ in
        for i in 0..<m { for j in 0..<n { p[j * m + i] = a[flat: i * n + j] } }
    }
}

/// The textbook triple loop.
func laNaiveMatmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    return try! Tensor.build(shape: [m, n]) { p, _ in
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for l in 0..<k { s += a[flat: i * k + l] * b[flat: l * n + j] }
            p[i * n + j] = s
        } }
    }
}

func laEye(_ n: Int) -> Tensor {
    try! Tensor.build(shape: [n, n]) { p, c in for i in 0..<c { p[i] = i % (n + 1) == 0 ? 1 : 0 } }
}

func laAssertError(_ expr: @autoclosure () throws -> Any, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try expr(), file: file, line: line) { e in
        XCTAssertEqual((e as? TensorError)?.message, message, file: file, line: line)
    }
}

final class LinalgTests: XCTestCase {
    func testMatmulHandWorked() throws {
        let a = matrix([[1, 2], [3, 4]]), b = matrix([[5, 6], [7, 8]])
        XCTAssertEqual(try Tensor.matmul(a, b), matrix([[19, 22], [43, 50]]))
        XCTAssertEqual(try Tensor.matmul(a, b, transA: true), matrix([[26, 30], [38, 44]]))
        XCTAssertEqual(try Tensor.matmul(a, b, transB: true), matrix([[17, 23], [39, 53]]))
        XCTAssertEqual(try Tensor.matmul(a, b, transA: true, transB: true), matrix([[23, 31], [34, 46]]))
    }

    /// dgemm against the triple loop on rectangular shapes, every transA/transB combination.
    func testGemmAgainstNaiveLoop() throws {
        var seed: UInt64 = 1
        for (m, k, n) in [(1, 1, 1), (3, 5, 2), (7, 4, 9), (16, 33, 5), (64, 17, 31)] {
            for ta in [false, true] { for tb in [false, true] {
                seed += 1
                let a = laRandom([m, k], seed: seed), b = laRandom([k, n], seed: seed + 100)
                let storedA = ta ? laT(a) : a, storedB = tb ? laT(b) : b
                let c = try Tensor.matmul(storedA, storedB, transA: ta, transB: tb)
                assertClose(c, laNaiveMatmul(a, b), largestTol: 1e-13, "(\(m),\(k),\(n)) tA=\(ta) tB=\(tb)")
            } }
        }
    }

    func testMatrixVectorProducts() throws {
        let a = laRandom([5, 3], seed: 7), x = laRandom([3], seed: 8), y = laRandom([5], seed: 9)
        let ax = laNaiveMatmul(a, try x.reshaped([3, 1]))
        assertClose(try Tensor.matmul(a, x), try ax.reshaped([5]), largestTol: 1e-12, "A@x")
        assertClose(try Tensor.matmul(laT(a), x, transA: true), try ax.reshaped([5]), largestTol: 1e-12, "(Aᵀ)ᵀ@x")
        let ya = laNaiveMatmul(try y.reshaped([1, 5]), a)
        assertClose(try Tensor.matmul(y, a), try ya.reshaped([3]), largestTol: 1e-12, "y@A")
        assertClose(try Tensor.matmul(y, laT(a), transB: true), try ya.reshaped([3]), largestTol: 1e-12, "y@(Aᵀ)ᵀ")
        let d = try Tensor.matmul(Tensor([1, 2, 3]), Tensor([4, 5, 6]))
        XCTAssertEqual(d.shape, [])
        XCTAssertEqual(d.scalarValue, 32)
    }

    /// Batch axes broadcast as in NumPy; each output matrix is checked against the loop.
    func testBatchedBroadcast() throws {
        let a = laRandom([2, 1, 3, 4], seed: 11), b = laRandom([5, 4, 2], seed: 12)
        let c = try Tensor.matmul(a, b)
        XCTAssertEqual(c.shape, [2, 5, 3, 2])
        for i in 0..<2 { for j in 0..<5 {
            let ai = try Tensor(shape: [3, 4], data: Array(a.scalars[(i * 12)..<(i * 12 + 12)]))
            let bj = try Tensor(shape: [4, 2], data: Array(b.scalars[(j * 8)..<(j * 8 + 8)]))
            let cij = try Tensor(shape: [3, 2], data: Array(c.scalars[((i * 5 + j) * 6)..<((i * 5 + j) * 6 + 6)]))
            assertClose(cij, laNaiveMatmul(ai, bj), largestTol: 1e-12, "batch (\(i),\(j))")
        } }
        // Only a batched: the folded single-dgemm path, with a transposed b.
        let w = laRandom([2, 4], seed: 13)
        let folded = try Tensor.matmul(a, w, transB: true)
        XCTAssertEqual(folded.shape, [2, 1, 3, 2])
        assertClose(try folded.reshaped([6, 2]), laNaiveMatmul(try a.reshaped([6, 4]), laT(w)), largestTol: 1e-12, "folded")
        // A vector on the left of a batch: promoted to a row, then that axis removed.
        let v = laRandom([4], seed: 14)
        let vb = try Tensor.matmul(v, b)
        XCTAssertEqual(vb.shape, [5, 2])
        let first = laNaiveMatmul(try v.reshaped([1, 4]), try Tensor(shape: [4, 2], data: Array(b.scalars[0..<8])))
        assertClose(try Tensor(shape: [1, 2], data: Array(vb.scalars[0..<2])), first, largestTol: 1e-12, "vector @ batch")
        // A transposed batched operand.
        let bt = try Tensor.matmul(b, b, transA: true)
        XCTAssertEqual(bt.shape, [5, 2, 2])
    }

    func testMatmulErrors() {
        laAssertError(try Tensor.matmul(laRandom([3, 4], seed: 1), laRandom([5, 2], seed: 2)), "shape mismatch: (3,4) @ (5,2)")
        // Shapes are reported as seen after the transpose.
        laAssertError(try Tensor.matmul(laRandom([4, 3], seed: 1), laRandom([5, 2], seed: 2), transA: true), "shape mismatch: (3,4) @ (5,2)")
        laAssertError(try Tensor.matmul(Tensor([1, 2]), Tensor([1, 2, 3])), "shape mismatch: (2,) @ (3,)")
        laAssertError(try Tensor.matmul(laRandom([2, 3, 4], seed: 1), laRandom([3, 4, 5], seed: 2)), "shape mismatch: (2,3,4) @ (3,4,5)")
        XCTAssertThrowsError(try Tensor.matmul(Tensor(scalar: 2), Tensor([1, 2])))
    }

    func testEmptyOperands() throws {
        XCTAssertEqual(try Tensor.matmul(try Tensor(shape: [2, 0]), try Tensor(shape: [0, 3])), try Tensor(shape: [2, 3]))
        XCTAssertEqual(try Tensor.matmul(try Tensor(shape: [0, 3]), laRandom([3, 2], seed: 1)).shape, [0, 2])
        XCTAssertEqual(try Tensor.matmul(Tensor([]), Tensor([])).scalarValue, 0)
    }

    func testDotOuterTrace() throws {
        XCTAssertEqual(try Tensor.dot(Tensor([1, 2, 3]), Tensor([4, -5, 6])), 12)
        laAssertError(try Tensor.dot(Tensor([1, 2]), Tensor([1, 2, 3])), "dot: vectors have different lengths, (2,) and (3,)")
        XCTAssertThrowsError(try Tensor.dot(matrix([[1, 2]]), Tensor([1, 2])))
        let o = try Tensor.outer(matrix([[1, 2], [3, 4]]), Tensor([1, 10, 100]))
        XCTAssertEqual(o, matrix([[1, 10, 100], [2, 20, 200], [3, 30, 300], [4, 40, 400]]))
        XCTAssertEqual(try matrix([[1, 2, 3], [4, 5, 6]]).trace(), 6)
        XCTAssertEqual(try matrix([[1, 2], [3, 4], [5, 6]]).trace(), 5)
        laAssertError(try Tensor([1, 2]).trace(), "trace: expected a matrix, got (2,)")
    }

    func testBLASInfoParsing() {
        XCTAssertEqual(BLASInfo.parseVersion("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH Prescott MAX_THREADS=64"), "0.3.21")
        XCTAssertNil(BLASInfo.parseVersion("something else"))
        let flags = BLASInfo.parseFlags("processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq\nbogomips : 1\n")
        XCTAssertTrue(flags.avx2 && flags.avx512)
        XCTAssertFalse(BLASInfo.parseFlags("flags : fpu sse2 avx\n").avx2)
        XCTAssertEqual(BLASInfo.slowCoreWarning(core: "Prescott", version: "0.3.21", flags: (true, true)),
                       "OpenBLAS 0.3.21 uses its Prescott kernels on a CPU with AVX-512 (matrix products run several times slower); run with OPENBLAS_CORETYPE=SkylakeX (or Haswell for AVX2)")
        XCTAssertTrue(BLASInfo.slowCoreWarning(core: "Nehalem", version: "0.3.21", flags: (true, false))!.hasSuffix("OPENBLAS_CORETYPE=Haswell"))
        XCTAssertNil(BLASInfo.slowCoreWarning(core: "SkylakeX", version: "0.3.21", flags: (true, true)))
        XCTAssertNil(BLASInfo.slowCoreWarning(core: "Prescott", version: "0.3.21", flags: (false, false)))
        XCTAssertTrue(BLASInfo.summary.hasPrefix("OpenBLAS "), BLASInfo.summary)
        XCTAssertGreaterThanOrEqual(BLASInfo.threads, 1)
    }
}

final class SymmetricMatVecTests: XCTestCase {
    func testMatchesTheGeneralProductOnASymmetricMatrix() throws {
        var rng = RNG(seed: 5)
        let n = 37
        var a = try Tensor(shape: [n, n])
        for i in 0..<n { for j in i..<n { let v = rng.normal(); a[flat: i * n + j] = v; a[flat: j * n + i] = v } }
        let x = try Tensor(shape: [n], data: (0..<n).map { _ in rng.normal() })
        let y = try Tensor.symmetricMatVec(a, x), z = try Tensor.matmul(a, x)
        for i in 0..<n { XCTAssertEqual(y[flat: i], z[flat: i], accuracy: 1e-12) }
        // Only the upper triangle is read: garbage below the diagonal changes nothing.
        var upper = a
        for i in 1..<n { for j in 0..<i { upper[flat: i * n + j] = .nan } }
        XCTAssertEqual(try Tensor.symmetricMatVec(upper, x).scalars, y.scalars)
        XCTAssertThrowsError(try Tensor.symmetricMatVec(try Tensor(shape: [2, 3]), x))
    }
}
