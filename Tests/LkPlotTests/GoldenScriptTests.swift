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

/// Expected scripts; data files are named /d/0.bin, /d/1.bin, … .
enum Golden {
    static let lines = """
reset
set title 'loss'
set xlabel 'step'
set logscale y
set xrange [0:*]
unset colorbox
plot '/d/0.bin' binary record=(3) format='%float64%float64' using 1:2 with lines lw 1.5 title 'train', \\
     '/d/1.bin' binary record=(3) format='%float64%float64' using 1:2 with lines lw 1.5 dt 2 title 'test'
"""

    static let scatter = """
reset
unset key
set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')
set colorbox
plot '/d/0.bin' binary record=(3) format='%float64%float64%float64' using 1:2:3 with points pt 7 lc palette notitle
"""

    static let labels = """
reset
unset colorbox
plot '/d/0.bin' binary record=(2) format='%float64%float64' using 1:2 with points pt 7 title 'a', \\
     '/d/1.bin' binary record=(1) format='%float64%float64' using 1:2 with points pt 7 title 'b'
"""

    static let heatmap = """
reset
set cbrange [-6:6]
set xrange [-0.5:2.5]
set yrange [1.5:-0.5]
set size ratio -1
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
unset key
unset colorbox
plot '/d/0.bin' binary record=(3) format='%float64%float64%float64' using 1:2:3 with boxes fill transparent solid 0.6 border lc rgb '#303030' notitle
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
