import XCTest
import LkTensor
@testable import LkStudy
import LkTestSupport

/// Relative representations against hand-worked values and the invariances the paper proves.
final class RelativeTests: XCTestCase {
    func randomOrthogonal(_ d: Int, seed: UInt64) throws -> Tensor {
        Random.seed(seed)
        return try Random.randn([d, d]).qr().q
    }

    func testHandWorkedModes() throws {
        let x = matrix([[1, 0], [1, 1]]), a = matrix([[1, 0], [0, 2]])
        let r = 1 / 2.0.squareRoot()
        assertClose(try Relative.represent(x, anchors: a, mode: .cosine), matrix([[1, 0], [r, r]]), rtol: 0, atol: 1e-15)
        assertClose(try Relative.represent(x, anchors: a, mode: .inner), matrix([[1, 0], [1, 2]]), rtol: 0, atol: 1e-15)
        // c A = x: c = (x₀, x₁ / 2).
        assertClose(try Relative.represent(x, anchors: a, mode: .basis), matrix([[1, 0], [1, 0.5]]), rtol: 0, atol: 1e-14)
    }

    func testCosineInvariantToRotationAndScalingNotTranslation() throws {
        Random.seed(1)
        let x = try Random.randn([50, 8]), a = try Random.randn([10, 8])
        let q = try randomOrthogonal(8, seed: 2)
        let xq = try Tensor.binary(.mul, try Tensor.matmul(x, q), 3.7), aq = try Tensor.binary(.mul, try Tensor.matmul(a, q), 3.7)
        let r = try Relative.represent(x, anchors: a)
        assertClose(try Relative.represent(xq, anchors: aq), r, rtol: 0, atol: 1e-12)
        // inner products survive the rotation but scale by s².
        let inner = try Relative.represent(x, anchors: a, mode: .inner)
        assertClose(try Relative.represent(try Tensor.matmul(x, q), anchors: try Tensor.matmul(a, q), mode: .inner), inner, rtol: 0, atol: 1e-12)
        assertClose(try Relative.represent(xq, anchors: aq, mode: .inner), try Tensor.binary(.mul, inner, 3.7 * 3.7), rtol: 0, atol: 1e-10)
        // A translation changes cosines …
        let shift = try Random.randn([8])
        let xt = try Tensor.binary(.add, x, shift), at = try Tensor.binary(.add, a, shift)
        let moved = try Relative.represent(xt, anchors: at)
        let change = maxAbsDifference(moved, r)
        XCTAssertGreaterThan(change, 0.1)
        // … unless the anchors' mean is subtracted first.
        assertClose(try Relative.represent(xt, anchors: at, center: true), try Relative.represent(x, anchors: a, center: true), rtol: 0, atol: 1e-12)
    }

    func testBasisInvariantToInvertibleMaps() throws {
        Random.seed(3)
        let x = try Random.randn([30, 6]), a = try Random.randn([9, 6])
        let m = try Tensor.binary(.add, try Random.randn([6, 6]), try Tensor.binary(.mul, try Tensor.eye(6), 3))
        let r = try Relative.represent(x, anchors: a, mode: .basis)
        assertClose(try Relative.represent(try Tensor.matmul(x, m), anchors: try Tensor.matmul(a, m), mode: .basis), r, rtol: 0, atol: 1e-9)
        // And reconstructs the points: c A = x.
        assertClose(try Tensor.matmul(r, a), x, rtol: 0, atol: 1e-10)
    }

    func testPickAnchors() throws {
        Random.seed(4)
        let x = try Random.randn([40, 3])
        for method in AnchorSelection.allCases {
            let labels = (0..<40).map { $0 % 3 }
            let idx = try Relative.pickAnchors(x, k: 7, method: method, labels: labels, seed: 9)
            XCTAssertEqual(idx.count, 7); XCTAssertEqual(Set(idx).count, 7, "\(method)")
            XCTAssertTrue(idx.allSatisfy { (0..<40).contains($0) })
            XCTAssertEqual(idx, try Relative.pickAnchors(x, k: 7, method: method, labels: labels, seed: 9), "deterministic for a seed")
            if method == .stratified {
                let counts = (0..<3).map { c in idx.filter { labels[$0] == c }.count }
                XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1)
            }
        }
        // Farthest-point sampling on a line: 0, 1, 2, 10, 11 → after any start, the next is the far end.
        let line = matrix([[0], [1], [2], [10], [11]])
        let f = try Relative.pickAnchors(line, k: 3, method: .fps, seed: 0)
        let pos = f.map { line.scalars[$0] }
        XCTAssertEqual(abs(pos[1] - pos[0]), pos[0] <= 2 ? 11 - pos[0] : pos[0], "second anchor is the farthest from the first")
        XCTAssertThrowsError(try Relative.pickAnchors(x, k: 3, method: .stratified, seed: 0))
        XCTAssertThrowsError(try Relative.pickAnchors(x, k: 41, method: .random, seed: 0))
    }

    func testCrossSpaceMeasures() throws {
        let r1 = matrix([[1, 0], [0, 1], [1, 1]]), r2 = matrix([[0, 1], [1, 0], [1, 1]])
        // Hand-worked: the matches rank 3, 3 and 1.
        XCTAssertEqual(try Relative.meanReciprocalRank(r1, r2), (1.0 / 3 + 1.0 / 3 + 1) / 3, accuracy: 1e-15)
        XCTAssertEqual(try Relative.meanReciprocalRank(r1, r1), 1)
        XCTAssertEqual(try Relative.matchedCosine(r1, r2), (0 + 0 + 1) / 3, accuracy: 1e-15)
        XCTAssertEqual(try Relative.matchedCosine(r1, try Tensor.binary(.mul, r1, -2)), -1, accuracy: 1e-15)
        Random.seed(5)
        let x = try Random.randn([25, 4])
        let q = try randomOrthogonal(4, seed: 6)
        XCTAssertEqual(try Relative.knnJaccard(x, try Tensor.matmul(x, q), k: 5), 1, "a rotation keeps every neighbourhood")
        // Hand-worked Jaccard, k = 1: points on a circle at angles 0, 10°, 90°, 100° vs a relabelled copy.
        func p(_ deg: [Double]) -> Tensor { matrix(deg.map { [cos($0 * .pi / 180), sin($0 * .pi / 180)] }) }
        let s1 = p([0, 10, 90, 100]), s2 = p([0, 90, 10, 100])  // neighbours: {1,0,3,2} vs {2,3,0,1}
        XCTAssertEqual(try Relative.knnJaccard(s1, s2, k: 1), 0)
        XCTAssertEqual(try Relative.knnJaccard(s1, s1, k: 1), 1)
        XCTAssertThrowsError(try Relative.meanReciprocalRank(try Tensor(shape: [2, 2]), try Tensor(shape: [3, 2])))
    }
}
