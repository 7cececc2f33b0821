import XCTest
import LkTensor
@testable import LkStudy
import LkTestSupport

/// Loki's Fréchet mean, locus and active class choice against hand-worked metrics and the
/// closed forms the paper relies on.
final class LokiTests: XCTestCase {
    func pathMetric(_ k: Int) -> Tensor { try! Tensor.build(shape: [k, k]) { p, _ in for i in 0..<k { for j in 0..<k { p[i * k + j] = Double(abs(i - j)) } } } }

    func testHandWorkedPath() throws {
        // Path 0 – 1 – 2, observed {0, 2}: E(y) = p₀ y² + p₂ (2 − y)².
        let p = matrix([[0.5, 0.5], [0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8], [0.75, 0.25]])
        // [.75,.25]: E(0) = 1 = E(1): the tie goes to class 0.
        XCTAssertEqual(try Loki.frechetMean(p, distances: pathMetric(3), observed: [0, 2]), [1, 0, 1, 1, 2, 0])
    }

    func testPathClosedForm() throws {
        // With every class observed on a path, argmin_y Σ pᵢ (y − i)² is the integer nearest the mean Σ pᵢ i.
        Random.seed(7)
        let k = 12
        let raw = try Random.rand([200, k])
        let p = try Tensor.binary(.pow, raw, 4)   // peaked rows
        let got = try Loki.frechetMean(p, distances: pathMetric(k), observed: Array(0..<k))
        for r in 0..<200 {
            let row = (0..<k).map { p.scalars[r * k + $0] }
            let mu = zip(row, 0..<k).map { $0 * Double($1) }.reduce(0, +) / row.reduce(0, +)
            XCTAssertEqual(got[r], Int((mu - 0.5).rounded(.up)), "row \(r), mean \(mu)")   // halves go down
        }
    }

    func testUninformativeMetricIsArgmax() throws {
        Random.seed(8)
        let k = 9
        let d = try Tensor.build(shape: [k, k]) { p, _ in for i in 0..<k { for j in 0..<k { p[i * k + j] = i == j ? 0 : 1 } } }
        let p = try Random.rand([100, k])
        let argmax = try p.reduce(.argmax, axis: 1).scalars.map { Int($0) }
        XCTAssertEqual(try Loki.frechetMean(p, distances: d, observed: Array(0..<k)), argmax)
        // Observed subset: the prediction is the observed class with the largest weight.
        let obs = [7, 2, 5]
        let ps = try p.get([.all, .slice(start: 0, stop: 3, step: nil)])
        let sub = try ps.reduce(.argmax, axis: 1).scalars.map { obs[Int($0)] }
        XCTAssertEqual(try Loki.frechetMean(ps, distances: d, observed: obs), sub)
    }

    func testObservedRowsAndSparseColumns() throws {
        let d = pathMetric(6), obs = [1, 4, 5]
        let p = matrix([[0.2, 0, 0.8], [0.5, 0, 0.5], [1, 0, 0], [0.1, 0, 0.3]])
        let full = try Loki.frechetMean(p, distances: d, observed: obs)
        let rows = try Tensor.build(shape: [3, 6]) { q, _ in for (r, c) in obs.enumerated() { for j in 0..<6 { q[r * 6 + j] = Double(abs(c - j)) } } }
        XCTAssertEqual(try Loki.frechetMean(p, distances: rows, observed: obs), full)
        XCTAssertEqual(full, [4, 3, 1, 4])   // nearest classes to the weighted means 4.2, 3, 1, 4
        XCTAssertThrowsError(try Loki.frechetMean(matrix([[-0.1, 0.5, 0.6]]), distances: d, observed: obs))
        XCTAssertThrowsError(try Loki.frechetMean(p, distances: d, observed: [1, 4]))
        XCTAssertThrowsError(try Loki.frechetMean(p, distances: d, observed: [1, 4, 9]))
    }

    func testTreeMetricHandWorked() throws {
        // 0 is the root; 1, 2 its children; 3 a child of 1; edge 3–1 has length 2.
        let d = try Loki.treeMetric(parents: [-1, 0, 0, 1], weights: [0, 1, 1, 2])
        XCTAssertEqual(d.scalars, [0, 1, 1, 3,
                                   1, 0, 2, 2,
                                   1, 2, 0, 4,
                                   3, 2, 4, 0])
        XCTAssertThrowsError(try Loki.treeMetric(parents: [-1, 2, 1]))   // cycle 1 ↔ 2
        XCTAssertThrowsError(try Loki.treeMetric(parents: [-1, -1]))
        XCTAssertEqual(try Loki.expectedSquaredDistance(pred: [0, 3], truth: [3, 3], distances: d), (9 + 0) / 2)
    }

    /// The minimal subtree spanning `observed`, computed independently: a node is in it iff it
    /// lies on the path between two observed nodes (or is observed).
    func steinerSubtree(parents: [Int], observed: [Int]) -> [Int] {
        func pathToRoot(_ v: Int) -> [Int] { var out = [v], u = v; while parents[u] >= 0 { u = parents[u]; out.append(u) }; return out }
        var nodes = Set(observed)
        for a in observed { for b in observed where a < b {
            let pa = pathToRoot(a), pb = pathToRoot(b)
            let lca = pa.first { pb.contains($0) }!
            nodes.formUnion(pa.prefix { $0 != lca }); nodes.formUnion(pb.prefix { $0 != lca }); nodes.insert(lca)
        } }
        return nodes.sorted()
    }

    func testLocusOfTreeIsMinimalSpanningSubtree() throws {
        var rng = RNG(seed: 11)
        for trial in 0..<8 {
            let k = 25
            let parents = [-1] + (1..<k).map { rng.int(below: $0) }   // random recursive tree
            let d = try Loki.treeMetric(parents: parents)
            var obs: [Int] = []
            while obs.count < 2 + trial % 4 { let c = rng.int(below: k); if !obs.contains(c) { obs.append(c) } }
            XCTAssertEqual(try Loki.locus(distances: d, observed: obs), steinerSubtree(parents: parents, observed: obs), "trial \(trial)")
        }
    }

    func testLocusNeedsTheLPForSomeClasses() throws {
        // Star with a long centre edge: leaves 1, 2, 3 at distance 1 from centre 0; observed {1, 2, 3}.
        // The centre wins only near the barycentre: p = (⅓, ⅓, ⅓) gives E(0) = 1 < E(leaf) = 8/3.
        let d = try Loki.treeMetric(parents: [-1, 0, 0, 0])
        XCTAssertEqual(try Loki.reachable(0, d2: try Loki.observedSquared(d, observed: [1, 2, 3], name: "t"), scale: 4), true)
        // Path of 5 with observed ends: every class reachable; with observed {0, 1}: classes 2.. never.
        XCTAssertEqual(try Loki.locus(distances: pathMetric(5), observed: [0, 4]), [0, 1, 2, 3, 4])
        XCTAssertEqual(try Loki.locus(distances: pathMetric(5), observed: [0, 1]), [0, 1])
        XCTAssertFalse(try Loki.reachable(3, d2: try Loki.observedSquared(pathMetric(5), observed: [0, 1], name: "t"), scale: 16))
    }

    func testNextClassIsFarthestFromLocus() throws {
        XCTAssertEqual(try Loki.nextClass(distances: pathMetric(10), observed: [0, 3]), 9)
        XCTAssertEqual(try Loki.nextClass(distances: pathMetric(10), observed: [5, 6]), 0)   // class 0 is 5 from the locus {5, 6}, class 9 only 3
        XCTAssertNil(try Loki.nextClass(distances: pathMetric(4), observed: [0, 3]))
    }
}
