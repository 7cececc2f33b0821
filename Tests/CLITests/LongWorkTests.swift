import Foundation
import XCTest
import LkTestSupport

/// Long computations at a real prompt (issue 15): Ctrl-C stops each long built-in and
/// keeps the workspace and the partial result, a second Ctrl-C does not end the
/// session, `:save`/`:restore` keep everything, and the progress line shows on a
/// terminal only. Latencies are measured by Benchmarks/interrupt-latency, not here:
/// these tests allow seconds, so a slow CI machine does not fail them.
final class LongWorkTests: XCTestCase {
    var historyFile = ""

    override func setUp() {
        historyFile = FileManager.default.temporaryDirectory.appendingPathComponent("lk-history-\(UUID().uuidString)").path
    }

    override func tearDown() {
        unlink(historyFile)
        unlink(historyFile + ".lock")
    }

    func session(_ environment: [String: String] = [:]) throws -> PTYSession {
        let s = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": historyFile].merging(environment) { $1 })
        XCTAssertTrue(s.expect("lk> "), "no prompt: \(s.transcript)")
        return s
    }

    /// Types a line and waits for the prompt after its echo.
    @discardableResult
    func type(_ s: PTYSession, _ line: String, timeout: Double = 60) -> Bool {
        let mark = s.end
        s.send(line + "\r")
        // The echo ends with the line's last characters (shorter than a terminal row, so never wrapped).
        let tail = String(line.suffix(12))
        guard s.expect(tail, after: mark, timeout: timeout),
              let echoed = s.transcript.range(of: tail, range: mark..<s.transcript.endIndex) else { return false }
        return s.expect("lk> ", after: echoed.upperBound, timeout: timeout)
    }

    /// The text printed after typing `line` (up to the next prompt).
    func value(_ s: PTYSession, _ line: String) -> String {
        let mark = s.end
        XCTAssertTrue(type(s, line), s.transcript)
        return String(s.transcript[mark...])
    }

    /// Starts `call`, presses Ctrl-C after `delay` seconds, and expects `interrupted`.
    func interrupt(_ s: PTYSession, _ call: String, delay: Double = 1.5, file: StaticString = #filePath, line: UInt = #line) {
        s.send(call + "\r")
        usleep(UInt32(delay * 1e6))
        let mark = s.end
        XCTAssertFalse(s.transcript[mark...].contains("lk> "), "\(call) finished before Ctrl-C: make it longer", file: file, line: line)
        s.send("\u{03}")
        XCTAssertTrue(s.expect("interrupted", after: mark, timeout: 10), s.transcript, file: file, line: line)
        XCTAssertTrue(s.expect("lk> ", after: mark, timeout: 10), s.transcript, file: file, line: line)
    }

    func testCtrlCInTrainKeepsTheNetAndTheLossSoFar() throws {
        let s = try session()
        type(s, "kept = 41")
        type(s, "net = mlp([20, 512, 512, 1], seed=1);")
        type(s, "X = randn(4000, 20); Y = randn(4000, 1);")
        interrupt(s, "res = train(net, X, Y, steps=1000000, lr=0.01)")
        XCTAssertTrue(s.transcript.contains("partial result is kept"), s.transcript)
        XCTAssertTrue(value(s, "kept + 1").contains("42"), s.transcript)
        XCTAssertTrue(value(s, "res.interrupted").contains("true"), s.transcript)
        // The loss so far: at least one step, far fewer than asked, every one finite; the net is usable.
        let out = value(s, "print(res.loss.shape[0] > 0, res.loss.shape[0] < 1000000, sum(isfinite(res.loss)) == res.loss.shape[0], forward(res.net, X[0:2]).shape)")
        XCTAssertTrue(out.contains("true true true [2 1]"), out)
    }

