import Foundation
import LkLang
import LkStudy
import LkTensor

/// An lk record for an engine operator: forward, adjoint and normal built-ins (forward
/// identifies it to dds/dps), plus the operator's own fields.
func operatorRecord(_ op: LinearOperator, kind: String, fields: [(String, Value)]) -> Value {
    let inShape = shapeString(op.inputShape), outShape = shapeString(op.outputShape)
    let forward = def("op.forward(x)", "A x: an image \(inShape) to measurements \(outShape).") { a in
        return wrap(try op.forward(try a.tensor(0, "x")))
    }
    let adjoint = def("op.adjoint(y)", "Aᴴ y: measurements \(outShape) to an image \(inShape).") { a in
        return wrap(try op.adjoint(try a.tensor(0, "y")))
    }
    let normal = def("op.normal(x)", "AᴴA x for an image \(inShape).") { a in
        return wrap(try op.normal(try a.tensor(0, "x")))
    }
    let matrix = def("op.matrix()", "The dense matrix of the operator: (measurements, flattened) × (image pixels), built column by column.") { b in
        try b.expect(0...0)
        return wrap(try op.denseMatrix())
    }
    EngineObjects.shared.register(forward, OperatorBox(op))
    return record([("kind", .string(kind))] + fields + [
        ("forward", .builtin(forward)), ("adjoint", .builtin(adjoint)), ("normal", .builtin(normal)), ("matrix", .builtin(matrix)),
    ])
}

