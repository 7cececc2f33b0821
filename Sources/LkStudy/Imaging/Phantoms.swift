import Foundation
import LkTensor

/// Test images made of ellipses.
public enum Phantoms {
    /// One ellipse: intensity added inside, centre (x₀, y₀), semi-axes (a, b), rotation φ
    /// in degrees, all in the [−1, 1]² image frame (x to the right, y up).
    public struct Ellipse: Sendable {
        public var intensity, a, b, x0, y0, phi: Double
        public init(_ intensity: Double, _ a: Double, _ b: Double, _ x0: Double, _ y0: Double, _ phi: Double) {
            self.intensity = intensity; self.a = a; self.b = b; self.x0 = x0; self.y0 = y0; self.phi = phi
        }
    }

    /// The modified Shepp–Logan head (Toft 1996; MATLAB's `phantom('Modified Shepp-Logan')`),
    /// whose contrasts are visible, with values in [0, 1].
    public static let sheppLogan: [Ellipse] = [
        Ellipse(1.0, 0.69, 0.92, 0, 0, 0),
        Ellipse(-0.8, 0.6624, 0.874, 0, -0.0184, 0),
        Ellipse(-0.2, 0.11, 0.31, 0.22, 0, -18),
        Ellipse(-0.2, 0.16, 0.41, -0.22, 0, 18),
        Ellipse(0.1, 0.21, 0.25, 0, 0.35, 0),
        Ellipse(0.1, 0.046, 0.046, 0, 0.1, 0),
        Ellipse(0.1, 0.046, 0.046, 0, -0.1, 0),
        Ellipse(0.1, 0.046, 0.023, -0.08, -0.605, 0),
        Ellipse(0.1, 0.023, 0.023, 0, -0.606, 0),
        Ellipse(0.1, 0.023, 0.046, 0.06, -0.605, 0),
    ]

    /// Renders ellipses on an n×n grid the way MATLAB's `phantom` does: pixel (i, j) sits at
    /// x = (j − (n−1)/2)/((n−1)/2), y = ((n−1)/2 − i)/((n−1)/2) (row 0 at the top, y = 1) and
    /// gets the sum of the intensities of the ellipses containing it,
    /// ((x−x₀)cos φ + (y−y₀)sin φ)²/a² + ((y−y₀)cos φ − (x−x₀)sin φ)²/b² ≤ 1.
    public static func render(_ ellipses: [Ellipse], n: Int) throws -> Tensor {
        guard n >= 2 else { throw TensorError("n must be at least 2, got \(n)") }
        let img = try Tensor(shape: [n, n], repeating: 0)
        let half = Double(n - 1) / 2
        for e in ellipses {
            let c = Foundation.cos(e.phi * .pi / 180), s = Foundation.sin(e.phi * .pi / 180)
            for i in 0..<n {
                let y = (half - Double(i)) / half - e.y0
                for j in 0..<n {
                    let x = (Double(j) - half) / half - e.x0
                    let u = x * c + y * s, v = y * c - x * s
                    if u * u / (e.a * e.a) + v * v / (e.b * e.b) <= 1 { img.pointer[i * n + j] += e.intensity }
                }
            }
        }
        return img
    }

    /// The modified Shepp–Logan phantom on an n×n grid.
    public static func sheppLogan(_ n: Int) throws -> Tensor { try render(sheppLogan, n: n) }

    /// A reproducible family of random head-like phantoms, count×n×n, values in [0, 1].
    /// Phantom k is drawn from its own generator, `RNG(seed: seed + k·0x9E3779B97F4A7C15)`, so the first
    /// m phantoms of a larger family are the same m images. Each has a skull (an ellipse of
    /// intensity 1, semi-axes 0.62–0.9, tilted up to ±15°), a brain (the skull shrunk by
    /// 0.85–0.93 and offset slightly, intensity −0.8, leaving 0.2 inside) and 3–7 features
    /// inside the brain: ellipses with semi-axes 0.04–0.3, any angle, intensity ±(0.1–0.4);
    /// the sum is clipped to [0, 1].
    public static func family(count: Int, n: Int, seed: UInt64) throws -> Tensor {
        guard count >= 1 else { throw TensorError("count must be at least 1, got \(count)") }
        guard n >= 2 else { throw TensorError("n must be at least 2, got \(n)") }
        let out = try Tensor(uninitializedShape: [count, n, n])
        for k in 0..<count {
            try Interrupt.check()
            var rng = RNG(seed: seed &+ UInt64(k) &* 0x9E37_79B9_7F4A_7C15)
            func u(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * rng.uniform() }
            let a = u(0.62, 0.85), b = u(0.75, 0.9), tilt = u(-15, 15)
            let shrink = u(0.85, 0.93)
            var es = [Ellipse(1, a, b, u(-0.04, 0.04), u(-0.04, 0.04), tilt)]
            es.append(Ellipse(-0.8, a * shrink, b * shrink, es[0].x0 + u(-0.01, 0.01), es[0].y0 + u(-0.02, 0.0), tilt))
            let features = 3 + rng.int(below: 5)
            for _ in 0..<features {
                // A centre well inside the brain: a random point of the unit disc, scaled.
                let r = 0.55 * rng.uniform().squareRoot(), t = u(0, 2 * .pi)
                let sign = rng.uniform() < 0.6 ? 1.0 : -1.0
                es.append(Ellipse(sign * u(0.1, 0.4), u(0.04, 0.3), u(0.04, 0.3),
                                  es[0].x0 + r * a * Foundation.cos(t), es[0].y0 + r * b * Foundation.sin(t), u(0, 180)))
            }
            let img = try render(es, n: n)
            for i in 0..<(n * n) { out.pointer[k * n * n + i] = Swift.min(1, Swift.max(0, img.pointer[i])) }
        }
        return out
    }
}