    /// The live figure of an interrupted run is drawn a last time with the steps it kept.
    func testCtrlCInALiveTrainDrawsTheCurveSoFar() throws {
        let figure = FileManager.default.temporaryDirectory.appendingPathComponent("lk-live-\(UUID().uuidString).svg").path
        defer { unlink(figure) }
        let s = try session()
        type(s, "net = mlp([20, 256, 256, 1], seed=1);")
        type(s, "X = randn(4000, 20); Y = randn(4000, 1);")
        let pressed = Date()
        interrupt(s, "res = train(net, X, Y, steps=1000000, lr=0.01, live=\"\(figure)\")", delay: 2.0)
        XCTAssertTrue(value(s, "res.interrupted").contains("true"), s.transcript)
        let svg = (try? String(contentsOfFile: figure, encoding: .utf8)) ?? ""
        XCTAssertTrue(svg.contains("</svg>"), "no complete figure after Ctrl-C: \(svg.suffix(200))")
        // Drawn once more after Ctrl-C (the loop draws no more once it has stopped).
        let modified = (try? FileManager.default.attributesOfItem(atPath: figure)[.modificationDate] as? Date) ?? .distantPast
        XCTAssertGreaterThan(modified.timeIntervalSince(pressed), 2.0, "the figure was not drawn after Ctrl-C")
    }

    func testCtrlCInNtkAndInALargeProductKeepsTheWorkspace() throws {
        let s = try session()
        type(s, "kept = 41")
        type(s, "X = randn(4000, 10);")
        interrupt(s, "K = ntk(X, depth=3, act=\"tanh\")")
        type(s, "A = randn(3000, 3000);")
        interrupt(s, "B = A @ A @ A @ A @ A @ A @ A @ A @ A @ A @ A @ A", delay: 1.0)
        XCTAssertTrue(value(s, "kept + 1").contains("42"), s.transcript)
        XCTAssertTrue(value(s, "A.shape").contains("[3000 3000]"), s.transcript)
    }

    func testCtrlCInDdsReturnsTheStepsSoFar() throws {
        let s = try session()
        type(s, "kept = 41")
        type(s, "P = rand(20000, 32, 32); p = empiricalprior(P);")   // ~8 s of dds: still running 2 s in on a fast machine
        type(s, "op = mriop(32, accel=4, seed=0); y = op.forward(P[0]);")
        interrupt(s, "res = dds(y, op, p, steps=1000, seed=1)")
        XCTAssertTrue(value(s, "res.interrupted").contains("true"), s.transcript)
        let out = value(s, "print(res.x.shape, res.history.t.shape[0] > 0, res.history.t.shape[0] == res.history.residual.shape[0])")
        XCTAssertTrue(out.contains("[32 32] true true"), out)
        XCTAssertTrue(value(s, "kept + 1").contains("42"), s.transcript)
    }

    /// A single LAPACK call cannot poll, so a large one runs on a thread of its own:
    /// Ctrl-C returns at once (the call is abandoned) and the workspace is kept.
    func testCtrlCInOneLargeLapackCallReturnsAtOnce() throws {
        let s = try session()
        type(s, "kept = 41")
        type(s, "M = randn(3500, 3500); S = M + M.T;")   // eigh: ~15 s on this class of machine
        // interrupt() waits at most 10 s for `interrupted`, less than the call itself takes.
        interrupt(s, "E = eigh(S)", delay: 1.0)
        XCTAssertTrue(value(s, "kept + 1").contains("42"), s.transcript)
        XCTAssertTrue(value(s, "E").contains("unknown name 'E'"), s.transcript)
        XCTAssertTrue(value(s, "print(det(eye(3) * 2))").contains("8"), s.transcript)
    }

    /// A call that cannot be stopped (here: one LAPACK call with abandoning turned
    /// off): a second Ctrl-C says so and the session stays.
    func testASecondCtrlCDoesNotEndTheSession() throws {
        let s = try session(["LK_ABANDONABLE_WORK": "inf"])
        type(s, "kept = 41")
        type(s, "M = randn(2500, 2500); S = M + M.T;")
        s.send("E = eigh(S)\r")
        usleep(400_000)
        let mark = s.end
        s.send("\u{03}")
        usleep(200_000)
        s.send("\u{03}")
        XCTAssertTrue(s.expect("still stopping", after: mark, timeout: 10), s.transcript)
        // The REPL's own line (the message above also says "interrupted").
        XCTAssertTrue(s.expect("\ninterrupted", after: mark, timeout: 120), s.transcript)
        XCTAssertTrue(s.expect("lk> ", after: mark, timeout: 30), s.transcript)
        XCTAssertTrue(value(s, "kept + 1").contains("42"), s.transcript)
        XCTAssertNil(s.waitForExit(timeout: 0.5), "the REPL ended")
    }

