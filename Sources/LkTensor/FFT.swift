import CFFTW
import Foundation

/// Discrete Fourier transforms through FFTW.
///
/// **Complex data** is a real tensor whose trailing axis has size 2 (real, imaginary), so an
/// n×n complex image (MRI k-space) is an n×n×2 tensor. The axes *before* the trailing 2 are
/// the complex axes; `axes:` counts them from 0 (negative counts from the last complex axis).
///
/// **Conventions** (as NumPy): the forward transform along an axis of length N is
/// `X_k = Σₙ x_n e^{−2πi kn/N}`, the inverse uses `e^{+2πi kn/N}`; a multi-axis transform is
/// the composition of the one-axis transforms. With M the product of the transformed lengths,
/// the scale factors are:
///
/// | `Normalization` | forward | inverse | |
/// |---|---|---|---|
/// | `.backward` | 1 | 1/M | NumPy's default; `normalize: true` |
/// | `.ortho` | 1/√M | 1/√M | unitary: Parseval holds, the inverse is the adjoint |
/// | `.forward` | 1/M | 1 | |
/// | `.none` | 1 | 1 | raw FFTW; `normalize: false` |
///
/// Plans are made with `FFTW_ESTIMATE` (planning never touches the data) and cached by shape,
/// axes and direction; planning is serialised by a lock (FFTW's planner is not thread-safe),
/// execution is not.
public enum FFT {
    public enum Normalization: Sendable { case backward, ortho, forward, none }

    /// The transform of complex data `x` (trailing axis 2) over `axes` (default: all complex
    /// axes). `normalize: true` is NumPy's "backward" scaling (inverse divides by M), `false`
    /// scales neither way; see `fft(_:axes:inverse:norm:)` for "ortho".
    public static func fft(_ x: Tensor, axes: [Int]? = nil, inverse: Bool = false, normalize: Bool = true) throws -> Tensor {
        try fft(x, axes: axes, inverse: inverse, norm: normalize ? .backward : .none)
    }

    /// The transform of complex data `x` over `axes` with an explicit normalization.
    public static func fft(_ x: Tensor, axes: [Int]? = nil, inverse: Bool, norm: Normalization) throws -> Tensor {
        let name = inverse ? "ifft" : "fft"
        guard x.rank >= 2, x.shape[x.rank - 1] == 2 else {
            throw TensorError("\(name): expected complex data with a trailing axis of size 2 (real, imaginary), got \(shapeString(x.shape)); use rfft for real data")
        }
        let cshape = Array(x.shape.dropLast())
        let chosen = try normalizedAxes(axes ?? Array(0..<cshape.count), count: cshape.count, name: name, shape: x.shape)
        for a in chosen where cshape[a] == 0 {
            throw TensorError("\(name): cannot transform axis \(a) of length 0")
        }
        let out = try Tensor.build(shape: x.shape) { p, n in p.update(from: x.pointer, count: n) }
        if out.count == 0 || chosen.isEmpty { return out }

        let cstrides = Tensor.strides(for: cshape)
        var dims: [fftw_iodim64] = [], loops: [fftw_iodim64] = []
        for a in 0..<cshape.count {
            let d = fftw_iodim64(n: cshape[a], is: cstrides[a], os: cstrides[a])
            if chosen.contains(a) { dims.append(d) } else { loops.append(d) }
        }
        let sign = inverse ? FFTW_BACKWARD : FFTW_FORWARD
        let key = "c\(sign)|\(x.shape)|\(chosen)"
        try out.pointer.withMemoryRebound(to: fftw_complex.self, capacity: out.count / 2) { z in
            try PlanCache.shared.run(key, plan: {
                fftw_plan_guru64_dft(Int32(dims.count), dims, Int32(loops.count), loops, z, z, sign, FFTW_ESTIMATE)
            }, execute: { fftw_execute_dft($0, z, z) })
        }
        let m = Double(chosen.reduce(1) { $0 * cshape[$1] })
        let scale: Double
        switch norm {
        case .backward: scale = inverse ? 1 / m : 1
        case .ortho: scale = 1 / m.squareRoot()
        case .forward: scale = inverse ? 1 : 1 / m
        case .none: scale = 1
        }
        if scale != 1 { for i in 0..<out.count { out.pointer[i] *= scale } }
        return out
    }

    /// The 2-D transform over the last two complex axes (the two before the trailing 2), so
    /// an n×n×2 image or a coils×n×n×2 stack transforms image by image. `.backward` scaling.
    public static func fft2(_ x: Tensor, inverse: Bool = false) throws -> Tensor {
        try fft2(x, inverse: inverse, norm: .backward)
    }

    /// `fft2` with an explicit normalization (MRI operators usually want `.ortho`).
    public static func fft2(_ x: Tensor, inverse: Bool, norm: Normalization) throws -> Tensor {
        guard x.rank >= 3, x.shape[x.rank - 1] == 2 else {
            throw TensorError("\(inverse ? "ifft2" : "fft2"): expected complex data of shape (…, n, m, 2), got \(shapeString(x.shape))")
        }
        return try fft(x, axes: [-2, -1], inverse: inverse, norm: norm)
    }

