import Foundation
import LkTensor
import XCTest
import LkTestSupport

/// The command line of DESIGN.md §5, run as a user would: exit codes,
/// where messages go, and what they say.
final class CLITests: XCTestCase {
    /// The `lk` built next to this test bundle.
    static let lk: URL = {
        var dir = Bundle(for: CLITests.self).bundleURL
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("lk").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("lk")
    }()

    struct Outcome { var status: Int32; var stdout: String; var stderr: String }

    func run(_ args: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> Outcome {
        try CLITests.run(args, stdin: stdin, environment: environment)
    }

    static func run(_ args: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> Outcome {
        let p = Process()
        p.executableURL = Self.lk
        p.arguments = args
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        // Input is written and stderr drained on other threads: with all three on
        // this one, a session whose errors fill the stderr pipe (64 KB) while we
        // still write its input or read its stdout would deadlock.
        let writer = input.fileHandleForWriting
        let data = Data((stdin ?? "").utf8)
        let wrote = DispatchSemaphore(value: 0), drained = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var e = Data()
        DispatchQueue.global().async { writer.write(data); try? writer.close(); wrote.signal() }
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); drained.signal() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        wrote.wait(); drained.wait()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Writes a script into a fresh directory (removed when the test ends) and returns its path.
    func script(_ text: String, name: String = "t.lk") throws -> String {
        let dir = try makeTemporaryDirectory("cli")
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testRunsAScript() throws {
        let path = try script("x = [1, 2, 3]\nprint(sum(x), args)\n")
        let r = try run([path, "a", "--flag"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "6 [\"a\", \"--flag\"]\n")
        XCTAssertEqual(r.stderr, "")
    }

    func testParseErrorExits65WithCaret() throws {
        let path = try script("a = 1\nb = (a +\n")
        let r = try run([path])
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.stderr, "\(path):2:5: error: '(' is never closed\n    b = (a +\n        ^\n")
        XCTAssertEqual(r.stdout, "")
    }

    func testRuntimeErrorExits70AfterEarlierOutput() throws {
        let path = try script("print(\"before\")\nx = ones(3, 4) @ ones(5, 2)\nprint(\"after\")\n")
        let r = try run([path])
        XCTAssertEqual(r.status, 70)
        XCTAssertEqual(r.stdout, "before\n")
        XCTAssertEqual(r.stderr, "\(path):2:5: error: shape mismatch: (3,4) @ (5,2)\n    x = ones(3, 4) @ ones(5, 2)\n        ^~~~~~~~~~~~~~~~~~~~~~~\n")
    }

    func testUnreadableFileExits74() throws {
        let r = try run(["/nonexistent/file.lk"])
        XCTAssertEqual(r.status, 74)
        XCTAssertTrue(r.stderr.contains("/nonexistent/file.lk: no such file"), r.stderr)
    }

    func testInvalidUTF8IsAParseError() throws {
        let dir = try makeTemporaryDirectory("utf8").appendingPathComponent("bad.lk")
        try Data([0x70, 0x72, 0x69, 0x6e, 0x74, 0x28, 0xff, 0x29]).write(to: dir)
        let r = try run([dir.path])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("not valid UTF-8 (first bad byte at offset 6)"), r.stderr)
    }

    /// A 10 MB line, four ways: a string, a comment and a pasted list of numbers run;
    /// a 10 MB chain of operators is a parse error, not a stack overflow.
    func testTenMegabyteLines() throws {
        let size = 10 << 20
        let number = "0.123456789012"
        let list = "x = [" + String(repeating: number + ",", count: size / (number.count + 1)) + "1]\nprint(len(x), x[0])\n"
        let r1 = try run([try script(list)])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        XCTAssertEqual(r1.stdout, "\(size / (number.count + 1) + 1) \(number)\n")
        let string = "s = \"" + String(repeating: "a", count: size) + "\"\nprint(len(s))\n"
        let r2 = try run([try script(string)])
        XCTAssertEqual(r2.stdout, "\(size)\n", r2.stderr)
        let comment = "# " + String(repeating: "c", count: size) + "\nprint(1)\n"
        XCTAssertEqual(try run([try script(comment)]).stdout, "1\n")
        let chain = "x = 1" + String(repeating: "+123456789012345", count: size / 16) + "\nprint(x)\n"
        let r3 = try run([try script(chain)])
        XCTAssertEqual(r3.status, 65)
        XCTAssertTrue(r3.stderr.contains("t.lk:1:800006: error: expression too long (more than 50000 operators in a row)"), String(r3.stderr.prefix(300)))
        XCTAssertTrue(r3.stderr.contains("…"), "the caret line is clipped around the column")
    }

    /// A chain just under the limit inside a function: parsed, run, and its syntax
    /// tree freed without overflowing the stack (freeing recurses as deep as the tree).
    func testLongChainInAFunctionRunsAndIsFreed() throws {
        let body = "fn f(a) { return a" + String(repeating: "*1", count: 49_999) + " }\nprint(f(2))\n"
        let r = try run([try script(body)])
        XCTAssertEqual(r.status, 0, String(r.stderr.suffix(500)))
        XCTAssertEqual(r.stdout, "2\n")
    }

    /// An LK_MEMORY_LIMIT that is not a size (here one too large for an integer,
    /// which once trapped) is warned about and the default applies.
    func testUnreadableMemoryLimitIsWarnedAbout() throws {
        let r = try run(["-e", "1 + 1"], environment: ["LK_MEMORY_LIMIT": "1e400G"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "2\n")
        XCTAssertTrue(r.stderr.contains("warning: LK_MEMORY_LIMIT=1e400G is not a size"), r.stderr)
    }

    func testDashEPrintsTheLastValue() throws {
        let r = try run(["-e", "x = 2\nx ^ 10"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "1024\n")
        let bad = try run(["-e", "nope + 1"])
        XCTAssertEqual(bad.status, 70)
        XCTAssertTrue(bad.stderr.hasPrefix("<-e>:1:1: error: unknown name 'nope'"), bad.stderr)
    }

    func testDashReadsStandardInput() throws {
        let r = try run(["-"], stdin: "for i in 0..3 { print(i) }\n")
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "0\n1\n2\n")
    }

    func testUsageErrorExits64() throws {
        let r = try run(["--no-such-flag"])
        XCTAssertEqual(r.status, 64)
    }

    func testInfiniteRecursionIsAnErrorNotACrash() throws {
        let path = try script("fn f(n) { return f(n + 1) }\nf(0)\n")
        let r = try run([path])
        XCTAssertEqual(r.status, 70)
        XCTAssertTrue(r.stderr.contains("recursion too deep"), r.stderr)
    }

    func testMemoryLimitNamesTheSize() throws {
        let r = try run(["-e", "zeros(1e6, 1e6)"])
        XCTAssertEqual(r.status, 70)
        XCTAssertTrue(r.stderr.contains("would allocate 8.0 TB"), r.stderr)
        let limited = try run(["-e", "zeros(1000, 1000)"], environment: ["LK_MEMORY_LIMIT": "1M"])
        XCTAssertEqual(limited.status, 70)
        XCTAssertTrue(limited.stderr.contains("would allocate 8.0 MB, over the memory limit of 1.0 MB"), limited.stderr)
    }

    func testCommandsWithoutATerminal() throws {
        let path = try script("# %% first\nv = 10\n# %% [markdown]\n# prose\n# %% second\nw = v * 2\n", name: "nb.lk")
        let r = try run([], stdin: ":cells \(path)\n:run 1\n:run 3\nw\n:load \(path)\nw\n:reset\n:vars\n:time sum(ones(10))\n:nope\n")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("  1  first  (line 2)\n  2  [markdown] prose  (line 4)\n  3  second  (line 6)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("20\n"), "`:run 3` uses v from `:run 1`: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("workspace cleared\nno variables\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("time: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("tensor allocation"), r.stdout)
        XCTAssertTrue(r.stdout.contains("unknown command :nope"), r.stdout)
    }

    func testTimeoutStopsAScript() throws {
        let r = try run(["--timeout", "0.3", "-e", "k = 0\nwhile 1 { k += 1 }"])
        XCTAssertEqual(r.status, 70)
        XCTAssertTrue(r.stderr.contains("time limit of 0.3 s exceeded (--timeout)"), r.stderr)
    }

    /// Killing lk in the middle of writing a large file leaves the previous file
    /// whole: writes go to a temporary file that is renamed over the target.
    func testKilledDuringALargeWriteKeepsTheOldFile() throws {
        let dir = try makeTemporaryDirectory("kill")
        let target = dir.appendingPathComponent("data.npy").path
        let old = try Tensor(shape: [3], data: [1, 2, 3])
        try NPY.save(old, path: target)
        let script = try self.script("x = ones(20000000)\nfor i in 0..100 { savenpy(\"\(target)\", x) }\n")
        try killRepeatedly(script, after: [0.15, 0.3, 0.45, 0.6, 0.8, 1.0]) { _ in
            // Whatever moment the kill hit, the file is a whole array: the old one or the new one.
            let loaded = try NPY.load(path: target)
            if loaded.shape == [3] { XCTAssertEqual(loaded.scalars, [1, 2, 3]) }
            else { XCTAssertEqual(loaded.shape, [20_000_000]) }
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "data.npy" }
        XCTAssertTrue(leftovers.allSatisfy { !$0.hasSuffix(".npy") }, "\(leftovers)")
    }

    /// Killing lk while it saves a large figure leaves the previous file whole:
    /// gnuplot draws into a temporary file beside it, renamed over it only when
    /// finished. Each kill is checked twice: at once, while lk's gnuplot (its
    /// own process group, so it outlives lk) may still be drawing, and again
    /// after that gnuplot is killed too. What a kill may leave: at most one
    /// temporary file `.fig.png.XXXXXX.tmp` (the figure in flight), removed
    /// here before the next run (Docs/security.md says so).
    func testKilledWhileSavingALargeFigureKeepsTheOldFile() throws {
        let env = ProcessInfo.processInfo.environment
        let searched = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/gnuplot" }
        guard (searched + [env["LK_GNUPLOT"] ?? ""]).contains(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("gnuplot is not installed")
        }
        let dir = try makeTemporaryDirectory("kill-fig")
        // lk's plot data directory goes here too: a killed lk cannot remove it.
        let scratch = dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let target = dir.appendingPathComponent("fig.png").path
        let old = Data("the previous figure, which must survive\n".utf8)
        try old.write(to: URL(fileURLWithPath: target))
        // A scatter is not thinned: gnuplot draws every one of its points.
        let script = try self.script("seed(1)\nx = randn(250000)\ny = randn(250000)\nfor i in 0..100 { scatter(x, y, out=\"\(target)\") }\n")
        func checkWhole(_ when: String) throws {
            let now = try Data(contentsOf: URL(fileURLWithPath: target))
            if now == old { return }
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
            XCTAssertTrue(Array(now.prefix(8)) == png && Array(now.suffix(12)) == iend,
                          "\(when): neither the old file nor a whole PNG (\(now.count) bytes)")
        }
        var kills = 0
        try killRepeatedly(script, after: [0.3, 0.7, 1.2, 2.0, 3.0, 4.5], environment: ["TMPDIR": scratch.path]) { gnuplots in
            kills += 1
            try checkWhole("kill \(kills), gnuplot still running")
            for pid in gnuplots { kill(pid, SIGKILL) }
            for pid in gnuplots { Self.awaitDeath(pid) }
            try checkWhole("kill \(kills), gnuplot killed")
            let others = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "fig.png" && $0 != "tmp" }
            XCTAssertLessThanOrEqual(others.count, 1, "at most the figure in flight is left: \(others)")
            for name in others {
                XCTAssertTrue(name.hasPrefix(".fig.png.") && name.hasSuffix(".tmp"), "only a temporary file: \(name)")
                unlink(dir.appendingPathComponent(name).path)
            }
        }
        XCTAssertEqual(kills, 6)
    }

    /// Runs `lk script` once per delay, SIGKILLs it that long after it started,
    /// then, as soon as lk is dead, calls `check` with the pids of lk's child
    /// processes (its gnuplot) as they were just before the kill; children
    /// still running afterwards are killed.
    func killRepeatedly(_ script: String, after delays: [Double], environment: [String: String]? = nil,
                        check: ([pid_t]) throws -> Void) throws {
        for delay in delays {
            let p = Process()
            p.executableURL = Self.lk
            p.arguments = [script]
            if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            let children = Self.children(of: p.processIdentifier)
            kill(p.processIdentifier, SIGKILL)
            // Check as soon as lk is dead (a zombie), not when Foundation gets
            // round to reaping it: gnuplot may finish a figure meanwhile.
            Self.awaitDeath(p.processIdentifier)
            defer {
                for pid in children { kill(pid, SIGKILL) }
                p.waitUntilExit()
            }
            try check(children)
        }
    }

    /// The processes whose parent is `pid` (from /proc; empty elsewhere).
    static func children(of pid: pid_t) -> [pid_t] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return all.compactMap { name -> pid_t? in
            guard let child = pid_t(name), let fields = statFields(child), fields.count > 1 else { return nil }
            return pid_t(fields[1]) == pid ? child : nil
        }
    }

    /// The fields of /proc/PID/stat after the command name: state, ppid, ….
    static func statFields(_ pid: pid_t) -> [String]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").map(String.init)
    }

    /// Waits (a bounded while) until a killed process is gone or a zombie.
    static func awaitDeath(_ pid: pid_t) {
        for _ in 0..<500 {
            guard let fields = statFields(pid), fields.first != "Z", fields.first != "X" else { return }
            usleep(10_000)
        }
    }

    func testVersionNamesTheBLAS() throws {
        let r = try run(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("OpenBLAS"), r.stdout)
        XCTAssertTrue(r.stdout.contains("core"), r.stdout)
    }

    /// The REPL survives every error: the whole bad-input catalogue (every error
    /// case of the conformance suite) typed into one session, each followed by a
    /// blank line (which abandons an unfinished input) and a check that the session
    /// still works and still has its variables.
    func testREPLSurvivesTheWholeBadInputCatalogue() throws {
        let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ConformanceTests/cases")
        let files = (FileManager.default.enumerator(at: cases, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
            .filter { $0.pathExtension == "lk" }
            .filter { (try? String(contentsOf: $0, encoding: .utf8))?.contains("# expect runtime error") == true
                || (try? String(contentsOf: $0, encoding: .utf8))?.contains("# expect parse error") == true }
            .filter { !$0.path.contains("/cells/") }
            .sorted { $0.path < $1.path }
        XCTAssertGreaterThan(files.count, 150)
        var session = "kept = 41\n"
        for (i, f) in files.enumerated() {
            session += try String(contentsOf: f, encoding: .utf8) + "\n\n"
            session += "print(\"alive \(i)\", kept + 1)\n"
        }
        let r = try run([], stdin: session, environment: ["LK_MEMORY_LIMIT": "4G"])
        XCTAssertEqual(r.status, 0, String(r.stderr.suffix(2000)))
        for i in files.indices {
            XCTAssertTrue(r.stdout.contains("alive \(i) 42\n"), "the session did not survive \(files[i].lastPathComponent)")
        }
        XCTAssertFalse(r.stderr.contains("Fatal error"), String(r.stderr.prefix(2000)))
    }

    /// `:reset` returns the workspace to how a session starts: variables gone, built-ins
    /// and `args` (which examples read, so they can be `:load`ed again) still there.
    func testResetKeepsBuiltinsAndArgs() throws {
        let r = try run([], stdin: "x = 1\n:reset\nprint(len(args), sqrt(4))\nx\n")
        XCTAssertEqual(r.stdout, "workspace cleared\n0 2\n")
        XCTAssertTrue(r.stderr.contains("unknown name 'x'"), r.stderr)
    }

    /// The parser records a trailing `;`: it hides the value also before a comment,
    /// and only the last statement's `;` counts.
    func testSemicolonHidesTheValueEvenBeforeAComment() throws {
        let r = try run([], stdin: "x = 3\nx;  # note\nx; x + 1\nx + 2;\n")
        XCTAssertEqual(r.stdout, "4\n")
        XCTAssertEqual(r.stderr, "")
    }

    /// Figure state is the session's: `:reset` forgets an unfinished subplot grid, so
    /// the next plot is drawn on its own instead of joining the old grid.
    func testResetForgetsAnUnfinishedSubplotGrid() throws {
        let dir = try makeTemporaryDirectory("reset-grid")
        let png = dir.appendingPathComponent("after.png").path
        let plotLine = "plot([1, 2, 3], out=\"\(png)\")\n"
        let before = try run([], stdin: "subplot(1, 2)\nplot([1, 2])\n" + plotLine)
        XCTAssertTrue(before.stderr.contains("out= cannot be given to a panel of a subplot grid"), before.stderr)
        let after = try run([], stdin: "subplot(1, 2)\nplot([1, 2])\n:reset\n" + plotLine)
        XCTAssertEqual(after.stderr, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: png))
    }

    func testREPLWithoutATerminalReadsPlainLines() throws {
        let r = try run([], stdin: "x = 3\nx * 2\nf = fn(a,\n b) => a + b\nf(1, 2)\n:vars\nnope\n")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.hasPrefix("6\n3\n"), r.stdout)
        XCTAssertFalse(r.stdout.contains("\u{1b}["), "no escape codes without a terminal")
        XCTAssertTrue(r.stderr.contains("unknown name 'nope'"), r.stderr)
    }
}

/// `lk render`: a notebook script becomes a document.
final class RenderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testRendersTheExpectedMarkdown() throws {
        let out = try makeTemporaryDirectory("render").appendingPathComponent("notebook.md")
        let r = try CLITests.run(["render", Self.fixtures.appendingPathComponent("notebook.lk").path, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let got = try String(contentsOf: out, encoding: .utf8)
        let want = try String(contentsOf: Self.fixtures.appendingPathComponent("notebook.md"), encoding: .utf8)
        XCTAssertEqual(got, want)
    }

    func testAnErrorStopsTheRunButTheDocumentIsWritten() throws {
        let dir = try makeTemporaryDirectory("render")
        let nb = dir.appendingPathComponent("broken.lk")
        try "# %% one\nprint(\"before\")\n# %% two\nzeros(2, 2) @ zeros(3, 3)\n# %% three\nprint(\"never\")\n".write(to: nb, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("broken.md")
        let r = try CLITests.run(["render", nb.path, "-o", out.path])
        XCTAssertEqual(r.status, 70)
        let doc = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(doc.contains("before"))
        XCTAssertTrue(doc.contains("broken.lk:4:1: error: shape mismatch: (2,2) @ (3,3)"), doc)
        XCTAssertFalse(doc.contains("never"))
    }

    func testFiguresBecomeFilesBesideTheDocument() throws {
        let dir = try makeTemporaryDirectory("render")
        let nb = dir.appendingPathComponent("fig.lk")
        try "# %% A figure\nx = linspace(0, 6.28, 50)\nplot(x, sin(x), title=\"sine wave\")\n".write(to: nb, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("fig.md")
        let r = try CLITests.run(["render", nb.path, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(doc.contains("![figure-001.svg](fig_files/figure-001.svg)"), doc)
        let svg = try String(contentsOf: dir.appendingPathComponent("fig_files/figure-001.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("sine wave"))
    }

    /// `-o` is required (nothing is written beside the script unasked), its extension
    /// picks the format, and arguments after the script are its `args`.
    func testOutputIsRequiredAndArgumentsReachTheScript() throws {
        let dir = try makeTemporaryDirectory("render")
        let nb = dir.appendingPathComponent("a.lk")
        try "# %% Arguments\nprint(args)\n".write(to: nb, atomically: true, encoding: .utf8)
        let none = try CLITests.run(["render", nb.path])
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.stderr.contains("give the document to write with -o"), none.stderr)
        XCTAssertEqual(try directoryEntries(dir.path), ["a.lk"])
        let bad = try CLITests.run(["render", nb.path, "-o", dir.appendingPathComponent("a.txt").path])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("the extension picks the format"), bad.stderr)
        let out = dir.appendingPathComponent("out/a.md")
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        let r = try CLITests.run(["render", nb.path, "-o", out.path, "one", "--two"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "lk render: wrote \(out.path)\n")
        XCTAssertTrue(try String(contentsOf: out, encoding: .utf8).contains("[\"one\", \"--two\"]"))
    }

    /// The HTML renders the Markdown people write (by Ink), heads each cell with its
    /// title and wraps long lines instead of hiding them behind a scroll bar.
    func testHTMLRendersMarkdownAndTitles() throws {
        let dir = try makeTemporaryDirectory("render")
        let nb = dir.appendingPathComponent("m.lk")
        try """
        # %% [markdown]
        # Some **bold**, _italic_ and a [link](https://example.org).
        #
        # - one
        # - two
        #
        # | a | b |
        # | --- | --- |
        # | 1 | 2 |

        # %% The title
        print("x")

        """.write(to: nb, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("m.html")
        let r = try CLITests.run(["render", nb.path, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let page = try String(contentsOf: out, encoding: .utf8)
        for want in ["<strong>bold</strong>", "<em>italic</em>", "<a href=\"https://example.org\">link</a>",
                     "<li>one</li>", "<table>", "<h3 class=\"cell-title\">The title</h3>", "white-space:pre-wrap"] {
            XCTAssertTrue(page.contains(want), "\(want) missing from\n\(page)")
        }
        XCTAssertFalse(page.contains("**bold**"))
        XCTAssertFalse(page.contains("overflow-x:auto"))
    }

    /// A notebook renders back to the percent script it came from.
    func testIPYNBRoundTripsToTheScript() throws {
        let dir = try makeTemporaryDirectory("render")
        let ipynb = dir.appendingPathComponent("n.ipynb"), back = dir.appendingPathComponent("n.lk")
        let source = Self.fixtures.appendingPathComponent("notebook.lk")
        XCTAssertEqual(try CLITests.run(["render", source.path, "-o", ipynb.path]).status, 0)
        let r = try CLITests.run(["render", ipynb.path, "-o", back.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOf: back, encoding: .utf8), try String(contentsOf: source, encoding: .utf8))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: ipynb)) as? [String: Any]
        XCTAssertEqual(json?["nbformat"] as? Int, 4)
    }

    /// SVG figures keep the bitmap of a heatmap pixel-sharp when a browser scales it.
    func testSVGHeatmapsStayCrisp() throws {
        let dir = try makeTemporaryDirectory("render")
        let nb = dir.appendingPathComponent("h.lk")
        try "# %% A matrix\nheatmap(reshape(linspace(0, 1, 16), 4, 4))\n".write(to: nb, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["render", nb.path, "-o", dir.appendingPathComponent("h.md").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try String(contentsOf: dir.appendingPathComponent("h_files/figure-001.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("<image style=\"image-rendering:pixelated"), String(svg.prefix(3000)))
    }

    func testHelpMentionsRenderAndKernel() throws {
        let r = try CLITests.run(["--help"])
        XCTAssertTrue(r.stdout.contains("lk render FILE.lk -o OUT.md|OUT.html|OUT.ipynb"), r.stdout)
        XCTAssertTrue(r.stdout.contains("lk kernel install"), r.stdout)
    }

    /// `lk kernel install` writes a kernelspec naming this lk; bad requests are usage errors.
    func testKernelInstallWritesTheKernelspec() throws {
        let dir = try makeTemporaryDirectory("kernelspec")
        let r = try CLITests.run(["kernel", "install", "--prefix", dir.path, "--name", "lk-test"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let spec = dir.appendingPathComponent("share/jupyter/kernels/lk-test/kernel.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: spec)) as? [String: Any]
        XCTAssertEqual(json?["argv"] as? [String], [CLITests.lk.resolvingSymlinksInPath().path, "kernel", "-f", "{connection_file}"])
        XCTAssertEqual(json?["language"] as? String, "lk")
        let both = try CLITests.run(["kernel", "install", "--user", "--prefix", dir.path])
        XCTAssertEqual(both.status, 64)
        let badName = try CLITests.run(["kernel", "install", "--prefix", dir.path, "--name", "../x"])
        XCTAssertNotEqual(badName.status, 0)
        XCTAssertTrue(badName.stderr.contains("is not a kernel name"), badName.stderr)
        let noFile = try CLITests.run(["kernel"])
        XCTAssertEqual(noFile.status, 64)
        XCTAssertTrue(noFile.stderr.contains("lk kernel -f CONNECTION_FILE"), noFile.stderr)
    }

    func testHTMLIsOneSelfContainedPage() throws {
        let out = try makeTemporaryDirectory("render").appendingPathComponent("notebook.html")
        let r = try CLITests.run(["render", Self.fixtures.appendingPathComponent("notebook.lk").path, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let page = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(page.contains("<h1>A small notebook</h1>"))
        XCTAssertTrue(page.contains("<pre class=\"out\">sum: 6\n</pre>"), page)
    }
}
