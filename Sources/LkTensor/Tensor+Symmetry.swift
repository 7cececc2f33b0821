import Foundation

/// How far a square matrix is from symmetric, in one pass over memory.
extension Tensor {
    /// For a square matrix A: `largest` = max |Aᵢⱼ| over every entry and `worst` =
    /// max |Aᵢⱼ − Aⱼᵢ| over the pairs. NaN entries are passed over, as `Swift.max`
    /// passes them over. `firstPair(differingBy:)` finds where, for a message.
    ///
    /// The lower triangle is read in 32×32 tiles, each beside its transposed mirror
    /// tile copied into a small buffer, so both are read row by row (a plain scan of
    /// the transpose reads one cache line per element of a large matrix), and the tile
    /// rows are split across cores: a 2000² matrix costs one pass at memory speed.
    public func asymmetry() -> (largest: Double, worst: Double) {
        precondition(rank == 2 && shape[0] == shape[1])
        let n = shape[0], p = pointer, tile = 32
        let blocks = (n + tile - 1) / tile
        // The maxima run in eight independent lanes (a single running maximum is one
        // long dependency chain, several times slower than the memory); each lane keeps
        // Swift.max's rule, the larger or the one already held when either is NaN, so
        // the lanes' maximum is exactly the sequential one.
        typealias Lanes = SIMD8<Double>
        @inline(__always) func magnitude(_ v: Lanes) -> Lanes { v.replacing(with: -v, where: v .<= 0) }
        @inline(__always) func maximum(_ held: Lanes, _ v: Lanes) -> Lanes { held.replacing(with: v, where: v .>= held) }
        func blockRow(_ b: Int, _ mirror: UnsafeMutablePointer<Double>) -> (Double, Double) {
            var largest = 0.0, worst = 0.0
            var largestLanes = Lanes(repeating: 0), worstLanes = Lanes(repeating: 0)
            let i0 = b * tile, i1 = Swift.min(i0 + tile, n)
            for i in i0..<i1 { largest = Swift.max(largest, Swift.abs(p[i * n + i])) }
            var j0 = 0
            while j0 < i1 {
                let j1 = Swift.min(j0 + tile, i1), w = j1 - j0
                // mirror[(i − i0)·tile + (j − j0)] = A[j, i]: rows of A read contiguously.
                for j in j0..<j1 { for i in i0..<i1 { mirror[(i - i0) * tile + (j - j0)] = p[j * n + i] } }
                for i in i0..<i1 {
                    let lower = p + i * n + j0, upper = mirror + (i - i0) * tile
                    let m = Swift.max(j1 <= i ? w : i - j0, 0)   // only j < i (the diagonal tile is a triangle)
                    var k = 0
                    while k + 8 <= m {
                        let lo = UnsafeRawPointer(lower + k).loadUnaligned(as: Lanes.self)
                        let up = UnsafeRawPointer(upper + k).loadUnaligned(as: Lanes.self)
                        largestLanes = maximum(maximum(largestLanes, magnitude(lo)), magnitude(up))
                        worstLanes = maximum(worstLanes, magnitude(lo - up))
                        k += 8
                    }
                    while k < m {
                        largest = Swift.max(Swift.max(largest, Swift.abs(lower[k])), Swift.abs(upper[k]))
                        worst = Swift.max(worst, Swift.abs(lower[k] - upper[k]))
                        k += 1
                    }
                }
                j0 = j1
            }
            for q in 0..<8 { largest = Swift.max(largest, largestLanes[q]); worst = Swift.max(worst, worstLanes[q]) }
            return (largest, worst)
        }
        let pairs = (blocks + 1) / 2
        var parts = [(Double, Double)](repeating: (0, 0), count: pairs)
        parts.withUnsafeMutableBufferPointer { out in
            let out = out
            // Block row b reads b + 1 tiles: pair b with blocks − 1 − b for equal shares.
            Parallel.forEachChunk(count: pairs, costPerItem: n * tile, align: 1) { r in
                let mirror = UnsafeMutablePointer<Double>.allocate(capacity: tile * tile)
                defer { mirror.deallocate() }
                for b in r {
                    var part = blockRow(b, mirror)
                    if blocks - 1 - b != b {
                        let other = blockRow(blocks - 1 - b, mirror)
                        part = (Swift.max(part.0, other.0), Swift.max(part.1, other.1))
                    }
                    out[b] = part
                }
            }
        }
        return parts.reduce((0, 0)) { (Swift.max($0.0, $1.0), Swift.max($0.1, $1.1)) }
    }

    /// The first pair (row > column, in row-major order) with |Aᵢⱼ − Aⱼᵢ| = `worst`,
    /// for an error message (a plain scan: only called when a check fails).
    public func firstPair(differingBy worst: Double) -> (row: Int, column: Int) {
        let n = shape[0], p = pointer
        for i in 0..<n { for j in 0..<i where Swift.abs(p[i * n + j] - p[j * n + i]) == worst { return (i, j) } }
        return (0, 0)
    }

    /// Whether two tensors hold the same numbers bit for bit in the same shape (the
    /// same buffer, or equal contents): what a kernel of X with itself can detect.
    public static func identical(_ a: Tensor, _ b: Tensor) -> Bool {
        guard a.shape == b.shape else { return false }
        return a.pointer == b.pointer || memcmp(a.pointer, b.pointer, a.count * MemoryLayout<Double>.stride) == 0
    }
}
