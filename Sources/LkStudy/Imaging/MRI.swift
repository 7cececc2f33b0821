import Foundation
import LkTensor

/// Cartesian MRI: A x = M ⊙ F_c(Sᶜ x) for a real n×n image x, with F_c the orthonormal,
/// centred 2-D DFT (fftshift ∘ FFT ∘ ifftshift, fastMRI's `fft2c`, FFTW underneath), M a 0/1
/// sampling mask in centred k-space and Sᶜ the coil-sensitivity maps (none for one coil).
/// k-space is complex: n×n×2 (real, imaginary), coils×n×n×2 for several coils.
/// The adjoint for the real inner product is Aᴴy = Re Σ_c conj(Sᶜ) F_cᴴ(M ⊙ y_c); the maps
/// satisfy Σ_c |Sᶜ|² = 1, so with a full mask AᴴA = I.
public struct MRIOperator {
    public enum MaskKind: String, CaseIterable, Sendable { case uniform1d, gaussian1d, gaussian2d }

    public let n: Int
    public let coils: Int
    /// The sampling mask, n×n of 0/1, zero frequency at (n/2, n/2).
    public let mask: Tensor
    /// The coil maps, coils×n×n×2 (nil for one coil).
    public let maps: Tensor?
    public let op: LinearOperator

    /// The fraction of k-space sampled, and its inverse, the actual acceleration.
    public var sampledFraction: Double { mask.scalars.reduce(0, +) / Double(n * n) }

    public init(n: Int, acceleration: Double = 4, center: Double = 0.08, mask kind: MaskKind = .uniform1d,
                coils: Int = 1, rng: inout RNG) throws {
        guard n >= 4 else { throw TensorError("n must be at least 4, got \(n)") }
        guard acceleration >= 1 else { throw TensorError("accel must be at least 1, got \(acceleration)") }
        guard center >= 0, center <= 1 else { throw TensorError("center must be a fraction in [0, 1], got \(center)") }
        guard coils >= 1, coils <= 64 else { throw TensorError("coils must be between 1 and 64, got \(coils)") }
        self.n = n; self.coils = coils
        let m = try MRIOperator.makeMask(kind, n: n, acceleration: acceleration, center: center, rng: &rng)
        let s = coils == 1 ? nil : try MRIOperator.coilMaps(coils, n: n)
        mask = m; maps = s
        let outShape = coils == 1 ? [n, n, 2] : [coils, n, n, 2]
        op = LinearOperator(
            name: "mriop", inputShape: [n, n], outputShape: outShape,
            forward: { x in try MRIOperator.forward(x, mask: m, maps: s) },
            adjoint: { y in try MRIOperator.adjoint(y, mask: m, maps: s) })
    }

    /// Columns (phase-encoding lines, the last axis) or points of centred k-space, as in the
    /// DDS/score-MRI code (`get_mask`), but drawn *without* replacement so that exactly
    /// ⌊n/accel⌋ columns (1-D) or ⌊n²/accel⌋ points (2-D) are sampled:
    /// - uniform1d: the ⌊n·center⌋ central columns (from n/2 − ⌊n·center⌋/2) plus columns
    ///   chosen uniformly at random among the rest;
    /// - gaussian1d: the same centre plus columns drawn from N(n/2, (15n/128)²), truncated to integers;
    /// - gaussian2d: points drawn from a 2-D N((n/2, n/2), (1.5n²/128)·I), no fixed centre.
    public static func makeMask(_ kind: MaskKind, n: Int, acceleration: Double, center: Double, rng: inout RNG) throws -> Tensor {
        let mask = try Tensor(shape: [n, n], repeating: 0)
        func setColumn(_ j: Int) { for i in 0..<n { mask.pointer[i * n + j] = 1 } }
        switch kind {
        case .uniform1d, .gaussian1d:
            let target = Swift.max(1, Int(Double(n) / acceleration))  // checked: acceleration ≥ 1 (mriop)
            let acs = Int(Double(n) * center)  // checked: 0 ≤ center ≤ 1 (mriop)
            var chosen = Set<Int>()
            for j in (n / 2 - acs / 2)..<(n / 2 - acs / 2 + acs) { chosen.insert(j) }
            let std = Double(n) * 15 / 128
            while chosen.count < Swift.min(target, n) {
                if kind == .uniform1d {
                    chosen.insert(rng.int(below: n))
                } else {
                    let j = Int((Double(n / 2) + std * rng.normal()).rounded(.towardZero))  // checked: a normal draw is below 40σ
                    if j >= 0 && j < n { chosen.insert(j) }
                }
            }
            chosen.forEach(setColumn)
        case .gaussian2d:
            let target = Swift.max(1, Int(Double(n * n) / acceleration))  // checked: acceleration ≥ 1, n×n mask exists
            let std = (Double(n * n) * 1.5 / 128).squareRoot()
            var count = 0
            while count < target {
                let i = Int((Double(n / 2) + std * rng.normal()).rounded(.towardZero))  // checked: a normal draw is below 40σ
                let j = Int((Double(n / 2) + std * rng.normal()).rounded(.towardZero))  // checked: a normal draw is below 40σ
                if i >= 0, i < n, j >= 0, j < n, mask.pointer[i * n + j] == 0 { mask.pointer[i * n + j] = 1; count += 1 }
            }
        }
        return mask
    }

