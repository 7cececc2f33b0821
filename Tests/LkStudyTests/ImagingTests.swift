import XCTest
import Foundation
import LkTensor
@testable import LkStudy

/// MRI and CT operators (dot tests, identities), phantoms and the PSNR/SSIM metrics.
final class ImagingTests: XCTestCase {
    func random(_ shape: [Int], _ rng: inout RNG) throws -> Tensor {
        let t = try Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.pointer[i] = rng.normal() }
        return t
    }

    /// ⟨Ax, y⟩ = ⟨x, Aᴴy⟩ to rounding.
    func dotTest(_ op: LinearOperator, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = RNG(seed: seed)
        let x = try random(op.inputShape, &rng), y = try random(op.outputShape, &rng)
        let lhs = VectorSpace.dot(try op.forward(x), y), rhs = VectorSpace.dot(x, try op.adjoint(y))
        XCTAssertEqual(lhs, rhs, accuracy: 1e-12 * max(1, abs(lhs)), "\(op.name)", file: file, line: line)
        let n = VectorSpace.dot(try op.normal(x), x)
        XCTAssertGreaterThanOrEqual(n, -1e-12)
    }

    func testMRIDotTests() throws {
        for kind in MRIOperator.MaskKind.allCases {
            for coils in [1, 4] {
                for n in [16, 17] {
                    var rng = RNG(seed: 1)
                    let m = try MRIOperator(n: n, acceleration: 4, mask: kind, coils: coils, rng: &rng)
                    try dotTest(m.op, seed: 2)
                }
            }
        }
    }

    /// With every k-space sample taken, AᴴA = I (orthonormal DFT, Σ|S|² = 1), single- and multi-coil.
    func testFullySampledMRIIsAnIsometry() throws {
        for coils in [1, 3] {
            var rng = RNG(seed: 3)
            let m = try MRIOperator(n: 12, acceleration: 1, mask: .uniform1d, coils: coils, rng: &rng)
            XCTAssertEqual(m.sampledFraction, 1)
            let x = try random([12, 12], &rng)
            let back = try m.op.normal(x)
            for i in 0..<x.count { XCTAssertEqual(back[flat: i], x[flat: i], accuracy: 1e-12) }
            XCTAssertEqual(VectorSpace.norm(try m.op.forward(x)), VectorSpace.norm(x), accuracy: 1e-12)
        }
    }

    /// The centred transform puts the zero frequency at (n/2, n/2) with value Σx/n (orthonormal),
    /// and a centred delta has the flat spectrum of magnitude 1/n.
    func testCentredFFT() throws {
        let n = 8
        var rng = RNG(seed: 4)
        let x = try random([n, n], &rng)
        let k = try MRIOperator.centredFFT(try FFT.complex(x), inverse: false)
        XCTAssertEqual(k[flat: 2 * ((n / 2) * n + n / 2)], x.scalars.reduce(0, +) / Double(n), accuracy: 1e-12)
        var delta = try Tensor(shape: [n, n], repeating: 0)
        delta[flat: (n / 2) * n + n / 2] = 1
        let kd = try MRIOperator.centredFFT(try FFT.complex(delta), inverse: false)
        for i in 0..<(n * n) {
            XCTAssertEqual((kd[flat: 2 * i] * kd[flat: 2 * i] + kd[flat: 2 * i + 1] * kd[flat: 2 * i + 1]).squareRoot(), 1 / Double(n), accuracy: 1e-14)
        }
    }

    /// The masks sample exactly ⌊n/accel⌋ columns (1-D) or ⌊n²/accel⌋ points (2-D), include the
    /// ⌊n·center⌋ central columns, and depend only on the seed.
    func testMasks() throws {
        let n = 64
        for kind in [MRIOperator.MaskKind.uniform1d, .gaussian1d] {
            var rng = RNG(seed: 5)
            let m = try MRIOperator.makeMask(kind, n: n, acceleration: 8, center: 0.08, rng: &rng)
            let columns = (0..<n).filter { m[flat: $0] == 1 }
            XCTAssertEqual(columns.count, 8)
            for j in (32 - 2)..<(32 - 2 + 5) { XCTAssertTrue(columns.contains(j), "\(kind) centre column \(j)") }
            for i in 0..<n { for j in 0..<n { XCTAssertEqual(m[flat: i * n + j], m[flat: j]) } }   // whole columns
            var again = RNG(seed: 5)
            XCTAssertEqual(try MRIOperator.makeMask(kind, n: n, acceleration: 8, center: 0.08, rng: &again), m)
        }
        var rng = RNG(seed: 6)
        let m2 = try MRIOperator.makeMask(.gaussian2d, n: n, acceleration: 4, center: 0, rng: &rng)
        XCTAssertEqual(m2.scalars.reduce(0, +), Double(n * n / 4))
        XCTAssertEqual(m2[flat: 32 * n + 32], 1)
    }

    func testCTOperator() throws {
        let ct = try CTOperator(n: 24, views: 10)
        try dotTest(ct.op, seed: 7)
        // The dense matrix agrees with forward and its transpose with adjoint.
        var rng = RNG(seed: 8)
        let x = try random([24, 24], &rng)
        let a = try ct.op.denseMatrix()
        let ax = try Tensor.matmul(a, try x.reshaped([576]))
        let fx = try ct.op.forward(x)
        for i in 0..<ax.count { XCTAssertEqual(ax[flat: i], fx[flat: i], accuracy: 1e-12) }
        // A disc of radius 0.5 projects to chords ≈ 2√(0.25 − s²); at s = 0, ≈ 1 at every angle.
        let n = 96
        let disc = try Tensor(shape: [n, n], data: (0..<(n * n)).map { k in
            let x = (Double(k % n) - Double(n - 1) / 2) * 2 / Double(n), y = (Double(n - 1) / 2 - Double(k / n)) * 2 / Double(n)
            return x * x + y * y <= 0.25 ? 1 : 0
        })
        let big = try CTOperator(n: n, views: 6, detectors: 68)
        let sino = try big.op.forward(disc)
        for v in 0..<6 {
            let centre = 0.5 * (sino[flat: v * 68 + 33] + sino[flat: v * 68 + 34])   // bins around s = 0
            XCTAssertEqual(centre, 1, accuracy: 0.05, "view \(v)")
            // Total mass is conserved: Σ bins·Δ = area π/4 (up to the pixelised disc).
            let mass = (0..<68).reduce(0.0) { $0 + sino[flat: v * 68 + $1] } * 2 * 2.0.squareRoot() / 68
            XCTAssertEqual(mass, Double.pi / 4, accuracy: 0.01)
        }
    }

    /// Pixel values of the modified Shepp–Logan phantom worked out from its ellipses (n = 129,
    /// pixel (i, j) at x = (j − 64)/64, y = (64 − i)/64).
    func testSheppLogan() throws {
        let p = try Phantoms.sheppLogan(129)
        func at(_ x: Double, _ y: Double) -> Double { p[flat: Int(64 - y * 64) * 129 + Int(64 + x * 64)] }
        XCTAssertEqual(at(0, 0), 0.2, accuracy: 1e-12)          // skull 1 − brain 0.8
        XCTAssertEqual(at(0, 0.34375), 0.3, accuracy: 1e-12)    // + ellipse 5 (0.1)
        XCTAssertEqual(at(0.21875, 0), 0.0, accuracy: 1e-12)    // + right ventricle (−0.2)
        XCTAssertEqual(at(0, 0.90625), 1.0, accuracy: 1e-12)    // the skull rim
        XCTAssertEqual(at(0.9375, 0.9375), 0.0)                 // outside
        XCTAssertEqual(at(0, 0.09375), 0.3, accuracy: 1e-12)    // small ellipse 6 at (0, 0.1)
        XCTAssertEqual(p.scalars.max()!, 1, accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(p.scalars.min()!, -1e-12)
    }

    func testPhantomFamily() throws {
        let a = try Phantoms.family(count: 6, n: 32, seed: 3)
        let b = try Phantoms.family(count: 3, n: 32, seed: 3)
        XCTAssertEqual(Array(a.scalars[0..<(3 * 1024)]), b.scalars)
        let c = try Phantoms.family(count: 3, n: 32, seed: 4)
        XCTAssertNotEqual(c.scalars, b.scalars)
        XCTAssertTrue(a.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Every phantom has a skull (value 1 somewhere) and a varied interior.
        for k in 0..<6 {
            let img = Array(a.scalars[(k * 1024)..<((k + 1) * 1024)])
            XCTAssertEqual(img.max()!, 1)
            XCTAssertGreaterThan(Set(img).count, 3)
        }
    }

    func testPSNR() throws {
        let ref = try Tensor(shape: [4, 4], data: (0..<16).map { Double($0) / 15 })
        let x = try Tensor.binary(.add, ref, 0.1)
        XCTAssertEqual(try ImageMetrics.psnr(x, ref), 20, accuracy: 1e-12)             // L = 1, MSE = 0.01
        XCTAssertEqual(try ImageMetrics.psnr(x, ref, range: 2), 20 + 20 * log10(2), accuracy: 1e-12)
        XCTAssertEqual(try ImageMetrics.psnr(ref, ref), .infinity)
        XCTAssertThrowsError(try ImageMetrics.psnr(x, try Tensor(shape: [4, 4], repeating: 1)))
    }

    /// Identity, the closed form for constant images, and SciPy: the same algorithm written
    /// with `scipy.ndimage.gaussian_filter(sigma=1.5, truncate=3.5, mode="reflect")` gives
    /// 0.8815492968890705 and 0.22399787146235395 for the images below (range 2).
    func testSSIM() throws {
        let (h, w) = (24, 20)
        let ref = try Tensor(shape: [h, w], data: (0..<(h * w)).map { k in sin(0.3 * Double(k / w)) * cos(0.2 * Double(k % w)) })
        XCTAssertEqual(try ImageMetrics.ssim(ref, ref), 1, accuracy: 1e-12)
        let x = try Tensor(shape: [h, w], data: (0..<(h * w)).map { k in
            let (i, j) = (Double(k / w), Double(k % w))
            return ref[flat: k] + 0.1 * cos(0.7 * i + 0.4 * j) + 0.05 * i / 24
        })
        XCTAssertEqual(try ImageMetrics.ssim(x, ref, range: 2), 0.8815492968890705, accuracy: 1e-12)
        let x2 = try Tensor.binary(.add, try Tensor.binary(.mul, ref, 0.5), 0.2)
        XCTAssertEqual(try ImageMetrics.ssim(x2, ref, range: 2), 0.22399787146235395, accuracy: 1e-12)
        // Constant images a and b: SSIM = (2ab + C₁)/(a² + b² + C₁) exactly.
        let a = try Tensor(shape: [16, 16], repeating: 0.3), b = try Tensor(shape: [16, 16], repeating: 0.5)
        let c1 = 0.01 * 0.01
        XCTAssertEqual(try ImageMetrics.ssim(a, b, range: 1), (2 * 0.15 + c1) / (0.09 + 0.25 + c1), accuracy: 1e-12)
        XCTAssertThrowsError(try ImageMetrics.ssim(try Tensor(shape: [8, 8], repeating: 0), try Tensor(shape: [8, 8], repeating: 0), range: 1))
    }
}
