import LkLang
import LkTensor

// NumPy's names for the pseudo-inverse, least squares, the general eigenproblem, the FFTs and
// einsum. Results follow numpy.linalg / numpy.fft 2.x; complex data is a tensor whose last
// axis has size 2 (real, imaginary). See Docs/numpy-linalg.md.

extension BuiltinTable {
    static let numpyLinalg: [Builtin] = [
        def("pinv(A, rcond=1e-15, rtol=none)", """
            The Moore–Penrose pseudo-inverse of an m×n matrix A, an n×m matrix (numpy.linalg.pinv).
            From the thin SVD A = U diag(s) Vᵀ (LAPACK dgesdd): pinv(A) = V diag(1/sᵢ) Uᵀ, where every
            singular value sᵢ ≤ cutoff · max(s) counts as zero (its 1/sᵢ becomes 0).
            The cutoff is NumPy 2.x's: rcond=1e-15 by default; giving rtol instead sets the cutoff to
            rtol, and rtol=none (written out) means max(m, n)·ε, as NumPy. Giving both is an error.
            An empty matrix gives the empty n×m matrix; NaN or infinity in A is an error.
            """) { a in
            let m = try a.matrix(0, "A")
            var cutoff = 1e-15
            if let r = a.keyword("rtol") {
                guard a.keyword("rcond") == nil else { throw a.keywordError("give rcond or rtol, not both", "rtol") }
                if case .none = r { cutoff = Double(max(m.shape[0], m.shape[1])) * Double.ulpOfOne }
                else { cutoff = try a.keywordNumber("rtol", default: 0) }
            } else {
                cutoff = try a.keywordNumber("rcond", default: 1e-15)
            }
            return wrap(try factorised(m, work: 14) { [cutoff] in try $0.pseudoInverse(rcond: cutoff) })
        },
        def("lstsq(A, b, rcond=none)", """
            The least-squares solution of A x ≈ b (numpy.linalg.lstsq) → {x, residuals, rank, sv}.
            x minimises ‖b − A x‖₂ and, among the minimisers, ‖x‖₂ (LAPACK dgelsd, SVD-based), so
            rank-deficient and under-determined systems are fine. A is m×n; b is a vector (m,) giving
            x (n,), or a matrix (m,k) giving x (n,k). Singular values ≤ rcond·max(sv) count as zero;
            rcond=none is NumPy's default ε·max(m, n).
            residuals: the squared 2-norm ‖b − A x‖² of each column of b, shape (k,) (shape (1,) for a
            vector b, as NumPy) — but empty, shape (0,), unless rank = n and m > n, exactly as NumPy.
            rank: the effective rank of A. sv: all min(m, n) singular values of A, descending.
            NaN or infinity in A or b is an error.
            """) { a in
            let m = try a.matrix(0, "A")
            let b = try a.tensor(1, "b")
            guard b.rank == 1 || b.rank == 2 else {
                throw a.error("b must be a vector or a matrix, got \(b.rank == 0 ? "a number" : "shape \(shapeString(b.shape))")", at: 1)
            }
            guard b.shape[0] == m.shape[0] else { throw a.error("b has \(b.shape[0]) rows but A has \(m.shape[0])", at: 1) }
            var rcond: Double? = nil
            if let v = a.keyword("rcond"), !isNone(v) { rcond = try a.keywordNumber("rcond", default: 0) }
            let r = try factorised(m, work: 14) { [rcond] in try Tensor.leastSquares($0, b, rcond: rcond) }
            return record([("x", wrap(r.x)), ("residuals", .tensor(r.residuals)), ("rank", .number(Double(r.rank))),
                           ("sv", .tensor(r.singularValues))])
        },
        def("eig(A)", """
            Eigenvalues and right eigenvectors of a real square matrix (numpy.linalg.eig, LAPACK dgeev)
            → {values, vectors}, with A vⱼ = λⱼ vⱼ. Both are complex in lk's convention, a trailing
            axis of 2 (real, imaginary): values is n×2 and vectors n×n×2, whose column j,
            vectors[:, j, :], belongs to values[j]. The trailing axis is kept even when every
            eigenvalue is real (NumPy would then return real arrays), so the shapes never depend on
            the data. Order and normalisation are LAPACK's, as NumPy: complex eigenvalues come in
            adjacent conjugate pairs (positive imaginary part first), and each vector has unit
            2-norm with its largest component real. For a symmetric matrix prefer eigh.
            NaN or infinity in A is an error.
            """) { a in
            let (w, v) = try factorised(try a.matrix(0, "A"), work: 25) { try $0.eig() }
            return record([("values", .tensor(w)), ("vectors", .tensor(v))])
        },
        def("fft(x, n=none, axis=-1, norm=\"backward\", complex=none)", """
            The discrete Fourier transform along one axis (numpy.fft.fft):
            X_k = Σₙ x_n e^{−2πi kn/N}, N = n (the axis is cropped or zero-padded to n points;
            n=none keeps its length). The result is complex: x's data shape with N on that axis,
            then a trailing axis of 2 (real, imaginary).
            Input: complex=false reads x as real; complex=true as complex data (its last axis,
            of size 2, holds real and imaginary parts; axis counts the axes before it).
            complex=none (default) reads x as real, except when x has two or more axes and its
            last axis has size 2: that could be either, so it is an error asking for complex=.
            norm: "backward" (no scaling, NumPy's default), "ortho" (1/√N), "forward" (1/N).
            """) { a in
            try spectral(a, name: "fft", inverse: false)
        },
        def("ifft(X, n=none, axis=-1, norm=\"backward\")", """
            The inverse discrete Fourier transform along one axis (numpy.fft.ifft):
            x_n = (1/N) Σ_k X_k e^{+2πi kn/N} with norm="backward" (NumPy's default), 1/√N with
            "ortho", no scaling with "forward". X is always complex: its last axis has size 2
            (real, imaginary), and axis counts the axes before it; n crops or zero-pads that axis
            to N points first. The result is complex, of the same layout: for a real vector x,
            ifft(fft(x)) is x as complex data, real parts ifft(fft(x))[:, 0], imaginary parts ≈ 0.
            """) { a in
            try spectral(a, name: "ifft", inverse: true)
        },
        def("rfft(x, n=none, axis=-1, norm=\"backward\")", """
            The Fourier transform of real data along one axis, keeping the non-negative frequencies
            (numpy.fft.rfft): X_k for k = 0 … ⌊N/2⌋, N = n (the axis cropped or zero-padded to n
            points). x is always read as real (FFTW r2c). The result is complex: x's shape with
            ⌊N/2⌋+1 on that axis, then a trailing axis of 2 (real, imaginary). norm as in fft.
            """) { a in
            let x = try a.tensor(0, "x")
            guard x.rank >= 1 else { throw a.error("x must have at least one axis, got a number", at: 0) }
            return wrap(try FFT.rfft1(x, n: try optionalSize(a, "n"), axis: try a.keywordInt("axis", default: -1),
                                      norm: try normalization(a)))
        },
        def("irfft(X, n=none, axis=-1, norm=\"backward\")", """
            The inverse of rfft (numpy.fft.irfft): the real signal of N points whose rfft is X.
            X is complex (last axis of size 2; axis counts the axes before it) and holds the
            non-negative frequencies of a Hermitian spectrum; N = n, or 2(m − 1) for m values along
            the axis (pass n for an odd length: irfft(rfft(x), n=len(x)) gives x back).
            The first ⌊N/2⌋+1 values are used (zero-padded if fewer); the imaginary parts of the
            zero frequency, and of the Nyquist frequency for even N, are ignored, as in NumPy.
            The result is real. norm: "backward" (1/N, default), "ortho" (1/√N), "forward" (1).
            """) { a in
            let x = try a.tensor(0, "X")
            return wrap(try FFT.irfft1(x, n: try optionalSize(a, "n"), axis: try a.keywordInt("axis", default: -1),
                                       norm: try normalization(a)))
        },
        def("fft2(x, s=none, axes=[-2, -1], norm=\"backward\", complex=none)", """
            The two-dimensional discrete Fourier transform (numpy.fft.fft2): the one-axis fft over
            each of the two axes in axes (default the last two data axes), each first cropped or
            zero-padded to the matching size in s (s=none keeps them). The result is complex
            (trailing axis of 2), so an n×m real image gives n×m×2 and a stack batches.
            Input: complex=false reads x as real, complex=true as complex data (last axis of size 2
            = real, imaginary; axes count the axes before it). complex=none (default) reads x as
            real unless it has three or more axes and its last axis has size 2, which is ambiguous
            and an error asking for complex=. norm as in fft, with N the product of the two sizes.
            """) { a in
            try spectral2(a, name: "fft2", inverse: false)
        },
        def("ifft2(X, s=none, axes=[-2, -1], norm=\"backward\")", """
            The two-dimensional inverse discrete Fourier transform (numpy.fft.ifft2) of complex X
            (always complex: last axis of size 2, real and imaginary; axes count the axes before it),
            each transformed axis first cropped or zero-padded to s. The result is complex.
            norm: "backward" (1/N, default), "ortho" (1/√N), "forward" (1), N the product of the sizes.
            """) { a in
            try spectral2(a, name: "ifft2", inverse: true)
        },
        def("einsum(spec, operands...)", """
            Einstein summation (numpy.einsum): spec names each operand's axes with letters, e.g.
            einsum("ij,jk->ik", A, B) is A @ B, "ii" the trace, "ii->i" the diagonal, "i,j->ij" the
            outer product, "bij,bjk->bik" a batched product, "ij->ji" a transpose.
            A letter repeated inside one operand takes its diagonal; a letter shared by operands is
            multiplied along; a letter absent from the output is summed over. Without "->" the
            output is the letters that occur exactly once, in ASCII order (upper before lower case).
            "..." stands for the remaining axes of an operand (right-aligned, broadcast across
            operands); an axis of size 1 broadcasts against the same letter elsewhere. Spaces are
            ignored. Operands are contracted left to right, two at a time, each pair as one
            (batched) matrix product on BLAS, so matrix products run at the speed of @.
            Malformed subscripts, wrong operand counts and mismatched sizes are errors.
            """, differentiation: .rule { a in
            guard case .string(let spec) = a.positional[0] else { throw a.error("spec must be a string", at: 0) }
            return try einsum(spec, Array(a.positional.dropFirst()))
        }) { a in
            let spec = try a.string(0, "spec")
            let ops = try (1..<a.count).map { try a.tensor($0, "operand \($0 - 1)") }
            return wrap(try Einsum.evaluate(spec, ops))
        },
    ]
}