    func testProgressShowsOnATerminal() throws {
        let s = try session()
        let mark = s.end
        XCTAssertTrue(type(s, "t = 0; for i in progress(0..3e7, label=\"summing\") { t += 1 }", timeout: 120), s.transcript)
        let out = String(s.transcript[mark...])
        XCTAssertTrue(out.contains("summing") && out.contains("it/s") && out.contains("/30000000"), out)
        s.send("\u{03}")
    }

    func testProgressIsAbsentInAPipeAndUnderRenderUnlessAsked() throws {
        let loop = "t = 0; for i in progress(0..3e6) { t += 1 }; print(t)"
        let quiet = try CLITests.run(["-e", loop])
        XCTAssertEqual(quiet.status, 0)
        XCTAssertEqual(quiet.stdout, "3000000\n")
        XCTAssertEqual(quiet.stderr, "", "no progress line in a pipe")
        let asked = try CLITests.run(["-e", loop], environment: ["LK_PROGRESS": "1", "LK_PROGRESS_DELAY": "0"])
        XCTAssertEqual(asked.stdout, "3000000\n")
        XCTAssertTrue(asked.stderr.contains("3000000/3000000") && asked.stderr.contains("it/s"), asked.stderr)
    }

    func testAnInterruptedScriptExits130() throws {
        let p = Process()
        p.executableURL = CLITests.lk
        p.arguments = ["-e", "kept = 1; while true { kept += 1 }"]
        p.standardOutput = Pipe(); let err = Pipe(); p.standardError = err
        try p.run()
        usleep(500_000)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertTrue(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("interrupted"))
    }

    /// A script stopped inside one large LAPACK call exits at once, though the call
    /// still runs on its thread (OpenBLAS's exit handler would wait for it forever).
    func testAScriptInterruptedInALapackCallExitsAtOnce() throws {
        let p = Process()
        p.executableURL = CLITests.lk
        p.arguments = ["-e", "M = randn(3500, 3500); S = M + M.T; E = eigh(S)"]   // eigh: ~15 s
        p.standardOutput = Pipe(); let err = Pipe(); p.standardError = err
        try p.run()
        usleep(2_500_000)   // inside eigh
        kill(p.processIdentifier, SIGINT)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { p.waitUntilExit(); done.signal() }
        // A deadline shorter than the rest of the call: waiting for LAPACK (or hanging in
        // OpenBLAS's exit handler, as before) misses it.
        if done.wait(timeout: .now() + 8) == .timedOut { kill(p.processIdentifier, SIGKILL); XCTFail("lk did not exit after Ctrl-C"); return }
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertTrue(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("interrupted"))
    }

