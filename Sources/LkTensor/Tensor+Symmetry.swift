import CVecMath
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
        // The scan of one block row of tiles is C (CVecMath's lk_asymmetry_rows): its
        // eight maximum lanes compile to vector code, which Swift's SIMD types did not.
        func blockRow(_ b: Int) -> (Double, Double) {
            var largest = 0.0, worst = 0.0
            lk_asymmetry_rows(p, n, b * tile, Swift.min(b * tile + tile, n), &largest, &worst)
            return (largest, worst)
        }
        let pairs = (blocks + 1) / 2
        var parts = [(Double, Double)](repeating: (0, 0), count: pairs)
        parts.withUnsafeMutableBufferPointer { out in
            let out = out
            // Block row b reads b + 1 tiles: pair b with blocks − 1 − b for equal shares.
            Parallel.forEachChunk(count: pairs, costPerItem: n * tile, align: 1) { r in
                for b in r {
                    var part = blockRow(b)
                    if blocks - 1 - b != b {
                        let other = blockRow(blocks - 1 - b)
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