extension BuiltinTable {
    static let imagingBuiltins: [Builtin] = [
        def("mriop(n, accel=4, center=0.08, mask=\"uniform1d\", coils=1, seed=)",
            "A Cartesian MRI operator on real n×n images: forward(x) = M ⊙ F_c(S_c·x), with F_c the orthonormal centred 2-D DFT (fftshift∘FFT∘ifftshift, FFTW), M a 0/1 mask of centred k-space and S_c synthetic coil sensitivities (smooth Gaussian magnitudes around the image with linear phases, normalised so Σ_c|S_c|² = 1; none when coils=1). k-space is n×n×2 (real, imaginary), or coils×n×n×2; adjoint(y) = Re Σ_c conj(S_c)·F_cᴴ(M ⊙ y_c), the adjoint for real inner products, and normal = adjoint∘forward (with a full mask AᴴA = I). Masks, as the DDS/score-MRI code but drawn without replacement so the acceleration is exact: \"uniform1d\" samples ⌊n/accel⌋ columns (the last axis): the ⌊n·center⌋ central ones plus uniformly random ones; \"gaussian1d\" the same centre plus columns from N(n/2, (15n/128)²); \"gaussian2d\" ⌊n²/accel⌋ points from a 2-D Gaussian of variance 1.5n²/128 per axis (center unused). → {kind, n, coils, mask, maps, accel (actual: n²/samples), forward, adjoint, normal, matrix}: matrix() gives the dense (k-space values × 2)×n² matrix.") { a in
            let n = try a.int(0, "n", min: 4)
            let kind = MRIOperator.MaskKind(rawValue: try a.keywordString("mask", default: "uniform1d", allowed: MRIOperator.MaskKind.allCases.map(\.rawValue)))!
            var rng = try a.generator()
            let m = try MRIOperator(n: n, acceleration: try a.keywordNumber("accel", default: 4, min: 1),
                                    center: try a.keywordNumber("center", default: 0.08, min: 0, max: 1),
                                    mask: kind, coils: try a.keywordInt("coils", default: 1, min: 1), rng: &rng)
            return operatorRecord(m.op, kind: "mri", fields: [
                ("n", .number(Double(n))), ("coils", .number(Double(m.coils))), ("mask", .tensor(m.mask)),
                ("maps", m.maps.map(Value.tensor) ?? .none), ("accel", .number(1 / m.sampledFraction)),
            ])
        },
        def("ctop(n, views=, ndet=)",
            "A parallel-beam CT operator on n×n images (the image covering [−1, 1]²): forward(x) is the views×ndet sinogram at angles θ_k = kπ/views (default views = n), detector bins of width 2√2/ndet over [−√2, √2] (default ndet = ⌈√2·n⌉); each pixel's mass (2/n)²/Δ goes to the two bins bracketing its projection x cos θ + y sin θ by linear interpolation, so entries approximate line integrals. adjoint is the exact transpose (back-projection); normal = adjoint∘forward. Stored sparse (2 entries per pixel and view). → {kind, n, views, ndet, angles, forward, adjoint, normal, matrix}: matrix() gives the dense (views·ndet)×n² matrix.") { a in
            let n = try a.int(0, "n", min: 2)
            let views = try a.keywordInt("views", default: n, min: 1)
            let ndet = try a.keywordOptionalInt("ndet", min: 2)
            let ct = try CTOperator(n: n, views: views, detectors: ndet)
            return operatorRecord(ct.op, kind: "ct", fields: [
                ("n", .number(Double(n))), ("views", .number(Double(views))), ("ndet", .number(Double(ct.detectors))),
                ("angles", vector(ct.angles)),
            ])
        },
        def("phantom(n)",
            "The modified Shepp–Logan head phantom (Toft; MATLAB's phantom('Modified Shepp-Logan')) on an n×n grid, values in [0, 1]: ten ellipses in the [−1, 1]² frame, pixel (i, j) at x = (j − (n−1)/2)/((n−1)/2), y = ((n−1)/2 − i)/((n−1)/2).") { a in
            return wrap(try Phantoms.sheppLogan(try a.int(0, "n", min: 2)))
        },
        def("phantoms(count, n, seed=0)",
            "A reproducible family of count random head-like ellipse phantoms (count×n×n, values in [0, 1]) — training data for empiricalprior and held-out test images (use another seed, or later indices). Each has a skull (intensity 1, semi-axes 0.62–0.9, tilt ±15°), a brain (the skull shrunk by 0.85–0.93, −0.8, leaving 0.2) and 3–7 random ellipses inside (semi-axes 0.04–0.3, any angle, ±0.1–0.4), clipped to [0, 1]. Phantom k depends only on seed and k, so the first m of a larger family are the same m images.") { a in
            let count = try a.int(0, "count", min: 1), n = try a.int(1, "n", min: 2)
            return wrap(try Phantoms.family(count: count, n: n, seed: try a.seed()))
        },
        def("psnr(x, ref, range=)",
            "Peak signal-to-noise ratio 10·log₁₀(L²/MSE) in dB between x and ref (same shape), with L = range= or, by default, max(ref) − min(ref); inf when they are equal. A constant ref has range 0, so it needs range= (an error otherwise).") { a in
            let range = try a.keywordTensor("range").map { $0.scalarValue ?? 0 }
            if let r = range, !(r > 0) { throw a.keywordError("range must be positive", "range") }
            return .number(try ImageMetrics.psnr(try a.tensor(0, "x"), try a.tensor(1, "ref"), range: range))
        },
        def("ssim(x, ref, range=)",
            "The structural similarity index of Wang, Bovik, Sheikh & Simoncelli (2004) between 2-D images: the mean of (2μₓμᵧ + C₁)(2σₓᵧ + C₂)/((μₓ² + μᵧ² + C₁)(σₓ² + σᵧ² + C₂)), C₁ = (0.01L)², C₂ = (0.03L)², local statistics weighted by a Gaussian window of σ = 1.5 (11×11, truncated at 3.5σ) with mirror borders and population variances, averaged over pixels at least 5 from the border — scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False). L = range= or max(ref) − min(ref).") { a in
            let range = try a.keywordTensor("range").map { $0.scalarValue ?? 0 }
            if let r = range, !(r > 0) { throw a.keywordError("range must be positive", "range") }
            return .number(try ImageMetrics.ssim(try a.tensor(0, "x"), try a.tensor(1, "ref"), range: range))
        },
    ]
}
