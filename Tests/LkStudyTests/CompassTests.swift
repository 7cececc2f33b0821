import XCTest
import LkTensor
@testable import LkStudy

/// The Latent Compass fits: hand cases, and a simulated person with a planted direction
/// whose choices the fitted direction must recover as they accumulate.
final class CompassTests: XCTestCase {
    func testHandWorkedFits() throws {
        // Difference of means of (1, 0), (3, 2) [more] and (−1, 0) [less]: (2, 1) − (−1, 0) = (3, 1).
        let d = try Compass.fit(offsets: [[1, 0], [3, 2], [-1, 0]], marks: [1, 1, -1], dimension: 2, method: .means)
        XCTAssertEqual(d.scalars[0], 3 / 10.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(d.scalars[1], 1 / 10.0.squareRoot(), accuracy: 1e-15)
        // Logistic regression on data symmetric about the x₀ axis: the normal is (1, 0).
        let xs: [[Double]] = [[1, 1], [1, -1], [2, 0.5], [2, -0.5], [-1, 1], [-1, -1], [-2, 0.5], [-2, -0.5]]
        let l = try Compass.fit(offsets: xs, marks: [1, 1, 1, 1, -1, -1, -1, -1], dimension: 2, method: .logistic)
        XCTAssertEqual(l.scalars[0], 1, accuracy: 1e-9); XCTAssertEqual(l.scalars[1], 0, accuracy: 1e-9)
        // Only one kind of mark: no direction yet.
        XCTAssertEqual(try Compass.fit(offsets: [[1, 0]], marks: [1], dimension: 2, method: .means).scalars, [0, 0])
    }

    func testLogisticRecoversNoisyPlantedBoundary() throws {
        // Labels from a noisy linear rule x₀ − 0.5 x₂ + 0.8 ε > 0: the fitted normal points along (1, 0, −0.5).
        var rng = RNG(seed: 4)
        let xs = (0..<60).map { _ in (0..<3).map { _ in rng.normal() } }
        let ys = xs.map { $0[0] - 0.5 * $0[2] + 0.8 * rng.normal() > 0 ? 1.0 : -1.0 }
        let dir = try Compass.fit(offsets: xs, marks: ys, dimension: 3, method: .logistic)
        let norm = dir.scalars.map { $0 * $0 }.reduce(0, +)
        XCTAssertEqual(norm, 1, accuracy: 1e-12)
        let planted = [1.0, 0, -0.5].map { $0 / 1.25.squareRoot() }
        XCTAssertGreaterThan(zip(dir.scalars, planted).map(*).reduce(0, +), 0.9)
    }

    func simulate(method: CompassFit, rounds: Int, flip: Double, d: Int = 12) throws -> [Double] {
        var rng = RNG(seed: 77)
        var truth = (0..<d).map { _ in rng.normal() }
        let n = truth.map { $0 * $0 }.reduce(0, +).squareRoot(); truth = truth.map { $0 / n }
        var session = try CompassSession(center: [Double](repeating: 0.5, count: d), radius: 2, count: 8, method: method, seed: 3)
        var cosines: [Double] = []
        for _ in 0..<rounds {
            try session.choose(Compass.simulatedMarks(offsets: session.offsets, truth: truth, flip: flip, rng: &rng))
            cosines.append(zip(session.direction.scalars, truth).map(*).reduce(0, +))
        }
        return cosines
    }

    func testSimulatedChooserRecoversPlantedDirection() throws {
        for method in CompassFit.allCases {
            let c = try simulate(method: method, rounds: 30, flip: 0)
            XCTAssertGreaterThan(c[29], 0.93, "\(method): \(c)")
            XCTAssertGreaterThan(c[29], c[1], "\(method): cosine grows with the choices")
            // With a person who errs one time in six, more rounds still get there.
            let noisy = try simulate(method: method, rounds: 60, flip: 1.0 / 6)
            XCTAssertGreaterThan(noisy[59], 0.85, "\(method) noisy: \(noisy)")
        }
    }

    func testSessionReplaysAndWalks() throws {
        var a = try CompassSession(center: [0, 0, 0], radius: 1, count: 4, seed: 9)
        let b = try CompassSession(center: [0, 0, 0], radius: 1, count: 4, seed: 9)
        XCTAssertEqual(a.offsets.scalars, b.offsets.scalars, "same seed, same strip")
        try a.choose([1, -1, 0, 0])
        XCTAssertEqual(a.marks, [1, -1]); XCTAssertEqual(a.round, 1)
        XCTAssertNotEqual(a.offsets.scalars, b.offsets.scalars, "a new strip each round")
        let walk = try a.walk(steps: 3, span: 2)
        for j in 0..<3 {
            XCTAssertEqual(walk.scalars[j], -2 * a.direction.scalars[j], accuracy: 1e-15)
            XCTAssertEqual(walk.scalars[3 + j], 0, accuracy: 1e-15)
            XCTAssertEqual(walk.scalars[6 + j], 2 * a.direction.scalars[j], accuracy: 1e-15)
        }
        XCTAssertThrowsError(try a.choose([1, 1]))
    }
}
