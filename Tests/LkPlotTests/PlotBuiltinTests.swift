import Foundation
import LkBuiltins
import LkLang
@testable import LkPlot
import XCTest
import LkTestSupport

/// The plotting built-ins as a user calls them.
final class PlotBuiltinTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard (try? GnuplotSession.locate()) != nil else { throw XCTSkip("gnuplot is not installed") }
        dir = try makeTemporaryDirectory("builtins")
        setenv("LK_TERM", "dumb", 1)
    }

    override func tearDown() {
        unsetenv("LK_TERM")
        PlotSink.renderDirectory = nil
        PlotSink.onFigure = nil
        PlotSink.nextIndex = 1
        _ = try? Plotter.shared.flush()
    }

    /// Runs lk code, returning what it printed; errors are returned as their message.
    @discardableResult
    func run(_ code: String, _ interp: Interpreter = BuiltinTable.makeInterpreter()) -> String {
        runLk(code, in: interp).text
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func testPlotPrintsATextPlotWithoutOut() {
        let out = run("plot([1, 4, 9], title=\"sq\", figsize=[50, 14])")
        XCTAssertTrue(out.contains("sq") && out.contains("+---"), out)
    }

    func testEveryKindWritesItsFile() throws {
        let code = """
        seed(0)
        plot(randn(20, 3), legend=["a", "b", "c"], style=["lines", "dashed", "points"], out="\(path("p.svg"))")
        scatter(randn(30), randn(30), color=randn(30), out="\(path("s.svg"))")
        scatter(randn(3, 2), color=["x", "y", "x"], out="\(path("l.svg"))")
        heatmap(gram(randn(5, 3)), out="\(path("h.svg"))")
        image(rand(3, 8, 8), titles=["1", "2", "3"], out="\(path("i.png"))")
        hist(randn(100), bins=12, out="\(path("hist.pdf"))")
        surface(rand(5, 6), out="\(path("surf.svg"))")
        """
        XCTAssertEqual(run(code), "")
        for f in ["p.svg", "s.svg", "l.svg", "h.svg", "i.png", "hist.pdf", "surf.svg"] {
            XCTAssertGreaterThan((try? Data(contentsOf: dir.appendingPathComponent(f)))?.count ?? 0, 1000, f)
        }
        let svg = try String(contentsOfFile: path("p.svg"), encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "<g id=\"gnuplot_plot_").count - 1, 3)
    }

    func testSubplotFillsAGridAndSavefigSavesIt() throws {
        let interp = BuiltinTable.makeInterpreter()
        XCTAssertEqual(run("subplot(1, 2, title=\"two\", out=\"\(path("g.svg"))\")\nplot([1, 2])", interp), "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("g.svg")), "drawn only when full")
        XCTAssertEqual(run("hist([1, 2, 2])", interp), "")
        let svg = try String(contentsOfFile: path("g.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("<text>two</text>"))
        XCTAssertEqual(run("savefig(\"\(path("again.png"))\")", interp), "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("again.png")))
        XCTAssertTrue(run("subplot(1, 2)\nplot([1, 2], out=\"x.svg\")", interp).contains("out= cannot be given to a panel"))
        XCTAssertTrue(run("plot([2, 1])\nshow()", interp).contains("+---"), "show() draws the unfinished grid")
    }

    func testArgumentErrorsNameTheArgument() {
        XCTAssertEqual(run("plot([1, 2, 3], [1, 2])"), "error: plot: x has 3 points but y has 2 points")
        XCTAssertEqual(run("plot(randn(3, 2), legend=[\"a\"])"), "error: plot: legend has 1 name for 2 lines")
        XCTAssertEqual(run("plot([1, 2], out=\"f.jpg\")"), "error: plot: cannot tell the file type of \"f.jpg\": use a name ending in .png, .svg or .pdf")
        XCTAssertEqual(run("plot([1, 2], xrange=[2, 1])"), "error: plot: xrange must have lo < hi, got [2, 1]")
        XCTAssertEqual(run("scatter([1, 2], [1, 2], color=[1, 2, 3])"), "error: scatter: color has 3 entries but there are 2 points")
        XCTAssertEqual(run("heatmap([1, 2])"), "error: heatmap: M must be a matrix, got shape (2,)")
        XCTAssertTrue(run("plot([1, 2], colour=\"red\")").contains("did you mean 'color'"))
        XCTAssertEqual(run("savefig(\"a.jpg\")"), "error: savefig: cannot tell the file type of \"a.jpg\": use a name ending in .png, .svg or .pdf")
    }

    func testGnuplotErrorsAreLkErrorsAndTheSessionGoesOn() {
        let interp = BuiltinTable.makeInterpreter()
        XCTAssertTrue(run("plot([1, 2], color=\"nocolour\")", interp).contains("gnuplot: unrecognized color name"))
        XCTAssertTrue(run("plot([1, 2])", interp).contains("+---"))
    }

    func testMissingGnuplotIsAnErrorAndTheInterpreterGoesOn() {
        setenv("LK_GNUPLOT", "/nonexistent/gnuplot", 1)
        let interp = BuiltinTable.makeInterpreter()
        let out = run("plot([1, 2])", interp)
        unsetenv("LK_GNUPLOT")
        // The shared plotter may already run a gnuplot from an earlier test;
        // then nothing needs starting and the plot simply works.
        XCTAssertTrue(out.contains("LK_GNUPLOT") || out.contains("+---"), out)
        XCTAssertEqual(run("x = 1 + 1\nprint(x)", interp), "2\n")
    }

    func testRenderDirectoryReceivesEveryFigure() throws {
        var seen: [String] = []
        PlotSink.renderDirectory = dir
        PlotSink.onFigure = { seen.append($0) }
        XCTAssertEqual(run("plot([1, 2])\nheatmap(eye(3))\nplot([3, 1], out=\"\(path("mine.png"))\")"), "")
        XCTAssertEqual(seen.map { ($0 as NSString).lastPathComponent }, ["figure-001.svg", "figure-002.svg", "figure-003.svg"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("mine.png")))
        PlotSink.fileFormat = "png"
        defer { PlotSink.fileFormat = "svg" }
        run("plot([1, 2])")
        XCTAssertEqual(seen.last.map { ($0 as NSString).lastPathComponent }, "figure-004.png")
    }
}
