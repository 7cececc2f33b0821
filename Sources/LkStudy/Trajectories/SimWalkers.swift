import Foundation
import LkTensor

// Synthetic pedestrian scenes, so that trajectory examples and tests run with no data set.

extension Trajectories {
    /// `count` windows of `obs + pred` frames (0.4 s apart, like ETH/UCY's 2.5 fps) from a
    /// social-force simulation (Helbing & Molnár, 1995) of scenes in a 16 m × 12 m area.
    ///
    /// Each scene has 4–10 agents. Most cross the area towards a goal on the far side at a
    /// preferred speed v₀ ~ 1.3 ± 0.25 m/s (at least 0.3); about 15% linger near their start
    /// (v₀ = 0.1 m/s) and 10% turn: their goal moves to a side of the area at a random time.
    /// Every 0.1 s: `dv/dt = (v₀ e − v)/τ + Σⱼ A exp((2r − dᵢⱼ)/B) nᵢⱼ + σ ξ` with τ = 0.5 s,
    /// A = 2 m/s², B = 0.3 m, r = 0.3 m, σ = 0.3 m/s² (ξ standard normal), and the speed capped
    /// at 1.3 v₀. Each agent gives windows starting at frames 0, 10 and 20 of a 40-frame scene;
    /// windows are collected scene by scene until there are `count`. Deterministic for a seed.
    public static func simWalkers(count: Int, seed: UInt64, obs: Int = 8, pred: Int = 12) throws -> Tensor {
        guard count >= 1 else { throw TensorError("simwalkers: count must be at least 1, got \(count)") }
        let len = obs + pred
        guard len <= 40 && obs >= 2 && pred >= 1 else { throw TensorError("simwalkers: obs + pred must be at most 40 frames, got \(len)") }
        var rng = RNG(seed: seed)
        // The windows are gathered in an array, then copied into the tensor: twice the bytes.
        let total = try Memory.checkedCount([count, len, 2], elementBytes: 16, what: "simwalkers: \(count) windows of \(len) frames")
        var out = try Memory.reserved(Double.self, total, what: "simwalkers: \(count) windows of \(len) frames")
        let (w, h) = (16.0, 12.0)
        let frames = 40, sub = 4, dt = 0.1
        let (tau, a, b, r, sigma) = (0.5, 2.0, 0.3, 0.3, 0.3)
        while out.count < total {
            try Interrupt.check()
            let m = 4 + rng.int(below: 7)
            var pos: [(Double, Double)] = [], vel: [(Double, Double)] = [], goal: [(Double, Double)] = []
            var v0: [Double] = [], turnAt: [Int] = [], turnGoal: [(Double, Double)] = []
            for _ in 0..<m {
                let side = rng.int(below: 4)
                let u = rng.uniform(), depth = 8 * rng.uniform()
                let start: (Double, Double), end: (Double, Double)
                switch side {
                case 0: start = (depth * w / 16, u * h); end = (w + 2, rng.uniform() * h)
                case 1: start = (w - depth * w / 16, u * h); end = (-2, rng.uniform() * h)
                case 2: start = (u * w, depth * h / 16); end = (rng.uniform() * w, h + 2)
                default: start = (u * w, h - depth * h / 16); end = (rng.uniform() * w, -2)
                }
                let kind = rng.uniform()
                var speed = max(0.3, 1.3 + 0.25 * rng.normal())
                var g = end
                if kind < 0.15 { speed = 0.1; g = (start.0 + rng.normal(), start.1 + rng.normal()) }
                pos.append(start); goal.append(g); v0.append(speed)
                let (ex, ey) = unit(g.0 - start.0, g.1 - start.1)
                vel.append((speed * ex, speed * ey))
                turnAt.append(kind >= 0.15 && kind < 0.25 ? 5 + rng.int(below: 25) : Int.max)
                turnGoal.append(rng.uniform() < 0.5 ? (rng.uniform() * w, -2) : (rng.uniform() * w, h + 2))
            }
            var track = [[Double]](repeating: [], count: m)
            for f in 0..<frames {
                for i in 0..<m { track[i].append(pos[i].0); track[i].append(pos[i].1); if f == turnAt[i] { goal[i] = turnGoal[i] } }
                for _ in 0..<sub {
                    var acc = [(Double, Double)](repeating: (0, 0), count: m)
                    for i in 0..<m {
                        let (ex, ey) = unit(goal[i].0 - pos[i].0, goal[i].1 - pos[i].1)
                        var ax = (v0[i] * ex - vel[i].0) / tau, ay = (v0[i] * ey - vel[i].1) / tau
                        for j in 0..<m where j != i {
                            let dx = pos[i].0 - pos[j].0, dy = pos[i].1 - pos[j].1
                            let d = max((dx * dx + dy * dy).squareRoot(), 1e-6)
                            let push = a * exp((2 * r - d) / b)
                            ax += push * dx / d; ay += push * dy / d
                        }
                        acc[i] = (ax + sigma * rng.normal(), ay + sigma * rng.normal())
                    }
                    for i in 0..<m {
                        var vx = vel[i].0 + dt * acc[i].0, vy = vel[i].1 + dt * acc[i].1
                        let s = (vx * vx + vy * vy).squareRoot(), cap = 1.3 * v0[i]
                        if s > cap { vx *= cap / s; vy *= cap / s }
                        vel[i] = (vx, vy)
                        pos[i] = (pos[i].0 + dt * vx, pos[i].1 + dt * vy)
                    }
                }
            }
            for i in 0..<m {
                for start in stride(from: 0, through: frames - len, by: 10) where out.count < total {
                    out += track[i][(2 * start)..<(2 * (start + len))]
                }
            }
        }
        return try Tensor(shape: [count, len, 2], data: out)
    }

    @inline(__always) static func unit(_ x: Double, _ y: Double) -> (Double, Double) {
        let n = (x * x + y * y).squareRoot()
        return n > 1e-9 ? (x / n, y / n) : (0, 0)
    }
}
