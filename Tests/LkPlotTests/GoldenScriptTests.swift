@testable import LkPlot
import LkTensor
import XCTest

/// The script of each plot kind, checked without running gnuplot. A change
/// here changes every figure: look at a rendered one before updating a golden.
final class GoldenScriptTests: XCTestCase {
    func script(_ f: Figure) -> GnuplotScript { GnuplotScript(f) { "/d/\($0).bin" } }

    func testLinesOnePerColumnWithLegendLogAxisAndDash() throws {
        let y = try Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6])
        var p = Plots.lines(x: Tensor([0, 0.5, 1]), y: y)
        p.series[0].title = "train"; p.series[1].title = "test"; p.title = "loss"; p.logy = true
        p.xrange = AxisRange(0, nil); p.xlabel = "step"; p.series[1].dash = .dashed
        let s = script(Figure(p))
        XCTAssertEqual(s.text, Golden.lines + "\n")
        XCTAssertEqual(s.blocks, [.records([[0, 0.5, 1], [1, 3, 5]]), .records([[0, 0.5, 1], [2, 4, 6]])])
    }

    func testLinesWithoutXCountFromZero() {
        let p = Plots.lines(x: nil, y: Tensor([5, 6, 7]))
        XCTAssertEqual(p.series.map(\.data), [.records([[0, 1, 2], [5, 6, 7]])])
    }

    func testScatterColouredByValue() {
        XCTAssertEqual(script(Figure(Plots.scatter(x: [1, 2, 3], y: [3, 2, 1], values: [0, 0.5, 1]))).text, Golden.scatter + "\n")
    }

    func testScatterByLabelIsOneSeriesPerLabelInOrderOfFirstAppearance() {
        let s = script(Figure(Plots.scatter(x: [1, 2, 3], y: [3, 2, 1], labels: ["a", "b", "a"])))
        XCTAssertEqual(s.text, Golden.labels + "\n")
        XCTAssertEqual(s.blocks, [.records([[1, 3], [3, 1]]), .records([[2], [2]])])
    }

    func testHeatmapRowZeroOnTopAndDivergingRangeCentredOnZero() throws {
        let s = script(Figure(Plots.heatmap(try Tensor(shape: [2, 3], data: [1, -2, 3, 4, 5, 6]), palette: .rdbu)))
        XCTAssertEqual(s.text, Golden.heatmap + "\n")
        XCTAssertEqual(s.blocks, [.array(values: [1, -2, 3, 4, 5, 6], rows: 2, cols: 3)])
    }

    func testImage() throws {
        XCTAssertEqual(script(Figure(Plots.picture(try Tensor(shape: [2, 2], data: [0, 1, 1, 0]), title: "x"))).text, Golden.image + "\n")
    }

    func testHistogramCountsFollowNumPyAndTheLastBinIsClosed() {
        let data: [Double] = [0, 1, 1, 2, 3]
        let s = script(Figure(Plots.histogram([data], edges: Plots.edges([data], count: 3), density: false)))
        XCTAssertEqual(s.text, Golden.hist + "\n")
        XCTAssertEqual(s.blocks, [.records([[0.5, 1.5, 2.5], [1, 2, 2], [1, 1, 1]])])
        XCTAssertEqual(Plots.counts([-1, 0, 0.999, 1, 5, .nan, 6], edges: [0, 1, 5]), [2, 2])
        let d = Plots.histogram([[0, 0, 1, 3]], edges: [0, 2, 4], density: true)
        guard case .records(let c) = d.series[0].data else { return XCTFail() }
        XCTAssertEqual(zip(c[1], c[2]).map { $0 * $1 }.reduce(0, +), 1, accuracy: 1e-15)
    }

    func testSurfaceIsAGridOfRecords() throws {
        let s = script(Figure(Plots.surface(try Tensor(shape: [2, 2], data: [0, 1, 1, 0]))))
        XCTAssertEqual(s.text, Golden.surface + "\n")
        XCTAssertEqual(s.blocks, [.grid(columns: [[0, 1, 0, 1], [0, 0, 1, 1], [0, 1, 1, 0]], rows: 2, cols: 2)])
    }

    func testGridOfPanelsIsAMultiplot() throws {
        let im = Plots.picture(try Tensor(shape: [2, 2], data: [0, 1, 1, 0]), title: "x")
        let s = script(Figure(panels: [im, im], rows: 1, cols: 2, title: "pictures"))
        XCTAssertEqual(s.text, Golden.grid + "\n")
    }

    func testTerminalsByExtensionAndSetup() throws {
        let f = Figure(Panel(), width: 300, height: 200)
        XCTAssertEqual(try Terminal.file("a/b.PNG"), .png(path: "a/b.PNG"))
        XCTAssertEqual(try Terminal.file("b.svg"), .svg(path: "b.svg"))
        XCTAssertEqual(try Terminal.file("b.pdf"), .pdf(path: "b.pdf"))
        XCTAssertThrowsError(try Terminal.file("b.jpg"))
        XCTAssertEqual(Terminal.png(path: "it's.png").setup(f, output: nil),
                       "unset multiplot\nset terminal pngcairo noenhanced size 300,200 font 'sans,10'\nset output 'it'.\"\\047\".'s.png'\nset encoding utf8\n")
        XCTAssertEqual(Terminal.text(width: 60, height: 20).setup(Figure(Panel()), output: "/t/o"),
                       "unset multiplot\nset terminal dumb noenhanced size 60,20\nset output '/t/o'\nset encoding utf8\n")
        XCTAssertEqual(Terminal.window(kind: "qt", id: 3).setup(f, output: nil),
                       "unset multiplot\nset terminal qt 3 noenhanced persist\nunset output\nset encoding utf8\n")
    }

    func testLongSortedLinesKeepEachColumnsFirstMinMaxLast() {
        let n = 100_000
        let x = (0..<n).map(Double.init)
        var y = x.map { sin($0 / 1000) }
        y[31_337] = 50   // a spike must survive
        y[77_777] = -50
        let keep = Decimation.m4(x: x, y: y, buckets: 100, logx: false)!
        XCTAssertLessThanOrEqual(keep.count, 400)
        XCTAssertTrue(keep.contains(31_337) && keep.contains(77_777) && keep.first == 0 && keep.last == n - 1)
        XCTAssertEqual(keep, keep.sorted())
        XCTAssertNil(Decimation.m4(x: x.reversed(), y: y, buckets: 100, logx: false), "unsorted x is drawn as given")
        XCTAssertNil(Decimation.m4(x: Array(x.prefix(500)), y: Array(y.prefix(500)), buckets: 100, logx: false), "short lines are drawn as given")
    }
}


