import CFFTW
import Foundation

// NumPy's one- and two-dimensional FFTs (`numpy.fft.fft ifft rfft irfft fft2 ifft2`) on
// FFTW plans, with NumPy's `n=`/`s=` (crop or zero-pad before transforming), `axis=`/`axes=`
// and `norm=`. Complex data is lk's convention (FFT.swift): a trailing axis of size 2 holding
// (real, imaginary). Axis numbers count the *data* axes: for complex data, the axes before
// the trailing 2. Every transform here is FFTW's (c2c through `FFT.fft`, r2c and c2r through
// guru64 plans made with FFTW_ESTIMATE under the plan lock); nothing is hand-written.

extension FFT {
    /// NumPy's `norm=` names.
    public static func normalization(named name: String) -> Normalization? {
        switch name {
        case "backward": return .backward
        case "ortho": return .ortho
        case "forward": return .forward
        default: return nil
        }
    }

    /// The scale a transform of `m` points multiplies by, for NumPy's three modes.
    static func scale(_ norm: Normalization, points m: Int, inverse: Bool) -> Double {
        let m = Double(m)
        switch norm {
        case .backward: return inverse ? 1 / m : 1
        case .ortho: return 1 / m.squareRoot()
        case .forward: return inverse ? 1 : 1 / m
        case .none: return 1
        }
    }

    /// NumPy's `fft`/`ifft` along one data axis of complex data `x` (`(…, 2)`), after
    /// cropping or zero-padding that axis to `n` points (`n = nil`: its length).
    /// `X_k = Σₙ x_n e^{∓2πi kn/N}`, scaled as `norm` says.
    public static func fft1(_ x: Tensor, n: Int? = nil, axis: Int = -1, inverse: Bool, norm: Normalization,
                            name: String) throws -> Tensor {
        let c = try requireComplex(x, name: name, minAxes: 1)
        let ax = try dataAxis(axis, rank: c.count, name: name, shape: c)
        let len = n ?? c[ax]
        guard len >= 1 else { throw TensorError("\(name): invalid number of data points (\(len)); n must be at least 1") }
        let resized = try resize(x, axes: [ax], to: [len])
        return try fft(resized, axes: [ax], inverse: inverse, norm: norm)
    }

    /// NumPy's `fft2`/`ifft2` (and `fftn` over the given axes) of complex data: each axis in
    /// `axes` is cropped or zero-padded to the matching entry of `sizes`, then transformed.
    public static func fftn(_ x: Tensor, sizes: [Int]? = nil, axes: [Int], inverse: Bool, norm: Normalization,
                            name: String) throws -> Tensor {
        let c = try requireComplex(x, name: name, minAxes: axes.count)
        var chosen: [Int] = []
        for a in axes {
            let b = try dataAxis(a, rank: c.count, name: name, shape: c)
            guard !chosen.contains(b) else { throw TensorError("\(name): axis \(a) is repeated in axes") }
            chosen.append(b)
        }
        let lengths = sizes ?? chosen.map { c[$0] }
        guard lengths.count == chosen.count else {
            throw TensorError("\(name): s has \(lengths.count) sizes but axes has \(chosen.count) axes")
        }
        for (a, s) in zip(chosen, lengths) where s < 1 {
            throw TensorError("\(name): invalid number of data points (\(s)) along axis \(a); every transformed size must be at least 1")
        }
        let resized = try resize(x, axes: chosen, to: lengths)
        return try fft(resized, axes: chosen, inverse: inverse, norm: norm)
    }

    /// NumPy's `rfft`: the transform of real data along `axis` (after cropping or padding it to
    /// `n`), keeping the non-negative frequencies: `n/2 + 1` complex values (`(…, n/2+1, …, 2)`).
    public static func rfft1(_ x: Tensor, n: Int? = nil, axis: Int = -1, norm: Normalization) throws -> Tensor {
        guard x.rank >= 1 else { throw TensorError("rfft: x must have at least one axis, got a number") }
        let ax = try dataAxis(axis, rank: x.rank, name: "rfft", shape: x.shape)
        let len = n ?? x.shape[ax]
        guard len >= 1 else { throw TensorError("rfft: invalid number of data points (\(len)); n must be at least 1") }
        let real = try resize(x, axes: [ax], to: [len])
        var outShape = real.shape
        outShape[ax] = len / 2 + 1
        let out = try Tensor(uninitializedShape: outShape + [2])
        if out.count == 0 { return out }
        let (dims, loops) = iodims(real: real.shape, complex: outShape, axis: ax, realToComplex: true)
        let key = "r2c|\(real.shape)|\(ax)"
        try out.pointer.withMemoryRebound(to: fftw_complex.self, capacity: out.count / 2) { z in
            try PlanCache.shared.run(key, plan: {
                fftw_plan_guru64_dft_r2c(1, dims, Int32(loops.count), loops, real.pointer, z, FFTW_ESTIMATE)
            }, execute: { fftw_execute_dft_r2c($0, real.pointer, z) })
        }
        scaleInPlace(out, by: scale(norm, points: len, inverse: false))
        return out
    }

