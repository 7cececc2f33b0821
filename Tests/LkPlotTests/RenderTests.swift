import Foundation
@testable import LkPlot
import LkTensor
import XCTest
import LkTestSupport

/// Real renders through gnuplot (skipped when gnuplot is not installed).
final class RenderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard (try? GnuplotSession.locate()) != nil else { throw XCTSkip("gnuplot is not installed") }
        dir = try makeTemporaryDirectory("render")
    }

    func squares() -> Figure {
        var p = Plots.lines(x: nil, y: Tensor([0, 1, 4, 9, 16]))
        p.title = "squares"; p.xlabel = "n"; p.series[0].title = "n^2"
        return Figure(p, width: 50, height: 16)
    }

    /// The legend goes to the top left, which the rising line leaves empty
    /// (gnuplot's default top right would sit on the line's end).
    func testDumbTerminalTextOfAKnownLinePlot() throws {
        let r = try Plotter().render(squares(), to: .text(width: 50, height: 16))
        XCTAssertEqual(r.text, """
                                  squares
              16 +----------------------------------------+
              14 |-+  +    +    +     +    +    +    + **-|
              12 |-*****n^2                         *** +-|
              10 |-+                              **    +-|
               8 |-+                           ***      +-|
                 |                         ****           |
               6 |-+                    ***             +-|
               4 |-+             *******                +-|
               2 |-+  ***********     +    +    +    +  +-|
               0 +----------------------------------------+
                 0   0.5   1   1.5    2   2.5   3   3.5   4
                                     n

            """)
    }

    func testSVGHasTheTitleAndOnePathPerLine() throws {
        let y = try Tensor(shape: [3, 3], data: [0, 1, 2, 1, 2, 3, 2, 3, 5])
        var p = Plots.lines(x: nil, y: y)
        p.title = "three lines <&>"
        for (i, n) in ["a", "b", "c"].enumerated() { p.series[i].title = n }
        let path = dir.appendingPathComponent("three.svg").path
        let r = try Plotter().render(Figure(p), to: .svg(path: path))
        XCTAssertEqual(r.paths, [path])
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertGreaterThan(svg.utf8.count, 2000)
        XCTAssertTrue(svg.contains("<text>three lines &lt;&amp;></text>"), "the title is drawn, XML-escaped as gnuplot does (< and &)")
        let groups = svg.components(separatedBy: "<g id=\"gnuplot_plot_").dropFirst()
        XCTAssertEqual(groups.count, 3, "one group per series")
        for g in groups {
            let body = g.components(separatedBy: "</g>\n\t</g>")[0]   // up to the end of the plot's group
            let paths = body.components(separatedBy: "<path").dropFirst()
            XCTAssertEqual(paths.count, 1, "one path per line")
            // The key sample (one segment) and the line through 3 points (two).
            XCTAssertEqual(paths.first?.components(separatedBy: " L").count, 1 + 3)
        }
    }

    func testPNGAndPDFFiles() throws {
        let png = dir.appendingPathComponent("s.png").path, pdf = dir.appendingPathComponent("s.pdf").path
        var f = squares()
        f.width = 400; f.height = 300
        _ = try Plotter().render(f, to: .png(path: png))
        _ = try Plotter().render(f, to: .pdf(path: pdf))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be32(16), 400, "IHDR width")
        XCTAssertEqual(be32(20), 300, "IHDR height")
        XCTAssertGreaterThan(bytes.count, 3000)
        let head = try Data(contentsOf: URL(fileURLWithPath: pdf)).prefix(5)
        XCTAssertEqual(String(decoding: head, as: UTF8.self), "%PDF-")
    }

    func testEveryPlotKindRenders() throws {
        let m = try Tensor(shape: [3, 4], data: (0..<12).map(Double.init))
        let panels = [Plots.lines(x: nil, y: m), Plots.scatter(x: [1, 2], y: [2, 1], values: [0, 1]),
                      Plots.scatter(x: [1, 2], y: [2, 1], labels: ["p", "q"]), Plots.heatmap(m), Plots.picture(m),
                      Plots.histogram([[1, 2, 2, 3]], edges: [1, 2, 3], density: false), Plots.surface(m)]
        let path = dir.appendingPathComponent("all.svg").path
        let r = try Plotter().render(Figure(panels: panels, rows: 2, cols: 4, title: "all"), to: .svg(path: path))
        XCTAssertEqual(r.warnings, [])
        XCTAssertGreaterThan(try Data(contentsOf: URL(fileURLWithPath: path)).count, 10_000)
    }

    func testGnuplotErrorsComeBackAndTheSessionGoesOn() throws {
        let plotter = Plotter()
        var f = squares()
        f.panels[0].series[0].color = "no-such-colour"
        XCTAssertThrowsError(try plotter.render(f, to: .text(width: 50, height: 16))) { e in
            XCTAssertTrue("\(e)".contains("unrecognized color name"), "\(e)")
        }
        XCTAssertNotNil(try plotter.render(squares(), to: .text(width: 50, height: 16)).text)
        XCTAssertThrowsError(try plotter.render(squares(), to: .svg(path: "/no/such/dir/f.svg"))) { e in
            // The temporary file beside the target cannot be created: lk says so before gnuplot runs.
            XCTAssertEqual("\(e)", "cannot write /no/such/dir/f.svg: No such file or directory")
        }
    }

    func testACrashedGnuplotIsRestartedOnTheNextPlot() throws {
        let plotter = Plotter()
        _ = try plotter.render(squares(), to: .text(width: 50, height: 16))
        let pid = try XCTUnwrap(plotter.gnuplotPID)
        kill(pid, SIGKILL)
        usleep(100_000)
        let r = try plotter.render(squares(), to: .text(width: 50, height: 16))
        XCTAssertTrue(r.text?.contains("squares") == true)
        XCTAssertNotEqual(plotter.gnuplotPID, pid)
    }

    func testMissingGnuplotNamesThePackage() throws {
        setenv("LK_GNUPLOT", "/nonexistent/gnuplot", 1)
        defer { unsetenv("LK_GNUPLOT") }
        XCTAssertThrowsError(try Plotter().render(squares(), to: .text(width: 50, height: 16))) { e in
            XCTAssertTrue("\(e)".contains("LK_GNUPLOT"), "\(e)")
        }
        let old = ProcessInfo.processInfo.environment["PATH"]
        unsetenv("LK_GNUPLOT")
        defer { setenv("PATH", old ?? "/usr/bin:/bin", 1) }
        setenv("PATH", "/nonexistent", 1)
        XCTAssertThrowsError(try GnuplotSession.locate()) { e in
            XCTAssertTrue("\(e)".contains("gnuplot-nox") && "\(e)".contains("gnuplot-qt"), "\(e)")
        }
    }

    /// A million-point line renders to a real PNG (how long it takes is measured by
    /// hand and quoted in Docs/plots.md, not asserted here: timings are not tests).
    func testMillionPointLineRenders() throws {
        let n = 1_000_000
        let x = (0..<n).map { Double($0) * 1e-4 }
        let y = x.map { sin($0) }
        let path = dir.appendingPathComponent("big.png").path
        _ = try Plotter().render(Figure(Panel(series: [Series(.lines, .records([x, y]))])), to: .png(path: path))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }
}
