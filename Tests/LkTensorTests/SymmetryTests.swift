import XCTest
@testable import LkTensor
import LkTestSupport

/// `Tensor.asymmetry` (the tiled scan behind cg's and chol/eigh's symmetry checks) and
/// `firstPair` against the plain definition, element by element.
final class SymmetryTests: XCTestCase {
    /// The definition: max |Aᵢⱼ|, and the first pair (i > j, row-major) with the largest |Aᵢⱼ − Aⱼᵢ|.
    func reference(_ a: Tensor) -> (Double, Double, Int, Int) {
        let n = a.shape[0], p = a.pointer
        var largest = 0.0, worst = (0.0, 0, 0)
        for i in 0..<a.count { largest = Swift.max(largest, abs(p[i])) }
        for i in 0..<n { for j in 0..<i { let d = abs(p[i * n + j] - p[j * n + i]); if d > worst.0 { worst = (d, i, j) } } }
        return (largest, worst.0, worst.1, worst.2)
    }

    func testTiledScanEqualsTheDefinition() throws {
        var g = RNG(seed: 5)
        // Sizes around the 32-wide tiles, and one large enough to be split across threads.
        for n in [1, 2, 31, 32, 33, 97, 700] {
            let x = try Tensor.build(shape: [n, n]) { p, c in for i in 0..<c { p[i] = g.normal() } }
            var s = try Tensor.binary(.add, x, x.transposed())   // symmetric
            var r = s.asymmetry()
            let want = reference(s)
            XCTAssertEqual(r.largest, want.0, "n = \(n)")
            XCTAssertEqual(r.worst, 0, "n = \(n)")
            XCTAssertEqual(s.firstPair(differingBy: 0).row, n > 1 ? 1 : 0, "n = \(n)")
            guard n > 3 else { continue }
            // Two pairs equally far from symmetric, the later one (row-major) in an earlier tile row's
            // reach: the first in row-major order must be reported; a nan elsewhere is passed over.
            s.makeUnique()
            let p = s.pointer
            p[(n - 1) * n + 1] = 1.5; p[1 * n + (n - 1)] = 1.25
            p[2 * n + 0] = 1.5; p[0 * n + 2] = 1.25
            p[(n / 2) * n + (n / 2)] = .nan
            r = s.asymmetry()
            let ref = reference(s)
            XCTAssertEqual(r.largest, ref.0, "n = \(n)")
            XCTAssertEqual(r.worst, ref.1, "n = \(n)")
            let at = s.firstPair(differingBy: r.worst)
            XCTAssertEqual([at.row, at.column], [ref.2, ref.3], "n = \(n)")
            XCTAssertEqual([at.row, at.column], [2, 0], "n = \(n)")
        }
    }

    func testIdenticalComparesBits() throws {
        let a = try Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        XCTAssertTrue(Tensor.identical(a, a))
        XCTAssertTrue(Tensor.identical(a, try Tensor(shape: [2, 2], data: [1, 2, 3, 4])))
        XCTAssertFalse(Tensor.identical(a, try Tensor(shape: [4], data: [1, 2, 3, 4])))
        XCTAssertFalse(Tensor.identical(a, try Tensor(shape: [2, 2], data: [1, 2, 3, 5])))
        XCTAssertFalse(Tensor.identical(try Tensor(shape: [1], data: [0]), try Tensor(shape: [1], data: [-0.0])))
    }
}
