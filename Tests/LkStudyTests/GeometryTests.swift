import Foundation
import XCTest
@testable import LkStudy
import LkTensor
import LkTestSupport

/// CKA, kernel alignment, RSA, the abstraction measures and the hypercube task
/// against hand-worked values and the invariances the measures are built to have.
final class GeometryTests: XCTestCase {
    func random(_ n: Int, _ p: Int, seed: UInt64) -> Tensor {
        var g = RNG(seed: seed)
        return try! Tensor.build(shape: [n, p]) { o, c in for i in 0..<c { o[i] = g.normal() } }
    }

    /// One feature each: CKA is the squared Pearson correlation. x = (1, 2, 3),
    /// y = (1, 0, 2): centred (−1, 0, 1) and (0, −1, 1), r = 1/(√2·√2) = ½, CKA = ¼.
    func testCKAHandWorked() throws {
        XCTAssertEqual(try Similarity.cka(matrix([[1], [2], [3]]), matrix([[1], [0], [2]])), 0.25, accuracy: 1e-15)
    }

    /// Invariant to orthogonal transforms and isotropic scaling (Kornblith et al.
    /// 2019, §3), not to an anisotropic scaling; equal to the centred alignment of the Gram matrices.
    func testCKAInvariances() throws {
        let x = random(40, 6, seed: 1), y = try Tensor.binary(.add, try Tensor.matmul(x, random(6, 9, seed: 2)), random(40, 9, seed: 3))
        let base = try Similarity.cka(x, y)
        let q = try random(6, 6, seed: 4).qr().q
        XCTAssertEqual(try Similarity.cka(try Tensor.matmul(x, q), y), base, accuracy: 1e-12)
        XCTAssertEqual(try Similarity.cka(try Tensor.binary(.mul, x, 7.5), try Tensor.binary(.mul, y, 0.01)), base, accuracy: 1e-12)
        XCTAssertEqual(try Similarity.cka(x, x), 1, accuracy: 1e-14)
        let stretch = try Tensor.matmul(x, Tensor.diag(Tensor([1, 1, 1, 1, 1, 40])))
        XCTAssertGreaterThan(abs(try Similarity.cka(stretch, y) - base), 0.01)
        XCTAssertEqual(try Similarity.alignment(Tensor.gram(x), Tensor.gram(y)), base, accuracy: 1e-12)
        // Many features (Gram route) against few (feature route): same value.
        let wide = random(10, 300, seed: 5), wide2 = try Tensor.binary(.add, wide, random(10, 300, seed: 6))
        XCTAssertEqual(try Similarity.cka(wide, wide2), try Similarity.alignment(Tensor.gram(wide), Tensor.gram(wide2)), accuracy: 1e-12)
    }

    /// Uncentred alignment of I and 11ᵀ (N = 4): ⟨I, 11ᵀ⟩ = 4, ‖I‖ = 2, ‖11ᵀ‖ = 4 → ½.
    /// Centred, 11ᵀ vanishes (NaN: no signal to align).
    func testAlignmentHandWorked() throws {
        let i = try Tensor.eye(4), ones = try Tensor(shape: [4, 4], repeating: 1)
        XCTAssertEqual(try Similarity.alignment(i, ones, centered: false), 0.5, accuracy: 1e-15)
        XCTAssertTrue(try Similarity.alignment(i, ones).isNaN)
        XCTAssertEqual(try Similarity.alignment(i, try Tensor.binary(.mul, i, 3)), 1, accuracy: 1e-15)
    }

    /// RDMs by hand, and RSA: points 0, 1, 3 against 0, 2, 3 on a line have Euclidean
    /// dissimilarities (1, 3, 2) and (2, 3, 1): ranks (1, 3, 2) and (2, 3, 1), Spearman
    /// 1 − 6·(1 + 0 + 1)/(3·8) = ½; Pearson of (1, 3, 2), (2, 3, 1) is also ½.
    func testRSAHandWorked() throws {
        let c = try Similarity.rdm(matrix([[1, 2, 3], [3, 2, 1], [2, 4, 6]]), metric: .correlation)
        XCTAssertEqual(c[flat: 1], 2, accuracy: 1e-15)      // r = −1
        XCTAssertEqual(c[flat: 2], 0, accuracy: 1e-15)      // r = 1
        let e = try Similarity.rdm(matrix([[0, 0], [3, 4]]), metric: .euclidean)
        XCTAssertEqual(e[flat: 1], 5, accuracy: 1e-15)
        let a = try Similarity.rdm(matrix([[0], [1], [3]]), metric: .euclidean), b = try Similarity.rdm(matrix([[0], [2], [3]]), metric: .euclidean)
        XCTAssertEqual(Similarity.rsa(rdm1: a, rdm2: b, compare: .spearman), 0.5, accuracy: 1e-15)
        XCTAssertEqual(Similarity.rsa(rdm1: a, rdm2: b, compare: .pearson), 0.5, accuracy: 1e-15)
        XCTAssertEqual(Similarity.ranks([3, 1, 3, 2]), [3.5, 1, 3.5, 2])
        // Identical representations, and a monotone distortion of distances (Spearman only sees ranks).
        let x = random(12, 5, seed: 7)
        let rx = try Similarity.rdm(x, metric: .euclidean)
        XCTAssertEqual(Similarity.rsa(rdm1: rx, rdm2: rx, compare: .spearman), 1, accuracy: 1e-14)
        XCTAssertEqual(Similarity.rsa(rdm1: rx, rdm2: try Similarity.rdm(x, metric: .sqeuclidean), compare: .spearman), 1, accuracy: 1e-14)
    }

