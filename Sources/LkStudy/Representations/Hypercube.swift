import Foundation
import LkTensor

/// The task family of Alleman, Lindsey & Fusi (ICLR 2024) as lk builds it: C = 2^bits
/// conditions at the corners c ∈ {−1, 1}^bits of a hypercube, targets that are parities
/// t_S(c) = Π_{i∈S} cᵢ of chosen subsets S of the bits, and inputs whose geometry
/// interpolates between the cube itself and the targets:
///
///     x_c = √dim · Q [√(1−α)·c/√bits ; √α·t(c)/√T],
///
/// Q a random dim×(bits+T) matrix with orthonormal columns. Every input has
/// ‖x‖² = dim, and the condition input kernel is (1−α)·dim·K_cube + α·dim·K_targets,
/// so α (`alignment`) moves the input kernel from the factorised cube (α = 0, whose
/// centred alignment with parity targets of order ≥ 2 is 0) to the targets (α = 1).
/// Each condition gives `trials` samples with isotropic Gaussian noise of std `noise`.
public struct Hypercube {
    public var inputs: Tensor        // (C·trials)×dim
    public var targets: Tensor       // (C·trials)×T, ±1
    public var labels: [Int]         // condition of each row
    public var corners: Tensor       // C×bits, ±1; condition c has bit i = 1 when (c >> i) & 1
    public var cornerTargets: Tensor // C×T
    public var means: Tensor         // C×dim, noise-free inputs
    public var alignment: Double     // centred alignment of the condition input kernel with the target kernel

    /// All subsets of at least two bits, highest order first, then lexicographic.
    public static func paritySubsets(bits: Int) -> [[Int]] {
        var out: [[Int]] = []
        for size in stride(from: bits, through: 2, by: -1) {
            func rec(_ start: Int, _ cur: [Int]) {
                if cur.count == size { out.append(cur); return }
                if start >= bits { return }
                for i in start..<bits { rec(i + 1, cur + [i]) }
            }
            rec(0, [])
        }
        return out
    }

    public init(bits: Int, subsets: [[Int]], alignment alpha: Double, dim: Int, noise: Double, trials: Int, rng: inout RNG) throws {
        let c = 1 << bits, t = subsets.count, k = bits + t
        precondition(dim >= k && (0...1).contains(alpha))
        let corners = try Tensor.build(shape: [c, bits]) { p, _ in for i in 0..<c { for b in 0..<bits { p[i * bits + b] = (i >> b) & 1 == 1 ? 1 : -1 } } }
        let ct = try Tensor.build(shape: [c, t]) { p, _ in
            for i in 0..<c { for (s, set) in subsets.enumerated() { p[i * t + s] = set.reduce(1.0) { $0 * corners.pointer[i * bits + $1] } } }
        }
        let g = try Tensor.build(shape: [dim, k]) { p, n in for i in 0..<n { p[i] = rng.normal() } }
        let q = try g.qr().q
        let u = try Tensor.build(shape: [c, k]) { p, _ in
            for i in 0..<c {
                for b in 0..<bits { p[i * k + b] = (1 - alpha).squareRoot() * corners.pointer[i * bits + b] / Double(bits).squareRoot() }
                for s in 0..<t { p[i * k + bits + s] = alpha.squareRoot() * ct.pointer[i * t + s] / Double(t).squareRoot() }
            }
        }
        let means = try Tensor.binary(.mul, try Tensor.matmul(u, q, transB: true), Double(dim).squareRoot())
        let n = try Memory.checkedCount([c, trials], what: "\(c) conditions × \(trials) trials")
        var labels = try Memory.array(repeating: 0, n, what: "the labels of \(c) conditions × \(trials) trials")
        let x = try Tensor.build(shape: [n, dim]) { p, _ in
            for r in 0..<n {
                let cond = r % c
                labels[r] = cond
                for j in 0..<dim { p[r * dim + j] = means.pointer[cond * dim + j] + noise * rng.normal() }
            }
        }
        let y = try Tensor.build(shape: [n, t]) { p, _ in for r in 0..<n { for s in 0..<t { p[r * t + s] = ct.pointer[labels[r] * t + s] } } }
        inputs = x; targets = y; self.labels = labels; self.corners = corners; cornerTargets = ct; self.means = means
        self.alignment = try Similarity.alignment(Tensor.gram(means), Tensor.gram(ct))
    }
}