    /// NumPy's `irfft`: the real signal of `n` points (default `2(m − 1)` for `m` complex
    /// values along `axis`) whose `rfft` is `X`. The first `n/2 + 1` values of `X` are used
    /// (zero-padded if there are fewer); the imaginary parts of the zero frequency (and of the
    /// Nyquist frequency when `n` is even) are ignored, as in NumPy.
    public static func irfft1(_ x: Tensor, n: Int? = nil, axis: Int = -1, norm: Normalization) throws -> Tensor {
        let c = try requireComplex(x, name: "irfft", minAxes: 1)
        let ax = try dataAxis(axis, rank: c.count, name: "irfft", shape: c)
        let m = c[ax]
        let len: Int
        if let n { len = n } else {
            guard m >= 1 else { throw TensorError("irfft: cannot invert an axis of length 0 (give n=)") }
            len = 2 * (m - 1)
        }
        guard len >= 1 else {
            throw TensorError("irfft: invalid number of data points (\(len)); n must be at least 1" + (n == nil ? " (one input value gives n = 0: give n=)" : ""))
        }
        // c2r overwrites its input, so it always runs on this fresh (resized) copy.
        let half = try resize(x, axes: [ax], to: [len / 2 + 1], forceCopy: true)
        var realShape = c
        realShape[ax] = len
        let out = try Tensor(uninitializedShape: realShape)
        if out.count == 0 { return out }
        let (dims, loops) = iodims(real: realShape, complex: Array(half.shape.dropLast()), axis: ax, realToComplex: false)
        let key = "c2r|\(realShape)|\(ax)"
        try half.pointer.withMemoryRebound(to: fftw_complex.self, capacity: half.count / 2) { z in
            try PlanCache.shared.run(key, plan: {
                fftw_plan_guru64_dft_c2r(1, dims, Int32(loops.count), loops, z, out.pointer, FFTW_ESTIMATE)
            }, execute: { fftw_execute_dft_c2r($0, z, out.pointer) })
        }
        scaleInPlace(out, by: scale(norm, points: len, inverse: true))
        return out
    }

    /// Real data as complex data with zero imaginary parts: shape `shape + [2]`.
    public static func complexFromReal(_ x: Tensor) throws -> Tensor { try complex(x) }

    // MARK: - Helpers

    /// The data shape of complex `x` (without the trailing 2), which must have `minAxes` axes.
    private static func requireComplex(_ x: Tensor, name: String, minAxes: Int) throws -> [Int] {
        guard x.rank >= minAxes + 1, x.shape[x.rank - 1] == 2 else {
            throw TensorError("\(name): expected complex data, a tensor whose last axis has size 2 (real, imaginary) after at least \(minAxes) data ax\(minAxes == 1 ? "is" : "es"), got \(x.rank == 0 ? "a number" : "shape \(shapeString(x.shape))")")
        }
        return Array(x.shape.dropLast())
    }

    private static func dataAxis(_ axis: Int, rank: Int, name: String, shape: [Int]) throws -> Int {
        let b = axis < 0 ? axis + rank : axis
        guard b >= 0 && b < rank else {
            throw TensorError("\(name): axis \(axis) is out of range for data of shape \(shapeString(shape))")
        }
        return b
    }

    /// `x` with each axis `axes[i]` cropped (first entries kept) or zero-padded at the end to
    /// `sizes[i]` (for complex data the trailing 2 is never among them). The result's
    /// size is checked against the memory limit before anything is allocated.
    static func resize(_ x: Tensor, axes: [Int], to sizes: [Int], forceCopy: Bool = false) throws -> Tensor {
        var shape = x.shape
        for (a, s) in zip(axes, sizes) { shape[a] = s }
        if shape == x.shape {
            return forceCopy ? try Tensor.build(shape: shape) { p, n in p.update(from: x.pointer, count: n) } : x
        }
        _ = try Tensor.checkedCount(shape)
        let out = try Tensor(shape: shape)
        if out.count == 0 || x.count == 0 { return out }
        // Copy the overlapping box, one contiguous run of the last axis at a time.
        let common = zip(x.shape, shape).map { Swift.min($0, $1) }
        let run = common[common.count - 1]
        if run == 0 { return out }
        let inStrides = Tensor.strides(for: x.shape), outStrides = Tensor.strides(for: shape)
        let outer = Array(common.dropLast())
        if outer.contains(0) { return out }
        var index = [Int](repeating: 0, count: outer.count)
        let total = outer.reduce(1, *)
        for _ in 0..<total {
            var si = 0, di = 0
            for d in 0..<outer.count { si += index[d] * inStrides[d]; di += index[d] * outStrides[d] }
            (out.pointer + di).update(from: x.pointer + si, count: run)
            LinalgSupport.increment(&index, within: outer)
        }
        return out
    }

    /// FFTW guru dimensions for a one-axis real↔complex transform between a real tensor of
    /// `real` shape (strides in doubles) and a complex one of `complex` shape (strides in
    /// complex numbers): the transform runs along `axis`, every other axis is a loop.
    /// The transform dimension's `n` is the logical (real) length.
    private static func iodims(real: [Int], complex: [Int], axis: Int, realToComplex: Bool) -> ([fftw_iodim64], [fftw_iodim64]) {
        let rs = Tensor.strides(for: real), cs = Tensor.strides(for: complex)
        var loops: [fftw_iodim64] = []
        for d in 0..<real.count where d != axis {
            loops.append(realToComplex ? fftw_iodim64(n: real[d], is: rs[d], os: cs[d])
                                       : fftw_iodim64(n: real[d], is: cs[d], os: rs[d]))
        }
        let dim = realToComplex ? fftw_iodim64(n: real[axis], is: rs[axis], os: cs[axis])
                                : fftw_iodim64(n: real[axis], is: cs[axis], os: rs[axis])
        return ([dim], loops)
    }

    private static func scaleInPlace(_ t: Tensor, by s: Double) {
        if s == 1 { return }
        let p = t.pointer
        for i in 0..<t.count { p[i] *= s }
    }
}