/// The figures a paper needs: each new kind's script, where legends go, log
/// tics and ranges that fit the data.
final class PaperFigureScriptTests: XCTestCase {
    func script(_ f: Figure) -> GnuplotScript { GnuplotScript(f) { "/d/\($0).bin" } }
    func lines(_ p: Panel) -> [String] { script(Figure(p)).text.split(separator: "\n").map(String.init) }
    func key(_ p: Panel) -> String? { lines(p).first { $0.hasPrefix("set key") || $0 == "unset key" } }

    func testErrorbarsBandBarsAndAnnotations() throws {
        var e = Plots.errorbars(x: [0, 1], y: [[1, 2]], lo: [[0.5, 1.5]], hi: [[1.5, 2.5]])
        e.series[0].title = "runs"
        XCTAssertEqual(script(Figure(e)).text, PaperGolden.errorbar + "\n")

        let s = Plots.summary([[1, 3], [2, 2], [0, 4]], spread: .std)
        XCTAssertEqual(s.mean, [2, 2, 2])
        XCTAssertEqual(s.lo, [1, 2, 0])   // NumPy: np.std([1, 3]) = 1, np.std([0, 4]) = 2
        XCTAssertEqual(s.hi, [3, 2, 4])
        let sem = Plots.summary([[1, 3, 5]], spread: .sem)   // std ddof 1 = 2, /√3
        XCTAssertEqual(sem.hi[0] - sem.mean[0], 2 / 3.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(Plots.summary([[1, 3, 5]], spread: .ci95).hi[0], 3 + 1.96 * 2 / 3.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(Plots.summary([[4, .nan, 1]], spread: .minmax).lo, [1])
        var b = Panel(series: Plots.band(x: [0, 1, 2], y: s.mean, lo: s.lo, hi: s.hi))
        b.series[1].title = "mean ± std"
        XCTAssertEqual(script(Figure(b)).text, PaperGolden.band + "\n")

        var bars = Plots.bars(positions: [0, 1], heights: [[1, 2], [3, 4]], err: [[0.1, 0.2], [0.3, 0.4]])
        bars.xticLabels = [Tick(0, "sp"), Tick(1, "µP")]
        XCTAssertEqual(script(Figure(bars)).text, PaperGolden.bar + "\n")

        var p = Plots.lines(x: nil, y: Tensor([0, 1]))
        var look = LineLook()
        look.label = "chance"
        var t = TextLook()
        t.align = .center; t.scale = 1.5
        p.annotations = [.hline(2, look), .vline(0.5, LineLook()), .text(x: 0.5, y: 1, "peak", t)]
        XCTAssertEqual(script(Figure(p)).text, PaperGolden.annotations + "\n")
    }

    func testLegendGoesWhereThereIsNoData() {
        // A falling line leaves the top right empty.
        var fall = Plots.lines(x: nil, y: Tensor((0..<50).map { exp(-Double($0) / 5) }))
        fall.series[0].title = "loss"
        XCTAssertEqual(key(fall), "set key inside top right Left reverse samplen 2 spacing 1.1 nobox")
        // A rising line: top left.
        var rise = Plots.lines(x: nil, y: Tensor((0..<50).map { Double($0) }))
        rise.series[0].title = "accuracy"
        XCTAssertEqual(key(rise), "set key inside top left Left reverse samplen 2 spacing 1.1 nobox")
        // A line along the top and one along the left half of the bottom: bottom right.
        var hump = Panel(series: [Series(.lines, .records([[0, 49], [1, 1]]), title: "x"),
                                  Series(.lines, .records([[0, 24], [0, 0]]), title: "y")])
        XCTAssertEqual(key(hump), "set key inside bottom right Left reverse samplen 2 spacing 1.1 nobox")
        // Points over the whole panel: no corner is free; the y range grows at the
        // top until the top right is, and the data stays under the legend's band.
        let lx: [Double] = (0..<900).map { (i: Int) -> Double in Double(i % 30) / 29 }
        let ly: [Double] = (0..<900).map { (i: Int) -> Double in Double(i / 30) / 29 }
        var noise = Panel(series: [Series(.points, .records([lx, ly]), title: "samples")])
        let l = lines(noise)
        XCTAssertEqual(key(noise), "set key inside top right Left reverse samplen 2 spacing 1.1 nobox")
        let top = Double(l.first { $0.hasPrefix("set yrange") }!.split(separator: ":").last!.dropLast())!
        let size = Axes.legendSize(entries: 1, chars: 7, canvas: .standard, hasTitle: false, hasXLabel: false, hasYLabel: false)
        // The data's top (1.05 of a 1.1 span above -0.05) must sit below the legend's band.
        XCTAssertLessThan((1.05 + 0.05) / (top + 0.05), 1 - size.1, "top \(top)")
        XCTAssertLessThan(top, 1.05 + 0.6 * 1.1 + 0.05, "it grows by at most 60%")
        // With the top fixed the bottom grows instead; with both fixed there is no
        // room to make, and the legend goes outside.
        noise.yrange = AxisRange(nil, 1.05)
        XCTAssertEqual(key(noise), "set key inside bottom right Left reverse samplen 2 spacing 1.1 nobox")
        noise.yrange = AxisRange(-0.05, 1.05)
        XCTAssertEqual(key(noise), "set key outside right top vertical Left reverse samplen 2 spacing 1.1 nobox")
        // A legend wider than half the plot goes below it.
        noise.series[0].title = String(repeating: "w", count: 40)
        XCTAssertEqual(key(noise), "set key below horizontal Left reverse samplen 2 spacing 1.1 nobox")
        noise.series[0].title = "samples"
        noise.legendPosition = .bottomLeft
        XCTAssertEqual(key(noise), "set key inside bottom left Left reverse samplen 2 spacing 1.1 nobox", "legend_pos= wins")
        noise.legend = false
        XCTAssertEqual(key(noise), "unset key")
        // A series without a title has no entry; with none titled there is no key.
        XCTAssertEqual(key(Plots.lines(x: nil, y: Tensor([1, 2]))), "unset key")
    }

    func testLogAxesAreLabelledTenToTheKAndFitTheData() {
        // ntk-convergence: widths 64…2048 and errors 0.07…0.35 used to be drawn over 10…10⁴ and 0.01…1.
        var p = Plots.lines(x: Tensor([64, 128, 256, 512, 1024, 2048]), y: Tensor([0.35, 0.24, 0.16, 0.155, 0.09, 0.07]))
        p.logx = true; p.logy = true
        let l = lines(p)
        let xr = l.first { $0.hasPrefix("set xrange") }!, yr = l.first { $0.hasPrefix("set yrange") }!
        XCTAssertEqual(xr, "set xrange [64:2048]", "a curve fills the width exactly")
        // 5% of the log span on each end: 10^(log10(0.07) − 0.05·log10(5)).
        let pad = 0.05 * log10(0.35 / 0.07)
        XCTAssertEqual(yr, "set yrange [\(pow(10, log10(0.07) - pad)):\(pow(10, log10(0.35) + pad))]")
        let xt = l.first { $0.hasPrefix("set xtics") }!
        XCTAssertTrue(xt.contains("'10²' 100,") && xt.contains("'10³' 1000,") && !xt.contains("'10¹'") && !xt.contains("10⁴"), xt)
        let yt = l.first { $0.hasPrefix("set ytics") }!
        XCTAssertTrue(yt.contains("'10⁻¹' 0.1,") && yt.contains("'2×10⁻¹' 0.2,") && yt.contains("'3×10⁻¹' 0.3"), yt)

        // Many decades: one label per decade while at most 7 fit, else every k-th.
        XCTAssertEqual(Axes.logTics(lo: 1e-5, hi: 1).filter { !$0.minor }.map(\.label), ["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"])
        XCTAssertEqual(Axes.logTics(lo: 1e-12, hi: 1e3).filter { !$0.minor }.map(\.label),
                       ["10⁻¹²", "10⁻⁹", "10⁻⁶", "10⁻³", "10⁰", "10³"])
        XCTAssertEqual(Axes.logTics(lo: 1e-5, hi: 1).filter(\.minor).count, 5 * 8, "minor tics at 2…9 of each decade")
        // A linear axis: 5% margins, gnuplot's tics.
        let lin = lines(Plots.scatter(x: [0, 10], y: [-1, 1]))
        XCTAssertTrue(lin.contains("set xrange [-0.4:10.4]") && lin.contains("set yrange [-1.1:1.1]") && !lin.contains { $0.hasPrefix("set xtics") }, "\(lin)")
        // A fixed end stays as given; the other still fits the data.
        var fixed = Plots.lines(x: nil, y: Tensor([2, 3]))
        fixed.yrange = AxisRange(0, nil)
        XCTAssertTrue(lines(fixed).contains("set yrange [0:3.15]"), "5% of the drawn span [0, 3]")
    }

    func testTextPlotsOfMatricesUseShades() throws {
        let eye = try Tensor(shape: [2, 2], data: [1, 0, 0, 1])
        // Each cell 2k characters wide and k lines tall, enlarged up to 12 lines in all.
        let a = String(repeating: "█", count: 12), b = String(repeating: " ", count: 12)
        XCTAssertEqual(TextPictures.render(Plots.heatmap(eye), width: 40, height: 20, colour: false),
                       Array(repeating: a + b, count: 6) + Array(repeating: b + a, count: 6) + ["0 ·░▒▓█ 1"])
        // Big matrices are averaged in blocks to fit: 100×100 halves to 50 rows at most… here to 10.
        let big = try Tensor(shape: [100, 100], data: (0..<10_000).map { Double($0 / 100) })
        let lines = TextPictures.render(Plots.picture(big), width: 40, height: 10, colour: false)
        XCTAssertEqual(lines.count, 10)
        XCTAssertEqual(lines.first, String(repeating: " ", count: 20 * 2 / 2))
        XCTAssertEqual(lines.last, String(repeating: "█", count: 20))
        let colour = TextPictures.render(Plots.heatmap(eye), width: 40, height: 20, colour: true)
        XCTAssertTrue(colour[0].hasPrefix("\u{1B}[48;2;253;231;37m"), "viridis yellow for the largest value: \(colour[0].debugDescription)")
    }
}

final class BandThinningTests: XCTestCase {
    func testALongBandKeepsItsEnvelope() throws {
        let n = 200_000
        let x = (0..<n).map(Double.init)
        var lo = x.map { sin($0 / 5000) - 0.1 }, hi = x.map { sin($0 / 5000) + 0.1 }
        lo[123_456] = -5; hi[54_321] = 5   // one-point excursions must stay in the shading
        let thin = try XCTUnwrap(Decimation.envelope(x: x, lo: lo, hi: hi, buckets: 100, logx: false))
        XCTAssertLessThanOrEqual(thin[0].count, 200)
        XCTAssertEqual(thin[0].first, 0); XCTAssertEqual(thin[0].last, Double(n - 1))
        XCTAssertEqual(thin[1].min(), -5); XCTAssertEqual(thin[2].max(), 5)
        // Every original point lies inside the thinned band at its x (the buckets' ends bracket it).
        for i in stride(from: 0, to: n, by: 997) {
            let k = thin[0].lastIndex { $0 <= x[i] }!
            XCTAssertLessThanOrEqual(thin[1][k], lo[i]); XCTAssertGreaterThanOrEqual(thin[2][k], hi[i])
        }
        XCTAssertNil(Decimation.envelope(x: Array(x.prefix(500)), lo: Array(lo.prefix(500)), hi: Array(hi.prefix(500)), buckets: 100, logx: false))
    }
}

/// Expected scripts; data files are named /d/0.bin, /d/1.bin, … .
enum Golden {
    static let lines = """
reset
set title 'loss'
set xlabel 'step'
set logscale y
set xrange [0:1]
set yrange [0.914307826761828:6.562341286358654]
set border 3 back lc rgb '#404040'
set tics nomirror out scale 0.6
set ytics ('10⁰' 1, '2×10⁰' 2, '3×10⁰' 3, '' 4 1, '5×10⁰' 5, '' 6 1)
set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid
set key inside top left Left reverse samplen 2 spacing 1.1 nobox
unset colorbox
plot '/d/0.bin' binary record=(3) format='%float64%float64' using 1:2 with lines lw 2 lc rgb '#0072b2' title 'train', \\
     '/d/1.bin' binary record=(3) format='%float64%float64' using 1:2 with lines lw 2 dt 2 lc rgb '#e69f00' title 'test'
"""

    static let scatter = """
reset
set xrange [0.92:3.08]
set yrange [0.9:3.1]
set border 3 back lc rgb '#404040'
set tics nomirror out scale 0.6
set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid
unset key
set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')
set colorbox
plot '/d/0.bin' binary record=(3) format='%float64%float64%float64' using 1:2:3 with points pt 7 lc palette notitle
"""

    static let labels = """
reset
set xrange [0.92:3.08]
set yrange [0.9:3.1]
set border 3 back lc rgb '#404040'
set tics nomirror out scale 0.6
set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid
set key inside top right Left reverse samplen 2 spacing 1.1 nobox
unset colorbox
plot '/d/0.bin' binary record=(2) format='%float64%float64' using 1:2 with points pt 7 lc rgb '#0072b2' title 'a', \\
     '/d/1.bin' binary record=(1) format='%float64%float64' using 1:2 with points pt 7 lc rgb '#e69f00' title 'b'
"""

    static let heatmap = """
reset
set cbrange [-6:6]
set xrange [-0.5:2.5]
set yrange [1.5:-0.5]
set size ratio -1
set tics nomirror out scale 0.6
unset key
set palette defined (0 '#2166ac', 1 '#67a9cf', 2 '#f7f7f7', 3 '#ef8a62', 4 '#b2182b')
set colorbox
plot '/d/0.bin' binary array=(3,2) format='%float64' with image notitle
"""

    static let image = """
reset
set title 'x'
set xrange [-0.5:1.5]
set yrange [1.5:-0.5]
set size ratio -1
unset border
unset tics
unset key
set palette grey
unset colorbox
plot '/d/0.bin' binary array=(2,2) format='%float64' with image notitle
"""

    static let hist = """
reset
set xrange [-0.12:3.12]
set yrange [0:2.1]
set border 3 back lc rgb '#404040'
set tics nomirror out scale 0.6
set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid
unset key
unset colorbox
plot '/d/0.bin' binary record=(3) format='%float64%float64%float64' using 1:2:3 with boxes fill transparent solid 0.6 border lc rgb '#303030' fc rgb '#0072b2' notitle
"""

    static let surface = """
reset
unset key
set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')
set colorbox
set view 60,30
set pm3d depthorder border lc rgb '#404040' lw 0.5
set xyplane relative 0
splot '/d/0.bin' binary record=(2,2) format='%float64%float64%float64' using 1:2:3 with pm3d notitle
"""

    static let grid = """
set multiplot layout 1,2 title 'pictures'
reset
set title 'x'
set xrange [-0.5:1.5]
set yrange [1.5:-0.5]
set size ratio -1
unset border
unset tics
unset key
set palette grey
unset colorbox
plot '/d/0.bin' binary array=(2,2) format='%float64' with image notitle
reset
set title 'x'
set xrange [-0.5:1.5]
set yrange [1.5:-0.5]
set size ratio -1
unset border
unset tics
unset key
set palette grey
unset colorbox
plot '/d/1.bin' binary array=(2,2) format='%float64' with image notitle
unset multiplot
"""
}

enum PaperGolden {
    static let errorbar = """
reset
set xrange [-0.04:1.04]
set yrange [0.4:2.6]
set border 3 back lc rgb '#404040'
set tics nomirror out scale 0.6
set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid
set key inside top left Left reverse samplen 2 spacing 1.1 nobox
unset colorbox
plot '/d/0.bin' binary record=(2) format='%float64%float64%float64%float64' using 1:2:3:4 with yerrorlines pt 7 lw 2 lc rgb '#0072b2' title 'runs'
"""

    static let band = """
reset
set xrange [0:2]
set yrange [-0.2:4.2]
set border 3 back lc rgb '#404040'
set tics nomirror out scale 0.6
set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid
set key inside top left Left reverse samplen 2 spacing 1.1 nobox
unset colorbox
plot '/d/0.bin' binary record=(3) format='%float64%float64%float64' using 1:2:3 with filledcurves fs transparent solid 0.25 noborder fc rgb '#0072b2' notitle, \\
     '/d/1.bin' binary record=(3) format='%float64%float64' using 1:2 with lines lw 2 lc rgb '#0072b2' title 'mean ± std'
"""

    static let bar = """
reset
set xrange [-0.47200000000000003:1.4720000000000002]
set yrange [0:4.62]
set border 3 back lc rgb '#404040'
set tics nomirror out scale 0.6
set xtics ('sp' 0, 'µP' 1)
set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid
unset key
unset colorbox
plot '/d/0.bin' binary record=(2) format='%float64%float64%float64' using 1:2:3 with boxes fill transparent solid 0.85 border lc rgb '#303030' fc rgb '#0072b2' notitle, \\
     '/d/1.bin' binary record=(2) format='%float64%float64%float64' using 1:2:3 with boxes fill transparent solid 0.85 border lc rgb '#303030' fc rgb '#e69f00' notitle, \\
     '/d/2.bin' binary record=(2) format='%float64%float64%float64%float64' using 1:3:(0):($4-$3) with vectors heads size screen 0.012,90 lw 1.5 lc rgb '#202020' notitle, \\
     '/d/3.bin' binary record=(2) format='%float64%float64%float64%float64' using 1:3:(0):($4-$3) with vectors heads size screen 0.012,90 lw 1.5 lc rgb '#202020' notitle
"""

    static let annotations = """
reset
set xrange [0:1]
set yrange [-0.1:2.1]
set border 3 back lc rgb '#404040'
set tics nomirror out scale 0.6
set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid
unset key
set arrow from graph 0, first 2 to graph 1, first 2 nohead front lc rgb '#555555' lw 1.2 dt 2
set label 'chance' at graph 0.99, first 2 right offset 0,0.6 front tc rgb '#555555'
set arrow from first 0.5, graph 0 to first 0.5, graph 1 nohead front lc rgb '#555555' lw 1.2 dt 2
set label 'peak' at first 0.5, first 1 center front font ',21'
unset colorbox
plot '/d/0.bin' binary record=(2) format='%float64%float64' using 1:2 with lines lw 2 lc rgb '#0072b2' notitle
"""
}
