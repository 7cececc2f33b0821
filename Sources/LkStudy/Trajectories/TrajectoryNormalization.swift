import Foundation
import LkTensor

// Per-agent normalisation of EigenTrajectory (EigenTrajectory/normalizer.py): each window
// is moved so that its last observed point is the origin, rotated so that its heading over
// the last two observed steps points along +x, and (for moving agents) scaled so that
// that two-step displacement has length 2.

/// The parameters of one normalisation, per agent.
public struct TrajectoryFrame: Sendable {
    public var origin: Tensor     // N×2: the last observed point
    public var rotation: Tensor   // N×2×2: R = [[cos θ, −sin θ], [sin θ, cos θ]], θ the heading
    public var scale: Tensor      // N: 2 / ‖p[obs−1] − p[obs−3]‖ for moving agents, 1 for static ones
    public var moving: Tensor     // N: 1 when ‖p[obs−1] − p[obs−3]‖ / 2 > static_dist, else 0

    public init(origin: Tensor, rotation: Tensor, scale: Tensor, moving: Tensor) {
        self.origin = origin; self.rotation = rotation; self.scale = scale; self.moving = moving
    }
}

extension Trajectories {
    static func checkWindows(_ t: Tensor, _ name: String, _ arg: String = "T") throws -> (n: Int, len: Int) {
        guard t.rank == 3, t.shape[2] == 2 else {
            throw TensorError("\(name): \(arg) must be N×L×2 (one trajectory of L points per agent), got \(shapeString(t.shape))")
        }
        return (t.shape[0], t.shape[1])
    }

    /// Computes the frame of every agent from its first `obs` points and applies it to the
    /// whole window: `p̂ₜ = s · (pₜ − o) R`, row vectors, with o = p[obs−1], θ = atan2 of
    /// d = p[obs−1] − p[obs−3], and s = 2/‖d‖ when ‖d‖/2 > staticDist (moving), else 1
    /// (`scale: false` gives s = 1 for all). Returns the normalised N×L×2 windows and the frame.
    public static func normalize(_ t: Tensor, obs: Int, staticDist: Double = 0, scale: Bool = true) throws -> (Tensor, TrajectoryFrame) {
        let (n, len) = try checkWindows(t, "etnormalize")
        guard obs >= 3 && obs <= len else { throw TensorError("etnormalize: obs must be between 3 and L = \(len), got \(obs)") }
        let origin = try Tensor(uninitializedShape: [n, 2]), rotation = try Tensor(uninitializedShape: [n, 2, 2])
        let scales = try Tensor(uninitializedShape: [n]), moving = try Tensor(uninitializedShape: [n])
        let out = try Tensor(uninitializedShape: t.shape)
        for i in 0..<n {
            let p = t.pointer + i * len * 2
            let ox = p[(obs - 1) * 2], oy = p[(obs - 1) * 2 + 1]
            let dx = ox - p[(obs - 3) * 2], dy = oy - p[(obs - 3) * 2 + 1]
            let speed = (dx * dx + dy * dy).squareRoot()
            let theta = atan2(dy, dx), c = cos(theta), s = sin(theta)
            let isMoving = speed / 2 > staticDist
            let k = scale && isMoving ? 2 / speed : 1
            origin.pointer[2 * i] = ox; origin.pointer[2 * i + 1] = oy
            let r = rotation.pointer + 4 * i
            r[0] = c; r[1] = -s; r[2] = s; r[3] = c
            scales.pointer[i] = k; moving.pointer[i] = isMoving ? 1 : 0
            let q = out.pointer + i * len * 2
            for j in 0..<len {
                let x = p[2 * j] - ox, y = p[2 * j + 1] - oy
                q[2 * j] = k * (x * c + y * s)
                q[2 * j + 1] = k * (-x * s + y * c)
            }
        }
        return (out, TrajectoryFrame(origin: origin, rotation: rotation, scale: scales, moving: moving))
    }

    /// The inverse map `pₜ = (p̂ₜ / s) Rᵀ + o` for windows N×L×2 or samples S×N×L×2 (each of
    /// the S samples of agent i uses agent i's frame).
    public static func denormalize(_ t: Tensor, frame f: TrajectoryFrame) throws -> Tensor {
        guard (t.rank == 3 || t.rank == 4), t.shape.last == 2 else {
            throw TensorError("etdenormalize: T must be N×L×2 or S×N×L×2, got \(shapeString(t.shape))")
        }
        let n = t.shape[t.rank - 3], len = t.shape[t.rank - 2], samples = t.rank == 4 ? t.shape[0] : 1
        guard f.origin.rank == 2, f.origin.shape == [n, 2], f.rotation.shape == [n, 2, 2], f.scale.shape == [n] else {
            throw TensorError("etdenormalize: T has \(n) agents but the frame has origin \(shapeString(f.origin.shape)), rotation \(shapeString(f.rotation.shape)), scale \(shapeString(f.scale.shape))")
        }
        let out = try Tensor(uninitializedShape: t.shape)
        for sIdx in 0..<samples {
            for i in 0..<n {
                let r = f.rotation.pointer + 4 * i, k = f.scale.pointer[i]
                let ox = f.origin.pointer[2 * i], oy = f.origin.pointer[2 * i + 1]
                let base = (sIdx * n + i) * len * 2
                let p = t.pointer + base, q = out.pointer + base
                for j in 0..<len {
                    let x = p[2 * j] / k, y = p[2 * j + 1] / k
                    // (x, y) Rᵀ = (x r00 + y r01, x r10 + y r11)
                    q[2 * j] = x * r[0] + y * r[1] + ox
                    q[2 * j + 1] = x * r[2] + y * r[3] + oy
                }
            }
        }
        return out
    }
}
