import CBLAS
import Dispatch
import Foundation

// A matrix product big enough that one `dgemm` call would keep Ctrl-C waiting runs
// as tiles, with the interrupt flag checked between the calls.
//
// A BLAS call cannot be stopped from outside, so the only way to bound the latency
// of Ctrl-C is to bound the work of each call. C = op(A) op(B) is cut into tiles of
// at most `tile`×`tile` entries, and each tile's inner axis into slices of `depth`
// (accumulated with β = 1): C[I,J] = Σ_L op(A)[I,L] op(B)[L,J]. The cost of cutting
// is that each call packs its pieces of A and B and rereads C — (r + c)·kk + 2·r·c
// numbers against 2·r·c·kk flops, a few percent at 2048-wide tiles (measured by
// Benchmarks/interrupt-latency --overhead). The slices are sized from the rate the
// previous calls ran at, so each call takes about `targetSeconds` (50 ms) on any machine.
// Summing the inner axis in slices changes the order of the additions, as BLAS's
// own blocking of k does: the result agrees with one call to rounding, not bit for bit.

enum Panels {
    /// The wall time one call should take: half the 100 ms a person notices.
    static let targetSeconds = 0.05
    /// The largest tile edge. Wide tiles with thin inner slices cost least: measured
    /// in C against one call (alternating, 3000³ and 2000³), 2048-wide tiles with
    /// 200-deep slices took 0.99× (one thread) and 1.04× (two threads on a loaded
    /// machine, where every call's closing barrier waits for a descheduled thread);
    /// 512-wide tiles over the whole inner axis took 1.06–1.07×.
    static let tile = 2048
    /// The thinnest inner slice (below it packing costs more than it saves).
    static let minimumDepth = 128
    /// Flops per second the last calls ran at; learnt as products run.
    nonisolated(unsafe) static var rate: Double = 3e10
    /// LK_PANELS=0 turns cutting off (one call per product), for measuring its cost.
    static let enabled: Bool = ProcessInfo.processInfo.environment["LK_PANELS"] != "0"

    /// C (m×n, row stride ldc) = op(A) op(B), op(A) m×k and op(B) k×n, row-major,
    /// as one call when that is quick, else as tiles. Throws `Interrupted` between
    /// calls if Ctrl-C was pressed (C is then partly written).
    static func dgemm(_ opA: CBLAS_TRANSPOSE, _ opB: CBLAS_TRANSPOSE, m: Int, n: Int, k: Int,
                      _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                      _ c: UnsafeMutablePointer<Double>, ldc: Int) throws {
        func call(_ i0: Int, _ j0: Int, _ l0: Int, _ rows: Int, _ cols: Int, _ depth: Int) {
            let pa = opA == CblasNoTrans ? a + i0 * lda + l0 : a + l0 * lda + i0
            let pb = opB == CblasNoTrans ? b + l0 * ldb + j0 : b + j0 * ldb + l0
            cblas_dgemm(CblasRowMajor, opA, opB, Int32(rows), Int32(cols), Int32(depth), 1,
                        pa, Int32(max(lda, 1)), pb, Int32(max(ldb, 1)), l0 == 0 ? 0 : 1, c + i0 * ldc + j0, Int32(max(ldc, 1)))
        }
        let flops = 2 * Double(m) * Double(n) * Double(k)
        if !enabled || flops <= rate * targetSeconds { call(0, 0, 0, m, n, k); return }
        let r = min(m, tile), cw = min(n, tile)
        var depth = sliceDepth(r, cw, k)
        for i0 in stride(from: 0, to: m, by: r) {
            for j0 in stride(from: 0, to: n, by: cw) {
                var l0 = 0
                while l0 < k {
                    try Interrupt.check()
                    let rows = min(r, m - i0), cols = min(cw, n - j0), d = min(depth, k - l0)
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    call(i0, j0, l0, rows, cols, d)
                    learn(flops: 2 * Double(rows) * Double(cols) * Double(d), since: t0)
                    depth = sliceDepth(r, cw, k)
                    l0 += d
                }
            }
        }
        try Interrupt.check()
    }

    /// The inner slice that takes `targetSeconds` for an r×c tile at the learnt rate.
    static func sliceDepth(_ r: Int, _ c: Int, _ k: Int) -> Int {
        let d = rate * targetSeconds / (2 * Double(r) * Double(c))
        return min(k, max(minimumDepth, Int(d.isFinite ? d : Double(k))))
    }

    /// Folds one call's speed into `rate` (calls shorter than 2 ms say little).
    static func learn(flops: Double, since t0: UInt64) {
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        guard dt > 2e-3 else { return }
        rate = 0.6 * rate + 0.4 * (flops / dt)
    }

    /// The lower triangle of G = X Xᵀ (X n×d, G n×n), as one `dsyrk` or, when that
    /// would be a long call, by row blocks: each block's diagonal part by `dsyrk`
    /// and the part left of it by `dgemm` (tiled as above), with Ctrl-C checked
    /// between calls.
    static func syrkLower(n: Int, d: Int, _ x: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) throws {
        let flops = Double(n) * Double(n) * Double(d)
        if !enabled || flops <= rate * targetSeconds {
            cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, Int32(n), Int32(d), 1, x, Int32(d), 0, g, Int32(n))
            return
        }
        // A diagonal block of `rows` rows is rows²·d flops: sized to the target too.
        let rows = min(tile, max(64, Int((rate * targetSeconds / Double(max(d, 1))).squareRoot())))
        var r0 = 0
        while r0 < n {
            try Interrupt.check()
            let h = min(rows, n - r0)
            let t0 = DispatchTime.now().uptimeNanoseconds
            cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, Int32(h), Int32(d), 1, x + r0 * d, Int32(d), 0,
                        g + r0 * n + r0, Int32(n))
            learn(flops: Double(h) * Double(h) * Double(d), since: t0)
            if r0 > 0 {
                try dgemm(CblasNoTrans, CblasTrans, m: h, n: r0, k: d, x + r0 * d, lda: d, x, ldb: d, g + r0 * n, ldc: n)
            }
            r0 += h
        }
        try Interrupt.check()
    }
}
