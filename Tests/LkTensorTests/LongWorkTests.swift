@testable import LkTensor
import XCTest

/// Tiled matrix products (Ctrl-C between BLAS calls) and the progress reporter.
final class PanelAndProgressTests: XCTestCase {
    func rows(_ t: Tensor) -> [[Double]] {
        (0..<t.shape[0]).map { i in (0..<t.shape[1]).map { t.pointer[i * t.shape[1] + $0] } }
    }

    func withTiles<T>(_ body: () throws -> T) rethrows -> T {
        let saved = Panels.rate
        Panels.rate = 1e6   // 30 ms at 1 MFLOP/s: every product below is cut into many tiles and slices
        defer { Panels.rate = saved }
        return try body()
    }

    func testTiledProductsMatchTheDefinitionForEveryTranspose() throws {
        var rng = RNG(seed: 5)
        func random(_ r: Int, _ c: Int) throws -> Tensor {
            let t = try Tensor(shape: [r, c]); for i in 0..<t.count { t.pointer[i] = rng.normal() }; return t
        }
        let (m, k, n) = (2100, 300, 2200)   // more than one 2048-wide tile each way, many inner slices
        let a = try random(m, k), b = try random(k, n)
        let at = a.transposed(), bt = b.transposed()
        // The definition, Cᵢⱼ = Σₗ AᵢₗBₗⱼ, on a sample of entries: an independent reference for every tiling.
        func want(_ i: Int, _ j: Int) -> Double { (0..<k).reduce(0.0) { $0 + a.pointer[i * k + $1] * b.pointer[$1 * n + j] } }
        for (x, y, ta, tb) in [(a, b, false, false), (at, b, true, false), (a, bt, false, true), (at, bt, true, true)] {
            let c = try withTiles { try Tensor.matmul(x, y, transA: ta, transB: tb) }
            var worst = 0.0
            for i in stride(from: 0, to: m, by: 37) { for j in stride(from: 0, to: n, by: 29) { worst = max(worst, abs(c.pointer[i * n + j] - want(i, j))) } }
            worst = max(worst, abs(c.pointer[m * n - 1] - want(m - 1, n - 1)))
            XCTAssertLessThan(worst, 1e-11, "transA \(ta) transB \(tb)")
        }
    }

    func testTiledGramMatchesTheDefinitionAndIsSymmetric() throws {
        var rng = RNG(seed: 6)
        let x = try Tensor(shape: [1500, 300])
        for i in 0..<x.count { x.pointer[i] = rng.normal() }
        let g = try withTiles { try Tensor.gram(x) }
        let xr = rows(x)
        for i in stride(from: 0, to: 1500, by: 37) {
            for j in stride(from: 0, to: 1500, by: 41) {
                let want = (0..<300).reduce(0.0) { $0 + xr[i][$1] * xr[j][$1] }
                XCTAssertEqual(g.pointer[i * 1500 + j], want, accuracy: 1e-11)
                XCTAssertEqual(g.pointer[i * 1500 + j], g.pointer[j * 1500 + i])
            }
        }
    }

    func testCtrlCStopsATiledProduct() throws {
        let a = try Tensor(shape: [800, 800])
        Interrupt.request()
        defer { Interrupt.clear() }
        XCTAssertThrowsError(try withTiles { try Tensor.matmul(a, a) }) { XCTAssertTrue($0 is Interrupted, "\($0)") }
        // A product small enough for one call is not cut, and finishes.
        XCTAssertNoThrow(try Tensor.matmul(try Tensor(shape: [4, 4]), try Tensor(shape: [4, 4])))
    }

    final class Recorder: ProgressSink {
        var updates: [ProgressReporter.Update] = []
        var clears = 0
        func show(_ u: ProgressReporter.Update) { updates.append(u) }
        func clear() { clears += 1 }
    }

    func testTheReporterSendsUpdatesAndALastOneOnlyForTheOutermost() {
        let sink = Recorder()
        let saved = (ProgressReporter.sink, ProgressReporter.delay, ProgressReporter.interval)
        ProgressReporter.sink = sink; ProgressReporter.delay = 0; ProgressReporter.interval = 0
        defer { (ProgressReporter.sink, ProgressReporter.delay, ProgressReporter.interval) = saved }
        let outer = ProgressReporter("train", total: 4, figure: "loss")
        for s in 1...4 {
            let inner = ProgressReporter("kmeans", total: 2, unit: "iter")   // nested: silent
            inner.update(1); inner.finish()
            outer.update(s, figure: 1.0 / Double(s))
        }
        outer.finish()
        outer.finish()   // a second finish sends nothing
        XCTAssertEqual(sink.updates.map { $0.label }, Array(repeating: "train", count: 5))
        XCTAssertEqual(sink.updates.map { $0.done }, [1, 2, 3, 4, 4])
        XCTAssertEqual(sink.updates.last?.state, .finished)
        XCTAssertEqual(sink.updates.last?.figure, 0.25)
        XCTAssertEqual(sink.updates.last?.eta, 0)
        // With no sink a reporter costs nothing and sends nothing.
        ProgressReporter.sink = nil
        let silent = ProgressReporter("x", total: 3); silent.update(1); silent.finish()
        XCTAssertEqual(sink.updates.count, 5)
    }

    func testAComputationShorterThanTheDelayShowsNothing() {
        let sink = Recorder()
        let saved = (ProgressReporter.sink, ProgressReporter.delay)
        ProgressReporter.sink = sink; ProgressReporter.delay = 60
        defer { (ProgressReporter.sink, ProgressReporter.delay) = saved }
        let p = ProgressReporter("quick", total: 10)
        for i in 1...10 { p.update(i) }
        p.finish()
        XCTAssertTrue(sink.updates.isEmpty)
    }

    func testTheLineShowsCountsRateTimeAndFigure() {
        var u = ProgressReporter.Update(label: "train", done: 412, total: 1000, unit: "step", elapsed: 10.8, rate: 38.15, eta: 15.41,
                                figureName: "loss", figure: 0.012346, state: .running)
        XCTAssertEqual(u.line(), "train  412/1000 ━━━━━━────────── 41%  38.1 step/s  10.8 s  eta 15.4 s  loss 0.01235")
        u.state = .interrupted; u.total = nil; u.rate = 0.5; u.elapsed = 125
        XCTAssertEqual(u.line(), "train  412 steps  2.00 s/step  2:05  interrupted  loss 0.01235")
        XCTAssertEqual(u.line(width: 20).count, 20)
    }
}