    /// Measuring the text of a huge nested list (str, print, the REPL's echo) stops at
    /// Ctrl-C: it used to walk on until the memory limit (a minute for 12 GB).
    func testMeasuringAHugeListsTextStopsAtCtrlC() throws {
        let p = Process()
        p.executableURL = CLITests.lk
        p.arguments = ["-e", "a = [\"ab\"]; for i in 0..40 { a = [a, a] }; print(\"built\"); s = str(a)"]
        p.environment = ProcessInfo.processInfo.environment.merging(["LK_MEMORY_LIMIT": "1T"]) { $1 }
        let out = Pipe(); p.standardOutput = out; let err = Pipe(); p.standardError = err
        try p.run()
        usleep(1_500_000)   // the list takes 40 steps to build: str is walking by now
        kill(p.processIdentifier, SIGINT)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { p.waitUntilExit(); done.signal() }
        // At a 1 TB limit the walk would run for many minutes.
        if done.wait(timeout: .now() + 10) == .timedOut { kill(p.processIdentifier, SIGKILL); XCTFail("str kept walking after Ctrl-C"); return }
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "built\n")
        XCTAssertTrue(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("interrupted"))
    }

    // MARK: :save and :restore

    func testSaveAndRestoreRoundTripEveryKindOfValue() throws {
        let dir = try makeTemporaryDirectory("ws")
        let file = dir.appendingPathComponent("all.npz").path
        let first = """
        X = [[1.5, -2], [nan, inf]]
        m = X > 0
        n = -0.1
        big = 1e300
        b = false
        s = "héllo \\"quoted\\" {}"
        nothing = none
        l = [1, "a", [X, 3], {k: 5}]
        r = {a: 1, b: [true, 2], c: {d: X}}
        fn add(a, b=2) { return a + b }
        fn fact(k) { if k <= 1 { return 1 }; return k * fact(k - 1) }
        sq = fn(x) => x * x
        act = relu
        net = mlp([2, 3, 1], seed=4)
        :save \(file)
        """
        let saved = try CLITests.run([], stdin: first + "\n")
        XCTAssertTrue(saved.stdout.contains("saved 14 variables"), saved.stdout + saved.stderr)
        let second = """
        :restore \(file)
        print(X, m, n, big, b, s, nothing)
        print(l, r.b, r.c.d[1])
        print(add(1), add(1, b=5), fact(6), sq(3), act(-1))
        print(forward(net, [[0.5, -1]]) == forward(mlp([2, 3, 1], seed=4), [[0.5, -1]]))
        """
        let restored = try CLITests.run([], stdin: second + "\n")
        XCTAssertEqual(restored.stderr, "")
        let lines = restored.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("restored 14 variables") ?? false, restored.stdout)
        XCTAssertTrue(restored.stdout.contains("[[ 1.5 -2. ]\n [ nan  inf]] [[ true false]\n [false  true]] -0.1 1e+300 false héllo \"quoted\" {} none"), restored.stdout)
        XCTAssertTrue(restored.stdout.contains("[1, \"a\", [tensor (2,2), 3], {k: 5}] [1 2] [nan inf]"), restored.stdout)
        XCTAssertTrue(restored.stdout.contains("3 6 720 9 0\n"), restored.stdout)
        XCTAssertTrue(restored.stdout.contains("[[true]]"), restored.stdout)
        // NumPy reads the tensors of the same file.
        let py = Process()
        py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        py.arguments = ["python3", "-c", "import numpy as np, sys; d = np.load(sys.argv[1]); print(sorted(d.files)); print(d['X'].tolist())", file]
        let out = Pipe(); py.standardOutput = out
        try py.run(); py.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(text.contains("'X'") && text.contains("'r.c.d'") && text.contains("[[1.5, -2.0], [nan, inf]]"), text)
    }

    /// A kill during `:save` leaves the previous file whole (the write goes to a
    /// temporary file that is renamed over it only when complete).
    func testAKillDuringSaveLeavesThePreviousFile() throws {
        let dir = try makeTemporaryDirectory("ws")
        let file = dir.appendingPathComponent("w.npz").path
        let small = try CLITests.run([], stdin: "marker = 7\n:save \(file)\n")
        XCTAssertTrue(small.stdout.contains("saved 1 variable"), small.stdout)
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        for delay in [100_000, 300_000, 600_000] as [UInt32] {
            let s = try session()
            XCTAssertTrue(type(s, "marker = 8; big = randn(3000, 3000); more = [big, big + 1, big * 2];", timeout: 60), s.transcript)
            s.send(":save \(file)\r")
            usleep(delay)
            kill(s.pid, SIGKILL)
            _ = s.waitForExit(timeout: 5)
            let now = try Data(contentsOf: URL(fileURLWithPath: file))
            if now != before {
                // The save finished before the kill: then the new file is whole.
                let r = try CLITests.run([], stdin: ":restore \(file)\nprint(marker, big.shape)\n")
                XCTAssertTrue(r.stdout.contains("8 [3000 3000]"), r.stdout + r.stderr)
                return
            }
            let r = try CLITests.run([], stdin: ":restore \(file)\nprint(marker)\n")
            XCTAssertTrue(r.stdout.contains("restored 1 variable") && r.stdout.hasSuffix("7\n"), r.stdout + r.stderr)
        }
        // No temporary file was left to look like a workspace.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(names, ["w.npz"])
    }

    func testRestoringSomethingElseSaysWhat() throws {
        let dir = try makeTemporaryDirectory("ws")
        let file = dir.appendingPathComponent("not.npz").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: file))
        let r = try CLITests.run([], stdin: ":restore \(file)\n:restore \(dir.path)/missing.npz\n")
        XCTAssertTrue(r.stdout.contains("not a workspace file") || r.stderr.contains("not a workspace file"), r.stdout + r.stderr)
        XCTAssertTrue((r.stdout + r.stderr).contains("missing.npz"), r.stdout + r.stderr)
    }
}

