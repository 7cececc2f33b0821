import CBLAS

// A matrix product big enough that one `dgemm` call would keep Ctrl-C waiting is
// run as panels of the result, with the interrupt flag checked between them.
//
// A BLAS call cannot be stopped from outside, so the only way to bound the latency
// of Ctrl-C is to bound the work of each call. A panel of C is the product of a
// panel of op(A) (rows) or of op(B) (columns) with the whole other operand: the same
// arithmetic within each entry (OpenBLAS blocks the inner axis k the same way
// whatever m and n are), so the result matches the single call to the last bit in
// practice (LkTensorTests checks it). The cost of splitting is the repacking of the shared operand once
// per panel, k·n (or m·k) copies against 2·rows·k·n flops: with panels of at least
// `minimumPanel` rows that is under 0.1% of the arithmetic (Benchmarks/interrupt-latency
// measures the wall-time overhead).

enum Panels {
    /// The work of one BLAS call, in flops, above which a product is split:
    /// about 25 ms at the 60 GFLOP/s of two AVX2 cores.
    nonisolated(unsafe) static var flopsPerPanel: Double = 1.5e9
    /// No panel is thinner than this (thin panels run below BLAS's peak).
    static let minimumPanel = 256

    /// C (m×n, row stride ldc) = op(A) op(B), op(A) m×k and op(B) k×n, row-major,
    /// split into panels when 2·m·n·k exceeds `flopsPerPanel`. Throws `Interrupted`
    /// between panels if Ctrl-C was pressed (C is then partly written).
    static func dgemm(_ opA: CBLAS_TRANSPOSE, _ opB: CBLAS_TRANSPOSE, m: Int, n: Int, k: Int,
                      _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                      _ c: UnsafeMutablePointer<Double>, ldc: Int) throws {
        let flops = 2 * Double(m) * Double(n) * Double(k)
        func call(_ rows: Int, _ cols: Int, _ pa: UnsafePointer<Double>, _ pb: UnsafePointer<Double>, _ pc: UnsafeMutablePointer<Double>) {
            cblas_dgemm(CblasRowMajor, opA, opB, Int32(rows), Int32(cols), Int32(k), 1,
                        pa, Int32(max(lda, 1)), pb, Int32(max(ldb, 1)), 0, pc, Int32(max(ldc, 1)))
        }
        let panels = Int((flops / flopsPerPanel).rounded(.up))
        if panels <= 1 || max(m, n) < 2 * minimumPanel { call(m, n, a, b, c); return }
        if m >= n {
            // Row panels of C: rows r0..<r1 of op(A), which start at row r0 of A, or at column r0 of a transposed A.
            let per = max(minimumPanel, (m + panels - 1) / panels)
            var r0 = 0
            while r0 < m {
                try Interrupt.check()
                let rows = min(per, m - r0)
                call(rows, n, a + (opA == CblasNoTrans ? r0 * lda : r0), b, c + r0 * ldc)
                r0 += rows
            }
        } else {
            // Column panels of C: columns j0..<j1 of op(B), which start at column j0 of B, or at row j0 of a transposed B.
            let per = max(minimumPanel, (n + panels - 1) / panels)
            var j0 = 0
            while j0 < n {
                try Interrupt.check()
                let cols = min(per, n - j0)
                call(m, cols, a, b + (opB == CblasNoTrans ? j0 : j0 * ldb), c + j0)
                j0 += cols
            }
        }
        try Interrupt.check()
    }

    /// The lower triangle of G = X Xᵀ (X n×d, G n×n), as one `dsyrk` or, when that
    /// would be too long a call, by row blocks: each block's diagonal part by `dsyrk`
    /// and the part left of it by `dgemm`, with Ctrl-C checked between blocks.
    static func syrkLower(n: Int, d: Int, _ x: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) throws {
        let flops = Double(n) * Double(n) * Double(d)
        let blocks = Int((flops / flopsPerPanel).rounded(.up))
        if blocks <= 1 || n < 2 * minimumPanel {
            cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, Int32(n), Int32(d), 1, x, Int32(d), 0, g, Int32(n))
            return
        }
        // Block i holds ~(2i+1) units of work; equal-row blocks are fine for latency
        // (the last, largest block is n·rows·d flops, bounded by the choice below).
        let per = max(minimumPanel, Int((flopsPerPanel / (Double(n) * Double(d))).rounded(.down)))
        var r0 = 0
        while r0 < n {
            try Interrupt.check()
            let rows = min(per, n - r0)
            cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, Int32(rows), Int32(d), 1, x + r0 * d, Int32(d), 0,
                        g + r0 * n + r0, Int32(n))
            if r0 > 0 {
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(r0), Int32(d), 1,
                            x + r0 * d, Int32(d), x, Int32(d), 0, g + r0 * n, Int32(n))
            }
            r0 += rows
        }
        try Interrupt.check()
    }
}
