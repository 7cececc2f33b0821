import Foundation
import LkTensor

// The Latent Compass (Schwettmann, Strobelt & Martino, 2020): a person looks at images
// generated around a latent point, marks which look more or less like what they are
// after, and a direction in latent space is fitted to those marks. The session is plain
// data, advanced one round at a time, so the REPL can drive it and so can a script.

/// How a direction is fitted to marked latent offsets.
public enum CompassFit: String, Sendable, CaseIterable {
    /// `mean(x | more) − mean(x | less)`, normalised.
    case means
    /// The normal `w/‖w‖` of an L2-regularised logistic regression `P(more | x) = σ(w·x + b)`.
    case logistic
}

public struct CompassSession: Sendable {
    public var center: [Double]          // the latent point the strips are drawn around
    public var radius: Double            // offsets are radius · N(0, I)
    public var count: Int                // images per strip
    public var method: CompassFit
    public var seed: UInt64
    public var round: Int = 0            // strips marked so far
    public var offsets: Tensor           // count×d: the strip on show (latent = center + offset)
    public var marked: [[Double]] = []   // every marked offset so far
    public var marks: [Double] = []      // +1 more, −1 less (0 entries are not kept)
    public var direction: Tensor         // unit d-vector, zero until both kinds of mark exist

    public var dimension: Int { center.count }

    /// A session rebuilt from its parts (as the REPL keeps it in a record).
    public init(center: [Double], radius: Double, count: Int, method: CompassFit, seed: UInt64, round: Int,
                offsets: Tensor, marked: [[Double]], marks: [Double], direction: Tensor) throws {
        guard offsets.shape == [count, center.count], direction.shape == [center.count], marked.count == marks.count,
              marked.allSatisfy({ $0.count == center.count }) else {
            throw TensorError("compass: the session's fields do not fit together (pass a record made by compass or compassstep)")
        }
        self.center = center; self.radius = radius; self.count = count; self.method = method; self.seed = seed
        self.round = round; self.offsets = offsets; self.marked = marked; self.marks = marks; self.direction = direction
    }

    public init(center: [Double], radius: Double = 1, count: Int = 8, method: CompassFit = .logistic, seed: UInt64 = 0) throws {
        guard !center.isEmpty else { throw TensorError("compass: the latent point z must have at least one entry") }
        guard radius > 0 && radius.isFinite else { throw TensorError("compass: radius must be positive, got \(formatNumber(radius))") }
        guard count >= 2 else { throw TensorError("compass: count must be at least 2 images per strip, got \(count)") }
        self.center = center; self.radius = radius; self.count = count; self.method = method; self.seed = seed
        offsets = try Compass.strip(dimension: center.count, count: count, radius: radius, seed: seed, round: 0)
        direction = try Tensor(shape: [center.count])
    }

    /// Records the marks for the strip on show (one per image: > 0 more, < 0 less, 0 no
    /// opinion), refits the direction on every mark so far, and draws the next strip.
    public mutating func choose(_ choice: [Double]) throws {
        guard choice.count == count else { throw TensorError("compassstep: expected \(count) marks (one per image of the strip), got \(choice.count)") }
        let d = dimension
        for (j, c) in choice.enumerated() where c != 0 {
            guard c.isFinite else { throw TensorError("compassstep: marks must be finite, got \(formatNumber(c))") }
            marked.append(Array(UnsafeBufferPointer(start: offsets.pointer + j * d, count: d)))
            marks.append(c > 0 ? 1 : -1)
        }
        direction = try Compass.fit(offsets: marked, marks: marks, dimension: d, method: method)
        round += 1
        offsets = try Compass.strip(dimension: d, count: count, radius: radius, seed: seed, round: round)
    }

    /// `steps` latent points `center + s·direction`, s evenly spaced in [−span, span].
    public func walk(steps: Int, span: Double) throws -> Tensor {
        guard steps >= 1 else { throw TensorError("compasswalk: steps must be at least 1, got \(steps)") }
        let d = dimension
        return try Tensor.build(shape: [steps, d]) { p, _ in
            for i in 0..<steps {
                let s = steps == 1 ? 0 : -span + 2 * span * Double(i) / Double(steps - 1)
                for j in 0..<d { p[i * d + j] = center[j] + s * direction.pointer[j] }
            }
        }
    }
}