/// Scripts find their data beside them and write figures where they are run (issue 15, item 6).
final class ScriptPathTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func run(_ args: [String], in dir: URL, environment: [String: String] = [:]) throws -> CLITests.Outcome {
        let p = Process()
        p.executableURL = CLITests.lk
        p.arguments = args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if environment["LK_FIGURES"] == nil { env.removeValue(forKey: "LK_FIGURES") }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        nonisolated(unsafe) var e = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); drained.signal() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait(); p.waitUntilExit()
        return CLITests.Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func testARelativeReadPathIsTheScriptsFolderFirstThenTheWorkingDirectory() throws {
        let scripts = try makeTemporaryDirectory("paths-script"), elsewhere = try makeTemporaryDirectory("paths-cwd")
        try "1,2\n3,4\n".write(to: scripts.appendingPathComponent("beside.csv"), atomically: true, encoding: .utf8)
        try "5,6\n".write(to: elsewhere.appendingPathComponent("here.csv"), atomically: true, encoding: .utf8)
        let script = scripts.appendingPathComponent("s.lk")
        try """
        print(sum(readcsv("beside.csv")))
        print(sum(readcsv("here.csv")))
        writecsv("written.csv", [7, 8])
        print(sum(readcsv("written.csv")))
        """.write(to: script, atomically: true, encoding: .utf8)
        let r = try run([script.path], in: elsewhere)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "10\n11\n15\n")
        // Written files go to the working directory, not beside the script.
        XCTAssertTrue(FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("written.csv").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scripts.appendingPathComponent("written.csv").path))
    }

    /// Every example that writes a figure takes its folder from figdir() (LK_FIGURES,
    /// else ./figures, else its argument) — never a fixed folder such as /tmp.
    func testEveryExampleThatDrawsUsesFigdir() throws {
        let folder = Self.repository.appendingPathComponent("Examples")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".lk") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.joined(separator: "\n")
            guard text.contains("out=") || text.contains("savefig(") else { continue }
            XCTAssertTrue(text.contains("figdir("), "\(name) writes figures but does not take its folder from figdir()")
        }
    }

    func testExamplesRunFromAnotherFolderAndNameTheirFigureFolder() throws {
        let cwd = try makeTemporaryDirectory("examples-cwd")
        for example in ["compass", "relreps"] {
            let path = Self.repository.appendingPathComponent("Examples/\(example).lk").path
            let r = try run([path], in: cwd)
            XCTAssertEqual(r.status, 0, "\(example): \(r.stderr)")
            let figures = cwd.appendingPathComponent("figures").resolvingSymlinksInPath().path
            XCTAssertTrue(r.stdout.contains("figures go to \(figures)") || r.stdout.contains("figures go to \(cwd.appendingPathComponent("figures").path)"), r.stdout)
            let written = try FileManager.default.contentsOfDirectory(atPath: cwd.appendingPathComponent("figures").path)
            XCTAssertTrue(written.contains { $0.hasPrefix(example) && $0.hasSuffix(".png") }, "\(written)")
        }
        // LK_FIGURES names another folder, created if missing.
        let other = cwd.appendingPathComponent("elsewhere/figs")
        let path = Self.repository.appendingPathComponent("Examples/compass.lk").path
        let r = try run([path], in: cwd, environment: ["LK_FIGURES": other.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: other.path).contains("compass-walk.png"))
    }
}
