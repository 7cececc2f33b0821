import Foundation

/// How far a square matrix is from symmetric, in one pass over memory.
extension Tensor {
    /// For a square matrix A: `largest` = max |Aᵢⱼ| over every entry, `worst` = max
    /// |Aᵢⱼ − Aⱼᵢ| over the pairs, at (`row`, `column`) with row > column, the first
    /// such pair in row-major order when several are equally bad (0, 0 when A is
    /// symmetric). NaN entries are passed over, as `Swift.max` passes them over.
    ///
    /// The lower triangle is read in 32×32 tiles beside their transposes, so the
    /// column-wise reads stay in cache (a row-by-row scan of the transpose reads one
    /// cache line per element of a large matrix), the tile rows split across cores:
    /// a 2000² matrix is one pass at memory speed instead of 4·10⁶ cache misses.
    public func asymmetry() -> (largest: Double, worst: Double, row: Int, column: Int) {
        precondition(rank == 2 && shape[0] == shape[1])
        let n = shape[0], p = pointer, tile = 32
        let blocks = (n + tile - 1) / tile
        typealias Partial = (largest: Double, worst: Double, row: Int, column: Int)
        // The later of two equal differences loses: the first in row-major order wins.
        func better(_ a: Partial, _ b: Partial) -> Partial {
            let largest = Swift.max(a.largest, b.largest)
            let w = b.worst > a.worst || (b.worst == a.worst && (b.row, b.column) < (a.row, a.column)) ? b : a
            return (largest, w.worst, w.row, w.column)
        }
        func blockRow(_ b: Int) -> Partial {
            var r: Partial = (0, 0, 0, 0)
            let i0 = b * tile, i1 = Swift.min(i0 + tile, n)
            for i in i0..<i1 { r.largest = Swift.max(r.largest, Swift.abs(p[i * n + i])) }
            var j0 = 0
            while j0 < i1 {
                let j1 = Swift.min(j0 + tile, i1)
                for i in i0..<i1 {
                    for j in j0..<Swift.min(j1, i) {
                        let lower = p[i * n + j], upper = p[j * n + i]
                        r.largest = Swift.max(r.largest, Swift.abs(lower))
                        r.largest = Swift.max(r.largest, Swift.abs(upper))
                        let d = Swift.abs(lower - upper)
                        if d > r.worst || (d == r.worst && d > 0 && (i, j) < (r.row, r.column)) { r.worst = d; r.row = i; r.column = j }
                    }
                }
                j0 = j1
            }
            return r
        }
        let pairs = (blocks + 1) / 2
        var parts = [Partial](repeating: (0, 0, 0, 0), count: pairs)
        parts.withUnsafeMutableBufferPointer { out in
            let out = out
            // Block row b reads b + 1 tiles: pair b with blocks − 1 − b for equal shares.
            Parallel.forEachChunk(count: pairs, costPerItem: n * tile, align: 1) { r in
                for b in r {
                    var part = blockRow(b)
                    if blocks - 1 - b != b { part = better(part, blockRow(blocks - 1 - b)) }
                    out[b] = part
                }
            }
        }
        return parts.reduce((0, 0, 0, 0), better)
    }

    /// Whether two tensors hold the same numbers bit for bit in the same shape (the
    /// same buffer, or equal contents): what a kernel of X with itself can detect.
    public static func identical(_ a: Tensor, _ b: Tensor) -> Bool {
        guard a.shape == b.shape else { return false }
        return a.pointer == b.pointer || memcmp(a.pointer, b.pointer, a.count * MemoryLayout<Double>.stride) == 0
    }
}
