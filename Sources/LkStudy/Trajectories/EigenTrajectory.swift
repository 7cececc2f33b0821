import LkTensor

// EigenTrajectory (Bae, Oh & Jeon, ICCV 2023): a low-rank basis of trajectory space from
// the SVD of stacked trajectories, coefficients in it, anchors by k-means of coefficients,
// and best-of-N displacement errors.

public struct TrajectoryDescriptor: Sendable {
    public var basis: Tensor    // 2L×k, orthonormal columns
    public var coeffs: Tensor   // N×k
    public var sv: Tensor       // all min(N, 2L) singular values, descending
}

extension Trajectories {
    /// Each window (L points) as the row [x₁, y₁, x₂, y₂, …] of an N×2L matrix X (the
    /// transpose of the paper's M); `X = U S Vᵀ` and the basis is the first k columns of V, each
    /// flipped so that its largest-magnitude entry is positive; coefficients are `X @ basis`.
    public static func descriptor(_ t: Tensor, k: Int) throws -> TrajectoryDescriptor {
        let (n, len) = try checkWindows(t, "eigentraj")
        let x = try t.reshaped([n, 2 * len])
        guard k >= 1 && k <= min(n, 2 * len) else {
            throw TensorError("eigentraj: k must be between 1 and min(N, 2L) = \(min(n, 2 * len)), got \(k)")
        }
        let (_, s, v) = try x.svd()
        let r = s.count, d = 2 * len
        let basis = try Tensor.build(shape: [d, k]) { p, _ in
            for c in 0..<k {
                var big = 0
                for j in 0..<d where abs(v.pointer[j * r + c]) > abs(v.pointer[big * r + c]) { big = j }
                let sign: Double = v.pointer[big * r + c] < 0 ? -1 : 1
                for j in 0..<d { p[j * k + c] = sign * v.pointer[j * r + c] }
            }
        }
        return TrajectoryDescriptor(basis: basis, coeffs: try Tensor.matmul(x, basis), sv: s)
    }

    static func checkBasis(_ basis: Tensor, _ name: String) throws -> (d: Int, k: Int) {
        guard basis.rank == 2, basis.shape[0] % 2 == 0 else {
            throw TensorError("\(name): basis must be a 2L×k matrix, got \(shapeString(basis.shape))")
        }
        return (basis.shape[0], basis.shape[1])
    }

    /// Coefficients `X @ basis` (N×k) of N×L×2 windows in a 2L×k basis.
    public static func project(_ t: Tensor, basis: Tensor) throws -> Tensor {
        let (n, len) = try checkWindows(t, "etproject")
        let (d, _) = try checkBasis(basis, "etproject")
        guard d == 2 * len else { throw TensorError("etproject: T has L = \(len) points but basis has \(d) rows (expected 2L = \(2 * len))") }
        return try Tensor.matmul(try t.reshaped([n, d]), basis)
    }

    /// Windows from coefficients: `C @ basisᵀ` reshaped to N×L×2 (C is N×k, or S×N×k for S
    /// samples per agent, giving S×N×L×2; a single k-vector gives L×2).
    public static func reconstruct(_ c: Tensor, basis: Tensor) throws -> Tensor {
        let (d, k) = try checkBasis(basis, "etreconstruct")
        guard c.rank >= 1 && c.rank <= 3, c.shape.last == k else {
            throw TensorError("etreconstruct: C must be N×k or S×N×k with k = \(k) (the basis columns), got \(shapeString(c.shape))")
        }
        let rows = c.count / max(k, 1)
        let x = try Tensor.matmul(try c.reshaped([rows, k]), basis, transB: true)
        return try x.reshaped(Array(c.shape.dropLast()) + [d / 2, 2])
    }

    /// `n` anchor coefficient vectors: k-means (k-means++ start, Lloyd iterations) of the rows
    /// of C, the best of `restarts` runs by inertia (scikit-learn's `n_init`), run r seeded
    /// with `seed + r`. Returns the n×k centres.
    public static func anchors(_ c: Tensor, n: Int, seed: UInt64, restarts: Int = 10) throws -> Tensor {
        try anchors(c, n: n, seed: seed, restarts: restarts, keepPartial: false).centers!
    }

    /// `anchors`, where Ctrl-C with `keepPartial` ends the restarts early and returns the
    /// best of the runs completed (nil centers when none was), with `interrupted` true.
    /// `onRun` is told after each completed run (for a progress line).
    public static func anchors(_ c: Tensor, n: Int, seed: UInt64, restarts: Int, keepPartial: Bool,
                               onRun: (Int) -> Void = { _ in }) throws -> (centers: Tensor?, interrupted: Bool) {
        guard c.rank == 2 else { throw TensorError("etanchors: C must be a matrix of coefficients (one agent per row), got \(shapeString(c.shape))") }
        guard n >= 1 && n <= c.shape[0] else { throw TensorError("etanchors: n must be between 1 and the number of rows of C (\(c.shape[0])), got \(n)") }
        var best: (Tensor, Double)? = nil
        for r in 0..<max(1, restarts) {
            do {
                let km = try Tensor.kmeans(c, k: n, iterations: 300, seed: seed &+ UInt64(r), interrupt: { Interrupt.isRequested })
                if best == nil || km.inertia < best!.1 { best = (km.centers, km.inertia) }
                onRun(r + 1)
            } catch where keepPartial && Interrupt.isInterruption(error) {
                return (best?.0, true)
            }
        }
        return (best!.0, false)
    }

    /// Per-agent best-of-S displacement errors, as compute_batch_ade/fde: `pred` is N×L×2 or
    /// S×N×L×2, `truth` N×L×2. ADEᵢ = minₛ (1/L) Σₜ ‖predₛᵢₜ − truthᵢₜ‖ and FDEᵢ = minₛ
    /// ‖predₛᵢ,L − truthᵢ,L‖, the two minima taken independently.
    public static func displacementErrors(pred: Tensor, truth: Tensor, name: String) throws -> (ade: [Double], fde: [Double]) {
        let (n, len) = try checkWindows(truth, name, "truth")
        let ok = (pred.rank == 3 && pred.shape == truth.shape) || (pred.rank == 4 && Array(pred.shape.dropFirst()) == truth.shape)
        guard ok else {
            throw TensorError("\(name): pred must be N×L×2 or S×N×L×2 matching truth \(shapeString(truth.shape)), got \(shapeString(pred.shape))")
        }
        let samples = pred.rank == 4 ? pred.shape[0] : 1
        var ade = [Double](repeating: .infinity, count: n), fde = ade
        for s in 0..<samples {
            for i in 0..<n {
                let p = pred.pointer + (s * n + i) * len * 2, q = truth.pointer + i * len * 2
                var sum = 0.0, last = 0.0
                for t in 0..<len {
                    let dx = p[2 * t] - q[2 * t], dy = p[2 * t + 1] - q[2 * t + 1]
                    last = (dx * dx + dy * dy).squareRoot(); sum += last
                }
                ade[i] = min(ade[i], sum / Double(len)); fde[i] = min(fde[i], last)
            }
        }
        return (ade, fde)
    }
}
