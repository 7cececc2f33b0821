import Foundation
import LkBuiltins
import LkLang
@testable import LkPlot
import LkTensor
import XCTest
import LkTestSupport

/// Figure files are replaced atomically: gnuplot writes a temporary file next
/// to the target, which is renamed over it only once gnuplot has finished
/// without error. A failed figure leaves the old file byte for byte and no
/// temporary file.
final class AtomicFigureTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard (try? GnuplotSession.locate()) != nil else { throw XCTSkip("gnuplot is not installed") }
        dir = try makeTemporaryDirectory("atomic")
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func entries() throws -> [String] { try directoryEntries(dir.path) }
    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func figure(_ values: [Double] = [0, 1, 4, 9, 16]) -> Figure {
        var p = Plots.lines(x: nil, y: Tensor(values))
        p.title = "squares"
        return Figure(p, width: 400, height: 300)
    }

    /// A figure gnuplot rejects (an unknown colour).
    func rejected() -> Figure {
        var f = figure([3, 1, 2])
        f.panels[0].series[0].color = "no-such-colour"
        return f
    }

    func testAGnuplotErrorKeepsTheOldFileByteForByte() throws {
        let plotter = Plotter()
        for name in ["old.svg", "old.png", "old.pdf"] {
            let target = path(name)
            _ = try plotter.render(figure(), to: try Terminal.file(target))
            let before = try bytes(target)
            XCTAssertGreaterThan(before.count, 1000)
            XCTAssertThrowsError(try plotter.render(rejected(), to: try Terminal.file(target))) { e in
                XCTAssertTrue("\(e)".contains("unrecognized color name"), "\(e)")
                XCTAssertFalse("\(e)".contains(".tmp"), "the message does not name the temporary file: \(e)")
            }
            XCTAssertEqual(try bytes(target), before, "\(name): the old figure is intact")
        }
        XCTAssertEqual(try entries(), ["old.pdf", "old.png", "old.svg"], "no temporary file is left")
        // The session goes on, and the next figure does replace the file.
        let r = try plotter.render(figure([1, 2]), to: .svg(path: path("old.svg")))
        XCTAssertEqual(r.paths, [path("old.svg")], "the file reported is the user's, not the temporary one")
        XCTAssertTrue(try String(contentsOfFile: path("old.svg"), encoding: .utf8).contains("squares"))
        XCTAssertEqual(try entries(), ["old.pdf", "old.png", "old.svg"])
    }

    /// gnuplot dies in the middle of writing the file: a file-size limit (which
    /// gnuplot inherits when it starts) kills it with SIGXFSZ after 4 KB.
    func testGnuplotKilledMidWriteKeepsTheOldFile() throws {
        let target = path("big.svg")
        let old = Data("precious old figure\n".utf8)
        try old.write(to: URL(fileURLWithPath: target))
        // gnuplot inherits the limit (and the default SIGXFSZ disposition); this process survives.
        let plotter = Plotter()
        let outcome = withFileSizeLimit(4096) {
            Result { try plotter.render(figure(Array(stride(from: 0.0, to: 200, by: 1))), to: .svg(path: target)) }
        }
        XCTAssertThrowsError(try outcome.get()) { e in
            XCTAssertTrue("\(e)".contains("gnuplot stopped unexpectedly"), "\(e)")
        }
        XCTAssertEqual(try bytes(target), old)
        XCTAssertEqual(try entries(), ["big.svg"], "the torn temporary file is removed")
        // gnuplot is restarted and the figure can be saved after all.
        _ = try plotter.render(figure(), to: .svg(path: target))
        XCTAssertTrue(try String(contentsOfFile: target, encoding: .utf8).contains("</svg>"))
        XCTAssertEqual(try entries(), ["big.svg"])
    }

    func testAnUnwritableDirectoryKeepsTheOldFileAndNamesIt() throws {
        let target = path("f.png")
        _ = try Plotter().render(figure(), to: .png(path: target))
        let before = try bytes(target)
        try makeUnwritable(dir)
        XCTAssertThrowsError(try Plotter().render(figure([5, 4]), to: .png(path: target))) { e in
            let reason = geteuid() == 0 ? "Operation not permitted" : "Permission denied"
            XCTAssertEqual("\(e)", "cannot write \(target): \(reason)")
        }
        XCTAssertEqual(try bytes(target), before)
        XCTAssertEqual(try entries(), ["f.png"])
    }

    func testAMissingDirectoryNamesThePath() {
        XCTAssertThrowsError(try Plotter().render(figure(), to: .svg(path: "/no/such/dir/f.svg"))) { e in
            XCTAssertEqual("\(e)", "cannot write /no/such/dir/f.svg: No such file or directory")
        }
    }

    func testASuccessfulSaveLeavesOnlyTheFileWithTheUsualPermissions() throws {
        let mask = umask(0o022)
        umask(mask)
        let plotter = Plotter()
        _ = try plotter.render(figure(), to: .png(path: path("new.png")))
        XCTAssertEqual(try mode(path("new.png")), 0o666 & ~mask, "a new figure gets 0666 minus the umask, not mkstemp's 0600")
        // A replaced figure keeps its permissions.
        XCTAssertEqual(chmod(path("new.png"), 0o640), 0)
        _ = try plotter.render(figure([2, 3]), to: .png(path: path("new.png")))
        XCTAssertEqual(try mode(path("new.png")), 0o640)
        XCTAssertEqual(try entries(), ["new.png"])
    }

    /// Hostile names through the built-ins (`out=`, `savefig`, `subplot(…, out=)`):
    /// each gives exactly that file, and no command runs.
    func testHostileFileNamesGiveExactlyThatFileAndRunNothing() throws {
        setenv("LK_TERM", "dumb", 1)
        defer { unsetenv("LK_TERM"); _ = try? Plotter.shared.flush() }
        let names = ["it's \"quoted\".svg", "back`touch pwned`tick.png", "$(touch pwned).svg", "new\nline.pdf",
                     " spaces and\ttab .svg", "'; system('touch pwned'); '.png", "x\"; system(\"touch pwned\") #.svg",
                     "\n!touch pwned\n.svg", "@pwned {}^_&~ \\n \\.svg"]
        func literal(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t") + "\""
        }
        var expected: [String] = []
        let interp = BuiltinTable.makeInterpreter()
        interp.output = { _ in }
        for (k, name) in names.enumerated() {
            let out = "o\(k)-" + name, saved = "s\(k)-" + name, grid = "g\(k)-" + name
            let code = """
            plot([1, 2, 3], title=\(literal(name)), out=\(literal(path(out))))
            plot([3, 2, 1])
            savefig(\(literal(path(saved))))
            subplot(1, 2, out=\(literal(path(grid))))
            plot([1, 2])
            hist([1, 2, 2])
            """
            XCTAssertNoThrow(try interp.run(SourceFile(name: "<test>", text: code)), name)
            expected += [out, saved, grid]
        }
        XCTAssertEqual(try entries(), expected.sorted(), "exactly the files named, and no temporary file")
        for name in expected { XCTAssertGreaterThan(try bytes(path(name)).count, 1000, name) }
        // Where a `touch pwned` would have landed: gnuplot's directory, ours, the files' directory.
        var places = [FileManager.default.currentDirectoryPath, dir.path]
        if let pid = Plotter.shared.gnuplotPID,
           let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") { places.append(cwd) }
        for place in places {
            XCTAssertFalse(FileManager.default.fileExists(atPath: place + "/pwned"), "a command ran in \(place)")
        }
    }

    func mode(_ path: String) throws -> mode_t {
        var st = stat()
        guard stat(path, &st) == 0 else { throw TensorError("cannot stat \(path)") }
        return st.st_mode & 0o7777
    }

    /// A directory in which no file can be created: mode 0555, or for root
    /// (whom modes do not stop) the immutable attribute; skipped when neither works.
    func makeUnwritable(_ dir: URL) throws {
        if geteuid() != 0 {
            XCTAssertEqual(chmod(dir.path, 0o555), 0)
            addTeardownBlock { chmod(dir.path, 0o755) }
            return
        }
        func chattr(_ flag: String) -> Bool {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            p.arguments = [flag, dir.path]
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return false }
            p.waitUntilExit()
            return p.terminationStatus == 0
        }
        guard chattr("+i") else { throw XCTSkip("running as root without chattr +i: no directory is unwritable") }
        addTeardownBlock { _ = chattr("-i") }
        let probe = dir.appendingPathComponent("probe").path
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if fd >= 0 { close(fd); unlink(probe); throw XCTSkip("the directory stayed writable") }
    }
}