private func isNone(_ v: Value) -> Bool { if case .none = v { return true } else { return false } }

/// `n=` / a size keyword: nil when absent or none, else an integer ≥ 1.
private func optionalSize(_ a: Arguments, _ name: String) throws -> Int? {
    try a.keywordOptionalInt(name, min: 1)
}

private func normalization(_ a: Arguments) throws -> FFT.Normalization {
    let s = try a.keywordString("norm", default: "backward", allowed: ["backward", "ortho", "forward"])
    return FFT.normalization(named: s)!
}

/// Whether fft/fft2 reads `x` as complex: the explicit `complex=`, or the rule that a last
/// axis of 2 on a tensor of at least `minRank` axes is ambiguous and must be said.
private func readsComplex(_ a: Arguments, _ x: Tensor, minRank: Int) throws -> Bool {
    if let v = a.keyword("complex"), !isNone(v) { return try a.keywordBool("complex", default: false) }
    if x.rank >= minRank && x.shape[x.rank - 1] == 2 {
        throw a.error("x has shape \(shapeString(x.shape)): its last axis of size 2 could be (real, imaginary) pairs or real data; say complex=true or complex=false", at: 0)
    }
    return false
}

private func spectral(_ a: Arguments, name: String, inverse: Bool) throws -> Value {
    var x = try a.tensor(0, inverse ? "X" : "x")
    let n = try optionalSize(a, "n")
    let axis = try a.keywordInt("axis", default: -1)
    let norm = try normalization(a)
    let isComplex = inverse ? true : try readsComplex(a, x, minRank: 2)
    if !isComplex {
        guard x.rank >= 1 else { throw a.error("x must have at least one axis, got a number", at: 0) }
        x = try FFT.complexFromReal(x)
    }
    return wrap(try FFT.fft1(x, n: n, axis: axis, inverse: inverse, norm: norm, name: name))
}

