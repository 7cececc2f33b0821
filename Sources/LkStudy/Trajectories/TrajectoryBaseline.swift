import LkTensor

// The anchors-only EigenTrajectory predictor: no forecasting model, just the k-means
// anchors of the future trajectories of the training set, placed in each test agent's
// frame. It is what the full method refines, and a strong multi-modal baseline.

public struct AnchorBaseline: Sendable {
    public var ade: Double, fde: Double
    public var pred: Tensor          // S×N×pred×2 predictions in world coordinates
    public var adeEach: [Double], fdeEach: [Double]
    /// Ctrl-C ended the k-means restarts early: each group's anchors are the best of
    /// the runs it completed (a group with none borrows the other's).
    public var interrupted = false
}

extension Trajectories {
    /// `train` and `test` are N×(obs+pred)×2 windows. Moving and static agents (‖p[obs−1] −
    /// p[obs−3]‖/2 above or not above `staticDist`) are treated apart, as the paper's code does:
    /// each group's training futures are normalised (moving: with scale; static: without),
    /// described by the first k singular vectors of their N×2·pred matrix, and clustered into
    /// `anchors` coefficient vectors (`Trajectories.anchors`, best of `restarts` k-means runs). Every test agent
    /// gets its group's anchor futures, denormalised with its own frame; the result is the
    /// best-of-S ADE and FDE (each minimum taken independently), averaged over test agents.
    /// A group with no training agents borrows the other group's anchors.
    public static func anchorBaseline(train: Tensor, test: Tensor, obs: Int = 8, k: Int = 6, anchors n: Int = 20,
                                      seed: UInt64 = 0, staticDist: Double = 0.419, restarts: Int = 10) throws -> AnchorBaseline {
        let (_, len) = try checkWindows(train, "etbaseline", "train")
        let (nt, lenT) = try checkWindows(test, "etbaseline", "test")
        guard len == lenT else { throw TensorError("etbaseline: train windows have \(len) points but test windows \(lenT)") }
        guard obs >= 3 && obs < len else { throw TensorError("etbaseline: obs must be between 3 and L − 1 = \(len - 1), got \(obs)") }
        let fut = len - obs
        guard k >= 1 && k <= 2 * fut else { throw TensorError("etbaseline: k must be between 1 and 2·pred = \(2 * fut), got \(k)") }
        guard n >= 1 else { throw TensorError("etbaseline: anchors must be at least 1, got \(n)") }

        // Anchor futures (normalised frame) for the moving (scaled) and static (unscaled) groups.
        // (`normalize` already leaves static agents unscaled.)
        var groupAnchors: [Tensor?] = [nil, nil]
        let (norm, frame) = try normalize(train, obs: obs, staticDist: staticDist)
        let progress = ProgressReporter("etbaseline", total: 2 * max(1, restarts), unit: "run")
        defer { progress.finish() }
        var interrupted = false
        for g in 0..<2 where !interrupted {
            let rows = (0..<train.shape[0]).filter { (frame.moving.pointer[$0] == 1) == (g == 0) }
            guard rows.count >= max(n, k) else { continue }
            let future = try futures(norm, rows: rows, obs: obs)
            let d = try descriptor(future, k: k)
            let c = try anchors(d.coeffs, n: n, seed: seed, restarts: restarts, keepPartial: true) { progress.update(g * max(1, restarts) + $0) }
            interrupted = c.interrupted
            if let centers = c.centers { groupAnchors[g] = try reconstruct(centers, basis: d.basis) }   // n×fut×2
        }
        if interrupted && groupAnchors[0] == nil && groupAnchors[1] == nil { throw Interrupted() }
        guard groupAnchors[0] != nil || groupAnchors[1] != nil else {
            throw TensorError("etbaseline: train has too few windows (need at least max(anchors, k) = \(max(n, k)) in one group)")
        }
        if groupAnchors[0] == nil { groupAnchors[0] = groupAnchors[1] }
        if groupAnchors[1] == nil { groupAnchors[1] = groupAnchors[0] }

        // Every test agent: its group's anchors in its own frame.
        let (_, movingFrame) = try normalize(test, obs: obs, staticDist: staticDist, scale: true)
        let pred = try Tensor(uninitializedShape: [n, nt, fut, 2])
        for i in 0..<nt {
            let g = movingFrame.moving.pointer[i] == 1 ? 0 : 1
            let a = groupAnchors[g]!
            for s in 0..<n {
                (pred.pointer + (s * nt + i) * fut * 2).update(from: a.pointer + s * fut * 2, count: fut * 2)
            }
        }
        let world = try denormalize(pred, frame: movingFrame)
        let truth = try futures(test, rows: Array(0..<nt), obs: obs)
        let (ade, fde) = try displacementErrors(pred: world, truth: truth, name: "etbaseline")
        let mean = { (v: [Double]) in v.isEmpty ? Double.nan : v.reduce(0, +) / Double(v.count) }
        return AnchorBaseline(ade: mean(ade), fde: mean(fde), pred: world, adeEach: ade, fdeEach: fde, interrupted: interrupted)
    }

    /// Points obs..<L of the given rows, as rows.count×(L−obs)×2.
    static func futures(_ t: Tensor, rows: [Int], obs: Int) throws -> Tensor {
        let len = t.shape[1], fut = len - obs
        return try Tensor.build(shape: [rows.count, fut, 2]) { p, _ in
            for (r, i) in rows.enumerated() {
                (p + r * fut * 2).update(from: t.pointer + (i * len + obs) * 2, count: fut * 2)
            }
        }
    }
}
