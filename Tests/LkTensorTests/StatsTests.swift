import Foundation
import XCTest
@testable import LkTensor
import LkTestSupport

/// Points drawn from N(centre, σ² I) from a private generator.
private func blobs(_ centres: [[Double]], each: Int, sigma: Double, seed: UInt64) -> Tensor {
    var g = RNG(seed: seed)
    let d = centres[0].count
    return try! Tensor.build(shape: [centres.count * each, d]) { p, _ in
        for (c, centre) in centres.enumerated() { for i in 0..<each { for j in 0..<d {
            p[(c * each + i) * d + j] = centre[j] + sigma * g.normal()
        } } }
    }
}

final class StatsTests: XCTestCase {
    func testGram() throws {
        let x = laRandom([6, 4], seed: 1), y = laRandom([3, 4], seed: 2)
        let g = try Tensor.gram(x)
        assertClose(g, laNaiveMatmul(x, laT(x)), largestTol: 1e-14, "X Xᵀ")
        XCTAssertEqual(g, laT(g))   // exactly symmetric
        assertClose(try Tensor.gram(x, y), laNaiveMatmul(x, laT(y)), largestTol: 1e-14, "X Yᵀ")
        laAssertError(try Tensor.gram(x, laRandom([3, 5], seed: 3)), "gram: X has 4 columns but Y has 5")
        laAssertError(try Tensor.gram(Tensor([1, 2])), "gram: X must be a matrix with one sample per row, got (2,)")
    }

    func testCosine() throws {
        XCTAssertEqual(try Tensor.cosine(Tensor([1, 0]), Tensor([1, 1])).scalarValue!, 0.5.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(try Tensor.cosine(Tensor([1, 2]), Tensor([-2, -4])).scalarValue!, -1, accuracy: 1e-15)
        XCTAssertEqual(try Tensor.cosine(Tensor([0, 0]), Tensor([1, 1])).scalarValue, 0)
        let a = matrix([[1, 0], [0, 2], [0, 0]]), b = matrix([[3, 0], [1, 1]])
        let c = try Tensor.cosine(a, b)
        assertClose(c, matrix([[1, 0.5.squareRoot()], [0, 0.5.squareRoot()], [0, 0]]), largestTol: 1e-15)
        XCTAssertEqual(try Tensor.cosine(Tensor([0, 1]), b).shape, [2])
        laAssertError(try Tensor.cosine(a, laRandom([2, 3], seed: 1)), "cosine: vectors have different lengths, (3,2) and (2,3)")
    }

    /// Data with a known covariance R diag(9, 4, 0.25) Rᵀ (R a rotation) and mean (5, −1, 2).
    func testPCAKnownCovariance() throws {
        let n = 20_000
        let z = blobs([[0, 0, 0]], each: n, sigma: 1, seed: 3)
        let (c, s) = (cos(0.5), sin(0.5))
        let r = matrix([[c, -s, 0], [s, c, 0], [0, 0, 1]])    // columns are the principal axes
        let scaled = laNaiveMatmul(z, matrix([[3, 0, 0], [0, 2, 0], [0, 0, 0.5]]))
        let rotated = laNaiveMatmul(scaled, laT(r))
        let x = try Tensor.build(shape: [n, 3]) { p, _ in
            for i in 0..<n { for (j, m) in [5.0, -1, 2].enumerated() { p[i * 3 + j] = rotated[flat: i * 3 + j] + m } }
        }
        let pca = try Tensor.pca(x, k: 2)
        XCTAssertEqual(pca.components.shape, [2, 3]); XCTAssertEqual(pca.scores.shape, [n, 2])
        // Sign convention: largest-magnitude entry positive, so component 0 ≈ (c, s, 0), 1 ≈ (s, −c, 0) → (−s, c, 0).
        assertClose(pca.components, matrix([[c, s, 0], [-s, c, 0]]), largestTol: 0.02, "axes")
        XCTAssertEqual(pca.explained[flat: 0], 9, accuracy: 9 * 0.05)
        XCTAssertEqual(pca.explained[flat: 1], 4, accuracy: 4 * 0.05)
        assertClose(pca.mean, Tensor([5, -1, 2]), largestTol: 0.05, "mean")
        // Exact relations: scores = (X − μ) Cᵀ and explained = mean of squared scores.
        let centered = try Tensor.build(shape: [n, 3]) { p, _ in for i in 0..<(3 * n) { p[i] = x[flat: i] - pca.mean[flat: i % 3] } }
        assertClose(pca.scores, laNaiveMatmul(centered, laT(pca.components)), largestTol: 1e-10, "scores")
        for k in 0..<2 {
            let v = (0..<n).map { pow(pca.scores[flat: $0 * 2 + k], 2) }.reduce(0, +) / Double(n)
            XCTAssertEqual(pca.explained[flat: k], v, accuracy: 1e-10 * v)
        }
        laAssertError(try Tensor.pca(x, k: 4), "pca: k must be between 1 and 3 for X of shape (20000,3), got 4")
    }

    func testKMeansFindsSeparatedClusters() throws {
        let centres: [[Double]] = [[0, 0], [10, 0], [0, 10], [10, 10]]
        let x = blobs(centres, each: 50, sigma: 0.5, seed: 4)
        let result = try Tensor.kmeans(x, k: 4, seed: 1)
        // Every true cluster gets one label of its own.
        var seen = Set<Int>()
        for c in 0..<4 {
            let labels = Set((0..<50).map { Int(result.labels[flat: c * 50 + $0]) })
            XCTAssertEqual(labels.count, 1, "cluster \(c) split: \(labels)")
            seen.formUnion(labels)
            let found = labels.first!
            XCTAssertEqual(result.centers[flat: found * 2], centres[c][0], accuracy: 0.3)
            XCTAssertEqual(result.centers[flat: found * 2 + 1], centres[c][1], accuracy: 0.3)
        }
        XCTAssertEqual(seen.count, 4)
        // Inertia is about N·d·σ² = 200·2·0.25 = 100.
        XCTAssertEqual(result.inertia, 100, accuracy: 25)
        XCTAssertGreaterThanOrEqual(result.iterations, 1)
        XCTAssertLessThan(result.iterations, 100)
        // Reproducible with the same seed.
        let again = try Tensor.kmeans(x, k: 4, seed: 1)
        XCTAssertEqual(again.labels, result.labels)
        XCTAssertEqual(again.inertia, result.inertia)
    }

    func testKMeansEdgeCasesAndInterrupt() throws {
        let x = laRandom([10, 3], seed: 5)
        let one = try Tensor.kmeans(x, k: 10, seed: 2)
        XCTAssertEqual(one.inertia, 0, accuracy: 1e-24)             // every point its own centre
        let dup = try Tensor(shape: [6, 2], repeating: 1)
        XCTAssertEqual(try Tensor.kmeans(dup, k: 3, seed: 3).inertia, 0)   // duplicates: no crash
        let line = try Tensor.kmeans(Tensor([0, 0.1, 0.2, 9.9, 10, 10.1]), k: 2, seed: 4)
        XCTAssertEqual(Set(line.labels.scalars[0..<3]).count, 1)
        XCTAssertNotEqual(line.labels[flat: 0], line.labels[flat: 5])
        laAssertError(try Tensor.kmeans(x, k: 11), "kmeans: k must be between 1 and the number of points (10), got 11")
        XCTAssertThrowsError(try Tensor.kmeans(x, k: 2, interrupt: { true })) { XCTAssertTrue($0 is Interrupted, "\($0)") }
    }
}
