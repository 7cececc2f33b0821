import Foundation
import XCTest
@testable import LkTensor
import LkTestSupport

/// The O(n²) DFT of complex data (trailing 2) along complex axis `axis`, sign −1 forward.
private func naiveDFT(_ x: Tensor, axis: Int, inverse: Bool = false) -> Tensor {
    let cshape = Array(x.shape.dropLast())
    let n = cshape[axis]
    let inner = cshape[(axis + 1)...].reduce(1, *), outer = cshape[..<axis].reduce(1, *)
    let sign = inverse ? 1.0 : -1.0
    return try! Tensor.build(shape: x.shape) { p, _ in
        for o in 0..<outer { for i in 0..<inner { for k in 0..<n {
            var re = 0.0, im = 0.0
            for t in 0..<n {
                let at = 2 * ((o * n + t) * inner + i)
                let angle = sign * 2 * Double.pi * Double(k * t % n) / Double(n)
                re += x[flat: at] * cos(angle) - x[flat: at + 1] * sin(angle)
                im += x[flat: at] * sin(angle) + x[flat: at + 1] * cos(angle)
            }
            let out = 2 * ((o * n + k) * inner + i)
            p[out] = re; p[out + 1] = im
        } } }
    }
}

private func energy(_ x: Tensor) -> Double { x.scalars.map { $0 * $0 }.reduce(0, +) }

final class FFTTests: XCTestCase {
    func testOneDimensionalAgainstNaiveDFT() throws {
        for n in [1, 2, 7, 8, 30] {
            let x = laRandom([n, 2], seed: UInt64(n))
            assertClose(try FFT.fft(x), naiveDFT(x, axis: 0), largestTol: 1e-12, "fft n=\(n)")
            // Backward normalization: the inverse divides by n, so it undoes the forward.
            assertClose(try FFT.fft(try FFT.fft(x), inverse: true), x, largestTol: 1e-14, "ifft∘fft n=\(n)")
        }
        // Hand-worked: the DFT of (1, 0, 0, 0) is all ones; of (0, 1, 0, 0) is e^{−iπk/2} = 1, −i, −1, i.
        assertClose(try FFT.fft(try FFT.complex(Tensor([0, 1, 0, 0]))), matrix([[1, 0], [0, -1], [-1, 0], [0, 1]]), largestTol: 1e-15)
    }

    func testMultiAxisAndBatches() throws {
        let x = laRandom([4, 6, 2], seed: 3)
        assertClose(try FFT.fft2(x), naiveDFT(naiveDFT(x, axis: 0), axis: 1), largestTol: 1e-12, "fft2")
        assertClose(try FFT.fft(x, axes: [0]), naiveDFT(x, axis: 0), largestTol: 1e-12, "axis 0")
        assertClose(try FFT.fft(x, axes: [-1]), naiveDFT(x, axis: 1), largestTol: 1e-12, "axis −1")
        assertClose(try FFT.fft(x, axes: [1], inverse: true, normalize: false), naiveDFT(x, axis: 1, inverse: true), largestTol: 1e-12, "unscaled inverse")
        // coils×n×m×2: each coil image transforms separately.
        let coils = laRandom([3, 4, 5, 2], seed: 4)
        assertClose(try FFT.fft2(coils), naiveDFT(naiveDFT(coils, axis: 1), axis: 2), largestTol: 1e-12, "batched fft2")
    }

    func testParsevalAndNormalizations() throws {
        let x = laRandom([8, 5, 2], seed: 5)
        let m = 40.0
        XCTAssertEqual(energy(try FFT.fft2(x, inverse: false, norm: .ortho)), energy(x), accuracy: 1e-12 * energy(x))
        XCTAssertEqual(energy(try FFT.fft2(x)), m * energy(x), accuracy: 1e-12 * m * energy(x))
        assertClose(try FFT.fft2(try FFT.fft2(x, inverse: false, norm: .ortho), inverse: true, norm: .ortho), x, largestTol: 1e-14, "ortho round trip")
        assertClose(try FFT.fft2(try FFT.fft2(x, inverse: false, norm: .forward), inverse: true, norm: .forward), x, largestTol: 1e-14, "forward round trip")
    }

    func testRealFFT() throws {
        let x = laRandom([3, 9], seed: 6)
        let full = try FFT.fft(try FFT.complex(x), axes: [1])
        let half = try FFT.rfft(x)
        XCTAssertEqual(half.shape, [3, 5, 2])
        for r in 0..<3 { for k in 0..<5 { for c in 0..<2 {
            XCTAssertEqual(half[flat: (r * 5 + k) * 2 + c], full[flat: (r * 9 + k) * 2 + c], accuracy: 1e-13)
        } } }
        // The same plan is reused on a second buffer; the input is left untouched.
        let y = laRandom([3, 9], seed: 7), copy = y
        _ = try FFT.rfft(y)
        XCTAssertEqual(y, copy)
    }

    func testShifts() throws {
        // NumPy: fftshift(arange(5)) = [3, 4, 0, 1, 2]; fftshift(arange(4)) = [2, 3, 0, 1].
        XCTAssertEqual(try FFT.fftshift(Tensor([0, 1, 2, 3, 4]), axes: [0]).scalars, [3, 4, 0, 1, 2])
        XCTAssertEqual(try FFT.fftshift(Tensor([0, 1, 2, 3]), axes: [0]).scalars, [2, 3, 0, 1])
        XCTAssertEqual(try FFT.ifftshift(Tensor([3, 4, 0, 1, 2]), axes: [0]).scalars, [0, 1, 2, 3, 4])
        let k = laRandom([5, 4, 2], seed: 8)
        let s = try FFT.fftshift(k, axes: [0, 1])
        XCTAssertEqual(s[flat: (2 * 4 + 2) * 2 + 1], k[flat: 1])   // (0,0) moves to (⌊5/2⌋, ⌊4/2⌋)
        XCTAssertEqual(try FFT.ifftshift(s, axes: [0, -2]), k)
    }

    func testErrors() {
        laAssertError(try FFT.fft(laRandom([5, 3], seed: 1)), "fft: expected complex data with a trailing axis of size 2 (real, imaginary), got (5,3); use rfft for real data")
        laAssertError(try FFT.fft(laRandom([4, 2], seed: 1), axes: [1]), "fft: axis 1 is out of range for data of shape (4,2) (1 complex axes)")
        laAssertError(try FFT.fft(laRandom([4, 4, 2], seed: 1), axes: [0, -2]), "fft: axis -2 is repeated")
        laAssertError(try FFT.fft(try Tensor(shape: [0, 2])), "fft: cannot transform axis 0 of length 0")
        laAssertError(try FFT.fft2(laRandom([4, 2], seed: 1)), "fft2: expected complex data of shape (…, n, m, 2), got (4,2)")
        laAssertError(try FFT.fftshift(Tensor([1, 2]), axes: [1]), "fftshift: axis 1 is out of range for shape (2,)")
    }
}