    /// A square (bits = 2): the bit dichotomies are perfectly parallel (PS = 1) and
    /// generalise (CCGP = 1); XOR pairs (1→0, 2→3) give coding vectors (−2, 0), (2, 0)
    /// and (1→3, 2→0) give (0, 2), (0, −2): PS = −1, and the read-out trained on one
    /// side's pair mislabels the held-out pair (CCGP = 0).
    func testParallelismAndCCGPOnASquare() throws {
        let corners = matrix([[-1, -1], [1, -1], [-1, 1], [1, 1]])
        XCTAssertEqual(try Abstraction.parallelism(corners, split: [false, true, false, true]), 1, accuracy: 1e-15)
        XCTAssertEqual(try Abstraction.parallelism(corners, split: [true, false, false, true]), -1, accuracy: 1e-15)
        // A bent square: (0,0), (1,0), (0,1), (0,2) split by condition parity.
        XCTAssertEqual(try Abstraction.parallelism(matrix([[0, 0], [1, 0], [0, 1], [0, 2]]), split: [false, true, false, true]), 0, accuracy: 1e-15)
        // CCGP on the cube (bits = 3), ten noisy trials per corner: holding out one
        // condition per side leaves three per side, which share only the dichotomy's
        // direction for a bit (CCGP = 1), while for the XOR of two bits the read-out
        // learnt on the rest labels the held-out pair the wrong way (CCGP = 0). (On a
        // square, half of the held-out choices leave a diagonal pair for training, and
        // the bit dichotomy scores ¾.)
        var g = RNG(seed: 9)
        let trials = try Tensor.build(shape: [80, 3]) { o, _ in
            for r in 0..<80 { for j in 0..<3 { o[r * 3 + j] = ((r % 8) >> j & 1 == 1 ? 1 : -1) + 0.1 * g.normal() } }
        }
        let labels = (0..<80).map { $0 % 8 }
        let bit0 = (0..<8).map { $0 & 1 == 1 }, xor01 = (0..<8).map { ($0 & 1) ^ ($0 >> 1 & 1) == 1 }
        XCTAssertEqual(try Abstraction.ccgp(trials, labels: labels, split: bit0, ridge: 1), 1)
        XCTAssertEqual(try Abstraction.ccgp(trials, labels: labels, split: xor01, ridge: 1), 0)
        let means = try Abstraction.conditionMeans(trials, labels: labels, conditions: 8)
        XCTAssertEqual(try Abstraction.parallelism(means, split: bit0), 1, accuracy: 0.02)
        XCTAssertEqual(means[flat: 0], -1, accuracy: 0.1)
    }

    /// The task family: ‖x‖² = dim for every condition, the measured alignment of the
    /// input kernel with parity targets is 0 at α = 0 and 1 at α = 1, increasing in
    /// between; the cube's bit dichotomies are perfectly parallel at α = 0.
    func testHypercube() throws {
        XCTAssertEqual(Hypercube.paritySubsets(bits: 3), [[0, 1, 2], [0, 1], [0, 2], [1, 2]])
        var last = -1.0
        for alpha in [0.0, 0.25, 0.5, 0.75, 1.0] {
            var g = RNG(seed: 2)
            let h = try Hypercube(bits: 3, subsets: [[0, 1, 2], [0, 1]], alignment: alpha, dim: 20, noise: 0, trials: 1, rng: &g)
            for c in 0..<8 {
                let n2 = (0..<20).reduce(0.0) { $0 + h.means[flat: c * 20 + $1] * h.means[flat: c * 20 + $1] }
                XCTAssertEqual(n2, 20, accuracy: 1e-12)
                XCTAssertEqual(h.cornerTargets[flat: c * 2], [0, 1, 2].reduce(1.0) { $0 * h.corners[flat: c * 3 + $1] })
            }
            XCTAssertGreaterThan(h.alignment, last)
            last = h.alignment
            if alpha == 0 {
                XCTAssertEqual(h.alignment, 0, accuracy: 1e-12)
                XCTAssertEqual(try Abstraction.parallelism(h.means, split: (0..<8).map { $0 & 1 == 1 }), 1, accuracy: 1e-12)
            }
            if alpha == 1 { XCTAssertEqual(h.alignment, 1, accuracy: 1e-12) }
        }
    }
}