public enum Compass {
    /// The strip offsets of a round: `count` rows of radius · N(0, I_d) from `RNG(seed + round)`,
    /// so every session replays exactly.
    public static func strip(dimension d: Int, count: Int, radius: Double, seed: UInt64, round: Int) throws -> Tensor {
        var rng = RNG(seed: seed &+ UInt64(round) &* 0x9E37_79B9)
        return try Tensor.build(shape: [count, d]) { p, c in for i in 0..<c { p[i] = radius * rng.normal() } }
    }

    /// A unit direction from marked offsets (rows) and marks ±1; zero while only one kind of
    /// mark exists (nothing separates them yet).
    ///
    /// `means`: `m₊ − m₋`, the difference of the mean offsets. `logistic`: minimises
    /// `Σᵢ log(1 + exp(−yᵢ(w·xᵢ + b))) + (λ/2)‖w‖²` with λ = 10⁻² by Newton's method (at most 50
    /// steps, stopping when the step is below 10⁻¹⁰), starting from w = 0, b = 0; the ridge
    /// keeps w finite when the marks are separable. The result is normalised to length 1.
    public static func fit(offsets: [[Double]], marks: [Double], dimension d: Int, method: CompassFit,
                           ridge: Double = 1e-2) throws -> Tensor {
        let out = try Tensor(shape: [d])
        let plus = marks.filter { $0 > 0 }.count, minus = marks.count - plus
        guard plus > 0 && minus > 0 else { return out }
        var w = [Double](repeating: 0, count: d)
        switch method {
        case .means:
            for (x, y) in zip(offsets, marks) {
                let f = y > 0 ? 1 / Double(plus) : -1 / Double(minus)
                for j in 0..<d { w[j] += f * x[j] }
            }
        case .logistic:
            // Newton on θ = (w, b): gradient g and Hessian H of the penalised loss.
            let p = d + 1
            var theta = [Double](repeating: 0, count: p)
            for _ in 0..<50 {
                try Interrupt.check()
                var g = [Double](repeating: 0, count: p), h = try Memory.array(repeating: 0.0, p, p, what: "compass: the logistic fit's Hessian in \(d) dimensions")
                for j in 0..<d { g[j] = ridge * theta[j]; h[j * p + j] = ridge }
                for (x, y) in zip(offsets, marks) {
                    var s = theta[d]
                    for j in 0..<d { s += theta[j] * x[j] }
                    let sig = 1 / (1 + exp(y * s))              // σ(−y s)
                    let curv = sig * (1 - sig)
                    for a in 0..<p {
                        let xa = a < d ? x[a] : 1
                        g[a] -= y * sig * xa
                        for b in 0..<p { h[a * p + b] += curv * xa * (b < d ? x[b] : 1) }
                    }
                }
                h[d * p + d] += 1e-9                           // the intercept is unpenalised
                let step = try Tensor.solve(try Tensor(shape: [p, p], data: h), Tensor(g))
                var size = 0.0
                for a in 0..<p { theta[a] -= step.pointer[a]; size = max(size, abs(step.pointer[a])) }
                if size < 1e-10 { break }
            }
            w = Array(theta[0..<d])
        }
        let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for j in 0..<d { out.pointer[j] = w[j] / norm } }
        return out
    }

    /// A simulated person: marks +1 where `offset · truth > threshold`, −1 where below
    /// `−threshold`, 0 between; each mark is flipped with probability `flip`.
    public static func simulatedMarks(offsets: Tensor, truth: [Double], threshold: Double = 0, flip: Double = 0,
                                      rng: inout RNG) -> [Double] {
        let n = offsets.shape[0], d = offsets.shape[1]
        return (0..<n).map { i in
            var s = 0.0
            for j in 0..<d { s += offsets.pointer[i * d + j] * truth[j] }
            var m: Double = s > threshold ? 1 : s < -threshold ? -1 : 0
            if m != 0 && rng.uniform() < flip { m = -m }
            return m
        }
    }
}
