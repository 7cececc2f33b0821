import XCTest
@testable import LkTensor
import LkTestSupport

/// `ElementwiseProgram` (one pass over a chain) against the same operations one by
/// one, bit for bit, and the division-by-a-power-of-two rule.
final class FusedElementwiseTests: XCTestCase {
    /// Values with every special case, long enough to be split across threads and
    /// blocks, with a length that is no multiple of the block or the vector width.
    func inputs() throws -> (Tensor, Tensor) {
        var g = RNG(seed: 11)
        let specials: [Double] = [0, -0.0, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, Double.leastNormalMagnitude.nextDown, 1e300, -1e300, .greatestFiniteMagnitude,
                                  .infinity, -.infinity, .nan, 1, -1, 0.5, 3]
        let n = 100_003
        let x = try Tensor.build(shape: [n]) { p, n in for i in 0..<n { p[i] = i < specials.count ? specials[i] : g.normal() * 4 } }
        let y = try Tensor.build(shape: [n]) { p, n in for i in 0..<n { p[i] = i < specials.count ? specials[specials.count - 1 - i] : g.normal() } }
        return (x, y)
    }

    func assertSameBits(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        var bad = 0
        for i in 0..<a.count where !sameBits(a.pointer[i], b.pointer[i]) { bad += 1 }
        XCTAssertEqual(bad, 0, "\(what): \(bad) elements differ", file: file, line: line)
    }

    func testChainsEqualTheirOperationsOneByOne() throws {
        let (x, y) = try inputs()
        // exp(-x^2/2)
        var p = ElementwiseProgram()
        let sq = p.append(.binary(.pow, .input(0), .scalar(2)))
        let ng = p.append(.unary(.neg, sq))
        let hf = p.append(.binary(.div, ng, .scalar(2)))
        _ = p.append(.unary(.exp, hf))
        let unfused = try Tensor.binary(.div, try Tensor.binary(.pow, x, 2).map(.neg), 2).map(.exp)
        assertSameBits(try p.run([x], shape: x.shape), unfused, "exp(-x^2/2)")
        // tanh(x)*y + 1
        var q = ElementwiseProgram()
        let th = q.append(.unary(.tanh, .input(0)))
        let pr = q.append(.binary(.mul, th, .input(1)))
        _ = q.append(.binary(.add, pr, .scalar(1)))
        assertSameBits(try q.run([x, y], shape: x.shape), try Tensor.binary(.add, try Tensor.binary(.mul, x.map(.tanh), y), 1), "tanh(x)*y + 1")
        // (x - m)/s, a number on the left, a remainder, two step operands in one step
        var r = ElementwiseProgram()
        let a = r.append(.binary(.sub, .input(0), .scalar(0.3)))
        let b = r.append(.binary(.div, a, .scalar(1.7)))
        let c = r.append(.binary(.sub, .scalar(2), .input(1)))
        let d = r.append(.binary(.mod, c, .scalar(0.7)))
        let e = r.append(.binary(.mul, b, d))
        _ = r.append(.unary(.sin, e))
        let want = try Tensor.binary(.mul, try Tensor.binary(.div, try Tensor.binary(.sub, x, 0.3), 1.7),
                                     try Tensor.binary(.mod, try Tensor.binary(.sub, 2, y), 0.7)).map(.sin)
        assertSameBits(try r.run([x, y], shape: x.shape), want, "sin((x - m)/s * ((2 - y) % 0.7))")
    }

    func testPowerOfTwoDivisionIsExactMultiplication() throws {
        XCTAssertEqual(BinaryOp.exactReciprocal(2), 0.5)
        XCTAssertEqual(BinaryOp.exactReciprocal(-0.25), -4)
        XCTAssertEqual(BinaryOp.exactReciprocal(0x1p1023), 0x1p-1023)   // a subnormal reciprocal, still exact
        for c in [3.0, 0.1, 0, -0.0, .infinity, .nan, Double.leastNonzeroMagnitude, 0x1p-1023, 1.5] {
            XCTAssertNil(BinaryOp.exactReciprocal(c), "\(c)")
        }
        let (x, _) = try inputs()
        for c in [2.0, 0.5, -8, 0x1p1023, 0x1p-1022] {
            let got = try Tensor.binary(.div, x, c)
            var bad = 0
            for i in 0..<x.count where !sameBits(got.pointer[i], x.pointer[i] / c) { bad += 1 }
            XCTAssertEqual(bad, 0, "x / \(c)")
        }
        // Any other divisor divides: x·(1/3) differs from x/3 for x = 5.
        XCTAssertNotEqual(5.0 * (1.0 / 3), 5.0 / 3)
        let third = try Tensor.binary(.div, try Tensor(shape: [1], data: [5]), 3)
        XCTAssertEqual(third[flat: 0], 5.0 / 3)
    }
}
