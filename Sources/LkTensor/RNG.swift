import Foundation

/// A seeded pseudo-random generator that gives the same numbers on every run and machine.
///
/// The algorithm, exactly:
/// - **State**: xoshiro256** (Blackman & Vigna, 2018), four 64-bit words `s0…s3`.
/// - **Seeding**: the four words are the first four outputs of splitmix64 started at `seed`
///   (`z = (x += 0x9E3779B97F4A7C15); z = (z ^ z>>30)·0xBF58476D1CE4E5B9;
///   z = (z ^ z>>27)·0x94D049BB133111EB; z ^ z>>31`, all mod 2⁶⁴). Never all zero.
/// - **`nextUInt64`**: `rotl(s1·5, 7)·9`, then the xoshiro256 state update
///   (`t = s1<<17; s2^=s0; s3^=s1; s1^=s2; s0^=s3; s2^=t; s3 = rotl(s3, 45)`).
/// - **`uniform`**: `(x >> 11) · 2⁻⁵³`, a multiple of 2⁻⁵³ in [0, 1).
/// - **`normal`**: Marsaglia's polar method. Draw `u = 2U₁ − 1`, `v = 2U₂ − 1` until
///   `0 < s = u² + v² < 1`; with `f = sqrt(−2 ln s / s)` the pair is `(u·f, v·f)`. The first is
///   returned and the second kept for the next call. Only IEEE-exact arithmetic plus `log` and
///   `sqrt` is used (`sqrt` is exact; glibc's and Apple's `log` are correctly rounded in practice).
/// - **`int(below: n)`**: Lemire's multiply-and-reject: the high word of the 128-bit product
///   `x · n`, redrawing `x` while the low word is below `2⁶⁴ mod n`, so every value in
///   `0..<n` is exactly equally likely.
///
/// Seed 0 gives `nextUInt64()` = 0x99ec5f36cb75f2b4, 0xbf6e1f784956452a, … (see RNGTests).
public struct RNG: Sendable {
    private var s0, s1, s2, s3: UInt64
    private var spareNormal: Double?

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
        spareNormal = nil
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits (xoshiro256**).
    public mutating func nextUInt64() -> UInt64 {
        let result = RNG.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = RNG.rotl(s3, 45)
        return result
    }

    /// A uniform double in [0, 1): `(nextUInt64() >> 11) · 2⁻⁵³`.
    public mutating func uniform() -> Double {
        Double(nextUInt64() >> 11) * 0x1.0p-53
    }

    /// A standard normal N(0, 1) sample (Marsaglia polar method; see the type's documentation).
    public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s >= 1 || s == 0 { continue }
            let f = (-2 * Foundation.log(s) / s).squareRoot()
            spareNormal = v * f
            return u * f
        }
    }

    /// A uniform integer in `0..<n` (Lemire's unbiased multiply-and-reject). `n` must be positive.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "RNG.int(below:) needs a positive bound, got \(n)")
        return Int(uint64(below: UInt64(n)))
    }

    /// A uniform `UInt64` in `0..<bound`, `bound > 0`.
    mutating func uint64(below bound: UInt64) -> UInt64 {
        var m = nextUInt64().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = nextUInt64().multipliedFullWidth(by: bound) }
        }
        return m.high
    }
}

/// The process-wide generator behind lk's `seed`, `rand`, `randn`, … It starts seeded
/// with 0, so a script that never calls `seed()` is still reproducible. Every access
/// holds a lock, so it is safe from several threads (the order of draws between threads
/// is then up to the scheduler). Tensors are filled in row-major order.
public enum Random {
    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var rng = RNG(seed: 0)
    }
    private static let shared = Shared()

    /// Restarts the process-wide generator from `s`, exactly as `RNG(seed: s)`.
    public static func seed(_ s: UInt64) {
        withGenerator { $0 = RNG(seed: s) }
    }

    /// Runs `body` with exclusive access to the process-wide generator. `body` must not
    /// call back into `Random` (the lock is not recursive).
    public static func withGenerator<R>(_ body: (inout RNG) throws -> R) rethrows -> R {
        shared.lock.lock()
        defer { shared.lock.unlock() }
        return try body(&shared.rng)
    }

    /// A tensor of the given shape with independent U[0, 1) entries (`RNG.uniform`).
    public static func rand(_ shape: [Int]) throws -> Tensor {
        let t = try Tensor(uninitializedShape: shape)
        withGenerator { g in for i in 0..<t.count { t.pointer[i] = g.uniform() } }
        return t
    }

    /// A tensor of the given shape with independent N(0, 1) entries (`RNG.normal`).
    public static func randn(_ shape: [Int]) throws -> Tensor {
        let t = try Tensor(uninitializedShape: shape)
        withGenerator { g in for i in 0..<t.count { t.pointer[i] = g.normal() } }
        return t
    }

    /// A tensor of integers drawn uniformly from `low..<high` (NumPy's `randint`, high
    /// exclusive), each as `low + int(below: high − low)`.
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int]) throws -> Tensor {
        guard high > low else { throw TensorError("randint: high (\(high)) must be greater than low (\(low))") }
        let span = UInt64(bitPattern: Int64(high) &- Int64(low))   // exact even when high − low overflows Int
        let t = try Tensor(uninitializedShape: shape)
        withGenerator { g in
            for i in 0..<t.count { t.pointer[i] = Double(low &+ Int(truncatingIfNeeded: g.uint64(below: span))) }
        }
        return t
    }

    /// A uniformly random permutation of `0..<n` (Fisher–Yates from the last position down:
    /// for `i = n−1 … 1`, swap `i` with `int(below: i + 1)`). `n ≤ 0` gives `[]`.
    public static func permutation(_ n: Int) -> [Int] {
        guard n > 0 else { return [] }
        var p = Array(0..<n)
        withGenerator { g in
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, g.int(below: i + 1)) }
        }
        return p
    }
}