private func spectral2(_ a: Arguments, name: String, inverse: Bool) throws -> Value {
    var x = try a.tensor(0, inverse ? "X" : "x")
    let axes = try intList(a, "axes") ?? [-2, -1]
    let sizes = try intList(a, "s", min: 1)
    if let sizes, sizes.count != axes.count {
        throw a.keywordError("s has \(sizes.count) size\(sizes.count == 1 ? "" : "s") but axes names \(axes.count) ax\(axes.count == 1 ? "is" : "es")", "s")
    }
    let norm = try normalization(a)
    let isComplex = inverse ? true : try readsComplex(a, x, minRank: 3)
    if !isComplex {
        guard x.rank >= axes.count else {
            throw a.error("x must have at least \(axes.count) axes, got \(x.rank == 0 ? "a number" : "shape \(shapeString(x.shape))")", at: 0)
        }
        x = try FFT.complexFromReal(x)
    }
    return wrap(try FFT.fftn(x, sizes: sizes, axes: axes, inverse: inverse, norm: norm, name: name))
}

/// A keyword holding a list or vector of integers (`axes=[-2, -1]`); nil when absent or none.
private func intList(_ a: Arguments, _ name: String, min lo: Int? = nil) throws -> [Int]? {
    guard let v = a.keyword(name), !isNone(v) else { return nil }
    guard let t = Arguments.asTensor(v), t.rank <= 1 else {
        throw a.keywordError("\(name) must be a list of integers, got \(v.describedKind)", name)
    }
    return try t.scalars.map { try Arguments.checkInt($0, name, lo) { a.keywordError($0, name) } }
}
