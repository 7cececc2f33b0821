import Foundation
import LkBuiltins
import LkLang
@testable import LkPlot
import XCTest
import LkTestSupport

/// The paper-figure plot kinds, layers, live figures and text pictures as a
/// user calls them, rendered by the real gnuplot and read back.
final class PaperFigureTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard (try? GnuplotSession.locate()) != nil else { throw XCTSkip("gnuplot is not installed") }
        dir = try makeTemporaryDirectory("paper")
        setenv("LK_TERM", "dumb", 1)
        FigureOutput.reset()
    }

    override func tearDown() {
        unsetenv("LK_TERM")
        FigureOutput.stopRouting()
        PlotSink.nextIndex = 1
        FigureOutput.reset()
    }

    @discardableResult
    func run(_ code: String, _ interp: Interpreter = BuiltinTable.makeInterpreter()) -> String { runLk(code, in: interp).text }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The default picture: 640×420, something drawn on most of it, the first
    /// colour of the cycle (Okabe–Ito blue) present.
    func checkPNG(_ name: String, minInk: Double = 0.01, file: StaticString = #filePath, line: UInt = #line) throws -> PNGPixels {
        let png = try PNGPixels(path: path(name))
        XCTAssertEqual(png.width, 640, name, file: file, line: line)
        XCTAssertEqual(png.height, 420, name, file: file, line: line)
        XCTAssertGreaterThan(png.inked, minInk, "\(name) is nearly blank", file: file, line: line)
        XCTAssertLessThan(png.inked, 0.6, "\(name) is mostly ink", file: file, line: line)
        return png
    }

    func testEachNewKindRendersToAPNGWithInkInTheRightColours() throws {
        let code = """
        seed(3)
        x = linspace(0, 10, 60)
        Y = zeros(60, 6)
        for s in 0..6 { Y[:, s] = exp(-x / 3) + 0.05 * randn(60) }
        band(x, Y, legend="mean ± std over 6 seeds", out="\(path("band.png"))")
        errorbar(arange(5), [1, 2, 1.5, 3, 2.5], [0.2, 0.3, 0.1, 0.4, 0.2], legend="runs", out="\(path("err.png"))")
        bar(["sp", "ntk", "mup"], [0.5, 0.7, 0.9], err=[0.05, 0.03, 0.02], out="\(path("bar.png"))")
        plot(x, exp(-x), logy=true, out="\(path("ref.png"))")
        hline(0.01, color="#d55e00", label="target")
        vline(5, color="#009e73")
        text(1, 0.5, "start")
        """
        XCTAssertEqual(run(code), "")
        let band = try checkPNG("band.png")
        XCTAssertGreaterThan(band.count("#0072b2", tolerance: 30), 300, "the mean line")
        // The band: Okabe–Ito blue at opacity 0.25 over white = (191, 220, 236).
        XCTAssertGreaterThan(band.count("#bfdcec", tolerance: 14), 2000, "the shaded band")
        let err = try checkPNG("err.png")
        XCTAssertGreaterThan(err.count("#0072b2", tolerance: 30), 300)
        let bar = try checkPNG("bar.png", minInk: 0.05)
        // Bars at opacity 0.85 over white: (38, 135, 190).
        XCTAssertGreaterThan(bar.count("#2687be", tolerance: 14), 10_000, "three filled bars")
        let ref = try checkPNG("ref.png")
        XCTAssertGreaterThan(ref.count("#d55e00", tolerance: 30), 100, "the dashed hline, drawn again onto the same file")
        XCTAssertGreaterThan(ref.count("#009e73", tolerance: 30), 50, "the vline")
    }

    func testLogAxesInSVGAreLabelledTenToTheK() throws {
        XCTAssertEqual(run("plot([1, 10, 100, 1000, 10000], [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], logx=true, logy=true, out=\"\(path("log.svg"))\")"), "")
        let svg = try String(contentsOfFile: path("log.svg"), encoding: .utf8)
        for label in ["10⁻⁵", "10⁻³", "10⁻¹", "10⁰", "10²", "10⁴"] { XCTAssertTrue(svg.contains(">\(label)</text>"), label) }
        XCTAssertFalse(svg.contains("0.00001"), "no fixed-point log labels")
        XCTAssertFalse(svg.contains(">10⁵<") || svg.contains(">10⁻⁶<"), "the range is the data's, not padded by a decade")
    }

    func testTextModeHeatmapAndImageDrawShades() {
        let eye = run("heatmap(eye(4), figsize=[60, 20])")
        let rows = eye.split(separator: "\n").map(String.init)
        // Four diagonal blocks: row block k starts with 2·k·enlarge blanks.
        let full = rows.filter { $0.contains("█") && !$0.contains("·") }
        XCTAssertEqual(full.count, 12, eye)
        XCTAssertEqual(Set(full.map { $0.prefix { $0 == " " }.count }).count, 4, "the blocks step along the diagonal:\n\(eye)")
        XCTAssertTrue(eye.contains("0 ·░▒▓█ 1"), "a scale names the range")
        let img = run("image(reshape(arange(16), 4, 4), title=\"ramp\")")
        XCTAssertTrue(img.hasPrefix("ramp\n"), img)
        XCTAssertTrue(["░", "▒", "▓", "█"].allSatisfy { img.contains($0) }, img)
        let pair = run("image([eye(3), ones(3, 3)], titles=[\"I\", \"J\"])")
        // Side by side: the identity's first row, then the constant (mid-grey) picture on the same line.
        let first = pair.split(separator: "\n")[1]
        XCTAssertTrue(first.hasPrefix("████████ ") && first.hasSuffix("▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒"), pair)
    }

    func testUpdateAndAddRedrawTheSameFigureFile() throws {
        var figures: [String] = [], updates: [String] = []
        FigureOutput.route(to: dir, format: "svg", onFigure: { figures.append($0) }, onUpdate: { updates.append($0) })
        let interp = BuiltinTable.makeInterpreter()
        run("for i in 0..4 { plot([1, 2, i], update=true) }", interp)
        XCTAssertEqual(figures.map { ($0 as NSString).lastPathComponent }, ["figure-001.svg"])
        XCTAssertEqual(updates.count, 3)
        run("plot([1, 2], legend=\"a\")\nplot([2, 1], legend=\"b\", add=true)\nhline(1.5)", interp)
        XCTAssertEqual(figures.map { ($0 as NSString).lastPathComponent }, ["figure-001.svg", "figure-002.svg"])
        let svg = try String(contentsOfFile: path("figure-002.svg"), encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "<g id=\"gnuplot_plot_").count - 1, 2, "both lines on one panel")
        XCTAssertTrue(svg.contains(">a</text>") && svg.contains(">b</text>"))
        // A grid redrawn by a loop: subplot(…, update=true) lands on the same file.
        let before = (figures.count, updates.count)
        run("for i in 0..3 { subplot(1, 2, update=true)\nplot([1, i])\nhist([1, 2, i]) }", interp)
        XCTAssertEqual(figures.count, before.0 + 1, "the first grid is a new figure (the one before was not drawn with update=true)")
        XCTAssertEqual(updates.count, before.1 + 2, "the next two replace it")
        // show() ends the chain: the next update=true starts a figure of its own.
        run("show()\nplot([3, 1], update=true)\nplot([1, 3], update=true)", interp)
        XCTAssertEqual(figures.count, before.0 + 2)
        XCTAssertEqual(updates.count, before.1 + 3)
    }

    func testUpdateInAPipePrintsEachDrawWithoutEscapes() {
        let out = run("plot([1, 2], figsize=[40, 10])\nplot([2, 1], update=true, figsize=[40, 10])")
        XCTAssertEqual(out.components(separatedBy: "+---").count - 1, 4, "two plots, each with a top and bottom border:\n\(out)")
        XCTAssertFalse(out.contains("\u{1B}"))
    }

    func testAnnotationsNeedAPlotAndResetForgetsIt() {
        let interp = BuiltinTable.makeInterpreter()
        XCTAssertEqual(run("hline(1)", interp), "error: hline: there is no plot to draw on yet: draw one first (plot, scatter, …)")
        XCTAssertTrue(run("plot([1, 2])\nhline(1.5)", interp).contains("+---"))
        FigureOutput.reset()
        XCTAssertTrue(run("text(0, 1, \"x\")", interp).hasPrefix("error: text: there is no plot"))
        XCTAssertEqual(run("plot([1, 2], legend_pos=\"middle\")", interp),
                       "error: plot: legend_pos must be one of \"auto\", \"top right\", \"top left\", \"bottom right\", \"bottom left\", \"outside\", \"below\", got \"middle\"")
        XCTAssertEqual(run("plot([1, 2], marker=\"q\")", interp),
                       "error: plot: marker must be one of \"o\", \"s\", \"^\", \"v\", \"d\", \"x\", \"+\", \"*\", \".\" or \"none\", got \"q\"")
        XCTAssertEqual(run("plot([1, 2], alpha=2)", interp), "error: plot: alpha must be an opacity from 0 to 1, got 2")
        XCTAssertEqual(run("band([1, 2, 3], ones(2, 3))", interp),
                       "error: band: Y has 2 rows but x has 3 points (rows must be the x points and columns the runs: use Y.T)")
        XCTAssertEqual(run("errorbar([1, 2], [1, 2], [0.1, -1])", interp), "error: errorbar: err must not be negative (bars reach y − err to y + err)")
        XCTAssertEqual(run("bar([\"a\"], [1, 2])", interp), "error: bar: x has 1 entries but h has 2 values")
    }

    func testSubplotWithNoArgumentsEndsTheGrid() throws {
        let interp = BuiltinTable.makeInterpreter()
        XCTAssertEqual(run("subplot(1, 3, out=\"\(path("g.svg"))\")\nplot([1, 2])\nhline(1.5)", interp), "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("g.svg")))
        XCTAssertEqual(run("subplot()", interp), "")
        let svg = try String(contentsOfFile: path("g.svg"), encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "<g id=\"gnuplot_plot_").count - 1, 1)
        XCTAssertTrue(run("plot([2, 1])", interp).contains("+---"), "the next plot is a figure of its own")
        // :reset drops an unfinished grid undrawn.
        run("subplot(2, 2, out=\"\(path("dropped.svg"))\")\nplot([1, 2])", interp)
        FigureOutput.reset()
        XCTAssertTrue(run("plot([2, 1])", interp).contains("+---"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("dropped.svg")))
    }

    func testLiveTrainingRewritesItsFileAndEndsWithTheWholeCurve() throws {
        let code = """
        seed(0)
        X = randn(64, 3); Y = X[:, 0:1]
        r = train(mlp([3, 16, 1], seed=1), X, Y, steps=40, lr=0.1, live="\(path("live.svg"))")
        print(len(r.loss))
        """
        XCTAssertEqual(run(code), "40\n")
        let svg = try String(contentsOfFile: path("live.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains(">train: batch loss</text>"))
        // The final draw holds all 40 steps: one path with 40 points.
        let group = svg.components(separatedBy: "<g id=\"gnuplot_plot_1\"")[1]
        let line = group.components(separatedBy: "<path")[1].components(separatedBy: "/>")[0]
        XCTAssertEqual(line.filter { $0 == "L" }.count, 39, "40 vertices: a move and 39 line segments")
        // A model written in lk draws the same curve.
        XCTAssertEqual(run("fn f(p, X) => X @ p.w\nr = train(f, {w: zeros(3, 1)}, randn(16, 3), randn(16, 1), steps=7, live=\"\(self.path("model.svg"))\")\nprint(len(r.loss))"), "7\n")
        XCTAssertTrue(try String(contentsOfFile: self.path("model.svg"), encoding: .utf8).contains(">train: batch loss</text>"))
        XCTAssertEqual(run("train(mlp([3, 4, 1]), randn(8, 3), randn(8), live=\"a.jpg\")"),
                       "error: train: cannot tell the file type of \"a.jpg\": use a name ending in .png, .svg or .pdf")
    }

    func testLiveSamplersDrawTheirCurve() throws {
        let code = """
        n = 8
        X = phantoms(50, n, seed=0)
        Xf = reshape(X, 50, n * n)
        mu = mean(Xf, axis=0)
        D = Xf - mu
        prior = gaussprior(reshape(mu, n, n), D.T @ D / 50 + 1e-3 * eye(n * n))
        o = mriop(n, accel=4, coils=2, seed=0)
        x = phantoms(1, n, seed=1)[0]
        r = dds(o.forward(x), o, prior, steps=10, ref=x, seed=1, live="\(path("dds.svg"))")
        s = sample(prior, steps=10, seed=1, live="\(path("sample.svg"))")
        print(len(r.history.psnr))
        """
        XCTAssertEqual(run(code), "10\n")
        XCTAssertTrue(try String(contentsOfFile: path("dds.svg"), encoding: .utf8).contains(">dds: PSNR (dB)</text>"))
        XCTAssertTrue(try String(contentsOfFile: path("sample.svg"), encoding: .utf8).contains(">sample: σ</text>"))
    }

    func testLiveFigureRedrawsOnlyWhereItCanUpdateInPlace() throws {
        // A file: redrawn as it goes (interval 0 draws every step).
        var shown = 0
        let live = LiveFigure(title: "t", ylabel: "loss", out: path("l.png"), plotter: Plotter()) { _ in shown += 1 }
        live.interval = 0; live.costRatio = 0
        for i in 0..<5 { live.append(Double(i), 1 / Double(i + 1)) }
        try live.finish()
        XCTAssertEqual(shown, 6, "each step, then the last draw")
        XCTAssertGreaterThan(try PNGPixels(path: path("l.png")).inked, 0.01)
        // A text plot in a pipe (tests run without a terminal): only the last draw.
        var texts: [String] = []
        let piped = LiveFigure(title: "t", ylabel: "loss", plotter: Plotter()) { r in if let t = r.text { texts.append(t) } }
        piped.interval = 0; piped.costRatio = 0
        for i in 0..<5 { piped.append(Double(i), Double(i)) }
        try piped.finish()
        XCTAssertEqual(texts.count, 1)
    }
}
