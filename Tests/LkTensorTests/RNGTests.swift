import Foundation
import XCTest
@testable import LkTensor

final class RNGTests: XCTestCase {
    // Reference values were produced once by an independent Python implementation of
    // splitmix64 seeding + xoshiro256** + (x >> 11)·2⁻⁵³ + Marsaglia polar + Lemire's
    // bounded integers (integer arithmetic masked to 64 bits; math.log / math.sqrt),
    // written from the published algorithms, not from RNG.swift.

    func testSplitmixAndXoshiroReferenceValues() {
        // The first splitmix64 output for seed 0 is the well-known 0xe220a8397b1dcdaf;
        // that feeds s0, so the generator is checked against the published stream too.
        var g = RNG(seed: 0)
        XCTAssertEqual([g.nextUInt64(), g.nextUInt64(), g.nextUInt64()],
                       [0x99ec5f36cb75f2b4, 0xbf6e1f784956452a, 0x1a5f849d4933e6e0])
        var h = RNG(seed: 42)
        XCTAssertEqual([h.nextUInt64(), h.nextUInt64(), h.nextUInt64()],
                       [0x15780b2e0c2ec716, 0x6104d9866d113a7e, 0xae17533239e499a1])
    }

    func testUniformNormalIntReferenceValues() {
        var g = RNG(seed: 0)
        XCTAssertEqual([g.uniform(), g.uniform(), g.uniform()], [0.6012629994179048, 0.7477740925472398, 0.10301998939503632])
        var h = RNG(seed: 42)
        XCTAssertEqual([h.uniform(), h.uniform(), h.uniform()], [0.08386297105988216, 0.3789802506626686, 0.6800434110281394])
        var n = RNG(seed: 0)
        let normals = (0..<4).map { _ in n.normal() }
        let expected = [0.5981026483626094, 1.4634599192204392, -0.8950525532379914, -0.1880627660388742]
        for (a, b) in zip(normals, expected) { XCTAssertEqual(a, b, accuracy: 1e-15) }   // log may differ in the last ulp across libms
        var k = RNG(seed: 7)
        XCTAssertEqual((0..<6).map { _ in k.int(below: 10) }, [7, 2, 8, 9, 9, 8])
    }

    /// Moments of 10⁵ samples, with tolerances of five standard errors.
    func testMoments() {
        var g = RNG(seed: 2024)
        let n = 100_000
        let u = (0..<n).map { _ in g.uniform() }
        let um = u.reduce(0, +) / Double(n)
        let uv = u.map { ($0 - um) * ($0 - um) }.reduce(0, +) / Double(n)
        XCTAssertEqual(um, 0.5, accuracy: 5 * (1.0 / 12 / Double(n)).squareRoot())
        XCTAssertEqual(uv, 1.0 / 12, accuracy: 5 * (1.0 / 180 / Double(n)).squareRoot())   // Var of (U−½)² is 1/180
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let z = (0..<n).map { _ in g.normal() }
        let zm = z.reduce(0, +) / Double(n)
        let zv = z.map { ($0 - zm) * ($0 - zm) }.reduce(0, +) / Double(n)
        let kurt = z.map { pow($0 - zm, 4) }.reduce(0, +) / Double(n) / (zv * zv)
        XCTAssertEqual(zm, 0, accuracy: 5 / Double(n).squareRoot())
        XCTAssertEqual(zv, 1, accuracy: 5 * (2.0 / Double(n)).squareRoot())
        XCTAssertEqual(kurt, 3, accuracy: 5 * (24.0 / Double(n)).squareRoot())
        XCTAssertEqual(Double(z.filter { abs($0) < 1 }.count) / Double(n), 0.6826894921370859, accuracy: 5 * (0.683 * 0.317 / Double(n)).squareRoot())
    }

    /// Counts of int(below: 6) pass a χ² test (5 degrees of freedom, 0.1% critical value 20.5).
    func testIntBelowIsUniform() {
        var g = RNG(seed: 99)
        var counts = [Int](repeating: 0, count: 6)
        let n = 60_000
        for _ in 0..<n { counts[g.int(below: 6)] += 1 }
        let chi2 = counts.map { pow(Double($0) - 10_000, 2) / 10_000 }.reduce(0, +)
        XCTAssertLessThan(chi2, 20.5, "\(counts)")
        XCTAssertEqual((0..<100).map { _ in g.int(below: 1) }, [Int](repeating: 0, count: 100))
    }

    func testProcessWideGenerator() throws {
        Random.seed(0)
        var fresh = RNG(seed: 0)
        XCTAssertEqual(try Random.rand([3]).scalars, [fresh.uniform(), fresh.uniform(), fresh.uniform()])
        Random.seed(5)
        let a = try Random.randn([2, 3])
        Random.seed(5)
        XCTAssertEqual(try Random.randn([2, 3]), a)
        XCTAssertEqual(a.shape, [2, 3])
        let r = try Random.randint(-3, 4, [1000])
        XCTAssertEqual(Set(r.scalars), Set((-3..<4).map(Double.init)))
        laAssertError(try Random.randint(5, 5, [2]), "randint: high (5) must be greater than low (5)")
        XCTAssertEqual(Random.permutation(50).sorted(), Array(0..<50))
        XCTAssertNotEqual(Random.permutation(50), Array(0..<50))
        XCTAssertEqual(Random.permutation(0), [])
        XCTAssertThrowsError(try Random.rand([-1]))
    }

    /// Draws from several threads at once are exactly the sequential draws, in some order:
    /// none is lost or duplicated, which a race on the state would do.
    func testThreadSafety() {
        Random.seed(11)
        let sequential = Random.withGenerator { g in (0..<4000).map { _ in g.nextUInt64() } }
        Random.seed(11)
        final class Sink: @unchecked Sendable { let lock = NSLock(); var values: [UInt64] = [] }
        let sink = Sink()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var mine: [UInt64] = []
            for _ in 0..<500 { mine.append(Random.withGenerator { $0.nextUInt64() }) }
            sink.lock.lock(); sink.values += mine; sink.lock.unlock()
        }
        XCTAssertEqual(sink.values.sorted(), sequential.sorted())
    }
}