    /// Smooth synthetic sensitivities: coil c sits at angle 2πc/C on a circle of radius 1.2
    /// around the image centre, with magnitude exp(−|r − r_c|²/(2·0.7²)) and phase
    /// θ_c + (π/2)(x cos θ_c + y sin θ_c) (r in the [−1, 1]² frame); then every pixel is
    /// divided by √Σ_c|Sᶜ|² so that Σ_c |Sᶜ|² = 1.
    public static func coilMaps(_ coils: Int, n: Int) throws -> Tensor {
        let maps = try Tensor(uninitializedShape: [coils, n, n, 2])
        let half = Double(n - 1) / 2
        var power = [Double](repeating: 0, count: n * n)  // checked: maps of coils×n×n×2 exist
        for c in 0..<coils {
            let th = 2 * Double.pi * Double(c) / Double(coils)
            let (cx, cy) = (1.2 * Foundation.cos(th), 1.2 * Foundation.sin(th))
            for i in 0..<n {
                let y = (half - Double(i)) / half
                for j in 0..<n {
                    let x = (Double(j) - half) / half
                    let mag = Foundation.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * 0.49))
                    let ph = th + Double.pi / 2 * (x * Foundation.cos(th) + y * Foundation.sin(th))
                    let k = ((c * n + i) * n + j) * 2
                    maps.pointer[k] = mag * Foundation.cos(ph); maps.pointer[k + 1] = mag * Foundation.sin(ph)
                    power[i * n + j] += mag * mag
                }
            }
        }
        for c in 0..<coils {
            for p in 0..<(n * n) {
                let s = 1 / power[p].squareRoot()
                maps.pointer[(c * n * n + p) * 2] *= s; maps.pointer[(c * n * n + p) * 2 + 1] *= s
            }
        }
        return maps
    }

    /// The centred orthonormal 2-D DFT of complex data (…, n, n, 2), or its inverse.
    public static func centredFFT(_ z: Tensor, inverse: Bool) throws -> Tensor {
        let axes = [z.rank - 3, z.rank - 2]
        let shifted = try FFT.ifftshift(z, axes: axes)
        return try FFT.fftshift(try FFT.fft2(shifted, inverse: inverse, norm: .ortho), axes: axes)
    }

    static func applyMask(_ k: inout Tensor, _ mask: Tensor) {
        let nn = mask.count
        k.withUnsafeMutableBufferPointer { p in
            for i in 0..<(p.count / 2) where mask.pointer[i % nn] == 0 { p[2 * i] = 0; p[2 * i + 1] = 0 }
        }
    }

    static func forward(_ x: Tensor, mask: Tensor, maps: Tensor?) throws -> Tensor {
        let nn = x.count
        let z: Tensor
        if let maps {
            let c = maps.shape[0]
            z = try Tensor(uninitializedShape: maps.shape)
            for i in 0..<(c * nn) {
                let v = x.pointer[i % nn]
                z.pointer[2 * i] = maps.pointer[2 * i] * v; z.pointer[2 * i + 1] = maps.pointer[2 * i + 1] * v
            }
        } else {
            z = try FFT.complex(x)
        }
        var k = try centredFFT(z, inverse: false)
        applyMask(&k, mask)
        return k
    }

    static func adjoint(_ y: Tensor, mask: Tensor, maps: Tensor?) throws -> Tensor {
        var k = y
        applyMask(&k, mask)
        let img = try centredFFT(k, inverse: true)
        let nn = mask.count
        let out = try Tensor(shape: Array(mask.shape), repeating: 0)
        if let maps {
            // Re(conj(S)·z) = Re S·Re z + Im S·Im z, summed over coils.
            for i in 0..<(maps.shape[0] * nn) {
                out.pointer[i % nn] += maps.pointer[2 * i] * img.pointer[2 * i] + maps.pointer[2 * i + 1] * img.pointer[2 * i + 1]
            }
        } else {
            for i in 0..<nn { out.pointer[i] = img.pointer[2 * i] }
        }
        return out
    }
}