    /// The forward transform of real data along its last axis, keeping the non-negative
    /// frequencies: a real `(…, n)` tensor gives complex `(…, n/2+1, 2)` (NumPy's `rfft`,
    /// unscaled). The other frequencies are the complex conjugates, `X_{n−k} = conj(X_k)`.
    public static func rfft(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1 else { throw TensorError("rfft: expected at least one axis, got a number") }
        let n = x.shape[x.rank - 1]
        guard n > 0 else { throw TensorError("rfft: cannot transform an axis of length 0") }
        let h = n / 2 + 1
        let outShape = Array(x.shape.dropLast()) + [h, 2]
        let out = try Tensor(uninitializedShape: outShape)
        let howmany = x.count / n
        if howmany == 0 { return out }
        guard n <= Int(Int32.max), howmany <= Int(Int32.max) else {
            throw TensorError("rfft: \(shapeString(x.shape)) exceeds FFTW's 32-bit sizes for this transform")
        }
        let key = "r|\(n)|\(howmany)"
        try out.pointer.withMemoryRebound(to: fftw_complex.self, capacity: howmany * h) { z in
            try PlanCache.shared.run(key, plan: {
                var len = Int32(n)
                return fftw_plan_many_dft_r2c(1, &len, Int32(howmany), x.pointer, nil, 1, Int32(n), z, nil, 1, Int32(h), FFTW_ESTIMATE)
            }, execute: { fftw_execute_dft_r2c($0, x.pointer, z) })
        }
        return out
    }

    /// Moves the zero frequency to the centre: along each axis in `axes` (axes of `x` itself,
    /// negative from the end; for n×n×2 k-space pass `[0, 1]`), element `i` moves to
    /// `(i + ⌊n/2⌋) mod n` (NumPy's `fftshift`).
    public static func fftshift(_ x: Tensor, axes: [Int]) throws -> Tensor {
        try shift(x, axes: axes, name: "fftshift") { $0 / 2 }
    }

    /// The inverse of `fftshift`: element `i` moves to `(i − ⌊n/2⌋) mod n`.
    public static func ifftshift(_ x: Tensor, axes: [Int]) throws -> Tensor {
        try shift(x, axes: axes, name: "ifftshift") { $0 - $0 / 2 }
    }

    /// Complex data from real and (optionally) imaginary parts of one shape: shape + `[2]`.
    public static func complex(_ real: Tensor, _ imaginary: Tensor? = nil) throws -> Tensor {
        if let im = imaginary, im.shape != real.shape {
            throw TensorError("complex: real part \(shapeString(real.shape)) and imaginary part \(shapeString(im.shape)) differ in shape")
        }
        return try Tensor.build(shape: real.shape + [2]) { p, _ in
            for i in 0..<real.count {
                p[2 * i] = real.pointer[i]
                p[2 * i + 1] = imaginary?.pointer[i] ?? 0
            }
        }
    }

    // MARK: - Helpers

    private static func normalizedAxes(_ axes: [Int], count: Int, name: String, shape: [Int]) throws -> [Int] {
        var seen: [Int] = []
        for a in axes {
            let b = a < 0 ? a + count : a
            guard b >= 0 && b < count else {
                throw TensorError("\(name): axis \(a) is out of range for data of shape \(shapeString(shape)) (\(count) complex axes)")
            }
            guard !seen.contains(b) else { throw TensorError("\(name): axis \(a) is repeated") }
            seen.append(b)
        }
        return seen.sorted()
    }

    /// Rolls each axis in `axes` forward by `amount(n)` positions.
    private static func shift(_ x: Tensor, axes: [Int], name: String, amount: (Int) -> Int) throws -> Tensor {
        var cur = try Tensor.build(shape: x.shape) { p, n in p.update(from: x.pointer, count: n) }
        var seen: [Int] = []
        for a in axes {
            let ax = a < 0 ? a + x.rank : a
            guard ax >= 0 && ax < x.rank else {
                throw TensorError("\(name): axis \(a) is out of range for shape \(shapeString(x.shape))")
            }
            guard !seen.contains(ax) else { throw TensorError("\(name): axis \(a) is repeated") }
            seen.append(ax)
            let n = x.shape[ax]
            let k = n == 0 ? 0 : amount(n) % n
            if k == 0 || cur.count == 0 { continue }
            let inner = x.shape[(ax + 1)...].reduce(1, *)
            let outer = x.count / (n * inner)
            let src = cur
            cur = try Tensor.build(shape: x.shape) { p, _ in
                for o in 0..<outer {
                    let base = o * n * inner
                    // Source rows [0, n−k) go to [k, n); rows [n−k, n) go to [0, k).
                    (p + base + k * inner).update(from: src.pointer + base, count: (n - k) * inner)
                    (p + base).update(from: src.pointer + base + (n - k) * inner, count: k * inner)
                }
            }
        }
        return cur
    }
}

/// FFTW plans by key. The planner runs under a lock; cached plans are never destroyed
/// (another thread may be executing one), so the cache is bounded and plans beyond the
/// bound are made, run once and destroyed.
final class PlanCache: @unchecked Sendable {
    static let shared = PlanCache()
    private let lock = NSLock()
    private var plans: [String: OpaquePointer] = [:]
    private let capacity = 256

    func run(_ key: String, plan make: () -> OpaquePointer?, execute: (OpaquePointer) -> Void) throws {
        lock.lock()
        if let p = plans[key] { lock.unlock(); execute(p); return }
        // FFTW_ESTIMATE planning with valid sizes fails only when memory runs out.
        guard let p = make() else { lock.unlock(); throw TensorError("fft: FFTW could not plan this transform (out of memory?)") }
        if plans.count < capacity {
            plans[key] = p
            lock.unlock()
            execute(p)
        } else {
            lock.unlock()
            execute(p)
            lock.lock(); fftw_destroy_plan(p); lock.unlock()
        }
    }
}
