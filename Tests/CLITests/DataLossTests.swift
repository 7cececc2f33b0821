import Foundation
import LkTestSupport
import XCTest

/// Writes that destroyed data (issue 18's red team): a target that is not a
/// plain file replaced by one, a figure truncated by a full disk, a notebook
/// rendered over itself, a cell's figure overwritten; and a signal that left
/// gnuplot and its files behind. Each runs lk as a user would.
final class DataLossTests: XCTestCase {
    func run(_ args: [String], stdin: String? = nil) throws -> CLITests.Outcome { try CLITests.run(args, stdin: stdin) }

    func fileType(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    /// /dev/null stays the device (as root, a rename replaced it for the whole machine).
    func testDevNullStaysADevice() throws {
        let r = try run(["-e", "savenpy(\"/dev/null\", [1, 2]); writecsv(\"/dev/null\", [1, 2])"])
        let type = fileType("/dev/null")
        if type != S_IFCHR && getuid() == 0 {   // put the machine right before failing
            unlink("/dev/null"); mknod("/dev/null", S_IFCHR | 0o666, dev_t(1 << 8 | 3))
        }
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(type, S_IFCHR)
    }

    /// writecsv to /dev/stdout goes to lk's standard output, in order with what it prints.
    func testWriteToStdoutFollowsPrintedOutput() throws {
        let r = try run(["-e", "print(\"before\"); writecsv(\"/dev/stdout\", [[1, 2], [3, 4]]); print(\"after\")"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "before\n1,2\n3,4\nafter\n")
    }

    /// A FIFO is written into, not replaced by a regular file.
    func testFIFOIsWrittenInto() throws {
        let dir = try makeTemporaryDirectory("fifo")
        let fifo = dir.appendingPathComponent("out.csv").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box(), done = DispatchSemaphore(value: 0)
        Thread { box.data = FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile() ?? Data(); done.signal() }.start()
        let r = try run(["-e", "writecsv(\"\(fifo)\", [[5, 6]])"])
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(String(decoding: box.data, as: UTF8.self), "5,6\n")
        XCTAssertEqual(fileType(fifo), S_IFIFO)
    }

    /// A symlink stays a link; the file it points to gets the new content.
    func testSymlinkTargetIsWritten() throws {
        let dir = try makeTemporaryDirectory("link")
        let real = dir.appendingPathComponent("real.csv").path, link = dir.appendingPathComponent("link.csv").path
        try "old\n".write(toFile: real, atomically: false, encoding: .utf8)
        XCTAssertEqual(symlink("real.csv", link), 0)
        let r = try run(["-e", "writecsv(\"\(link)\", [7])"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(fileType(link), S_IFLNK)
        XCTAssertEqual(try String(contentsOfFile: real, encoding: .utf8), "7\n")
    }

    /// A hard-linked file is written in place: both names see the new content.
    func testHardLinksStayLinked() throws {
        let dir = try makeTemporaryDirectory("hard")
        let a = dir.appendingPathComponent("a.npy").path, b = dir.appendingPathComponent("b.npy").path
        try "old content, longer than the new one will be..................................................................................................................................................".write(toFile: a, atomically: false, encoding: .utf8)
        XCTAssertEqual(link(a, b), 0)
        let r = try run(["-e", "savenpy(\"\(a)\", [1, 2]); print(loadnpy(\"\(b)\"))"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "[1 2]\n")
        var info = stat()
        XCTAssertEqual(stat(a, &info), 0)
        XCTAssertEqual(info.st_nlink, 2)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
    }

    /// A device that fails every write (/dev/full) is an error, never a silent loss.
    func testFullDeviceIsAnError() throws {
        let r = try run(["-e", "writecsv(\"/dev/full\", [1])"])
        XCTAssertEqual(r.status, 70)
        XCTAssertTrue(r.stderr.contains("writecsv: cannot write /dev/full: No space left on device"), r.stderr)
        XCTAssertEqual(fileType("/dev/full"), S_IFCHR)
    }

    /// On a full disk gnuplot writes an empty or truncated figure and says nothing;
    /// the old figure must survive and the plot fail. Needs a small tmpfs: root only.
    func testFullDiskKeepsTheOldFigure() throws {
        try XCTSkipUnless(getuid() == 0, "mounting a small tmpfs needs root")
        let dir = try makeTemporaryDirectory("full")
        guard mount("tmpfs", dir.path, "tmpfs", 0, "size=64k") == 0 else { throw XCTSkip("cannot mount a tmpfs here") }
        defer { umount(dir.path) }
        for ext in ["png", "svg", "pdf"] {
            let figure = dir.appendingPathComponent("f.\(ext)").path
            let first = try run(["-e", "plot(arange(10), out=\"\(figure)\")"])
            XCTAssertEqual(first.status, 0, first.stderr)
        }
        let filler = dir.appendingPathComponent("filler").path
        FileManager.default.createFile(atPath: filler, contents: nil)
        if let h = FileHandle(forWritingAtPath: filler) {
            let block = Data(count: 1024)
            for _ in 0..<256 { do { try h.write(contentsOf: block) } catch { break } }
            try? h.close()
        }
        for ext in ["png", "svg", "pdf"] {
            let figure = dir.appendingPathComponent("f.\(ext)").path
            let before = try Data(contentsOf: URL(fileURLWithPath: figure))
            let r = try run(["-e", "seed(1); plot(randn(5000), out=\"\(figure)\")"])
            XCTAssertEqual(r.status, 70, ext)
            XCTAssertTrue(r.stderr.contains("cannot write \(figure): gnuplot wrote an incomplete file (is the disk full?); the old file is kept"), r.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: figure)), before, ext)
        }
    }

    /// `lk render nb.md -o ./nb.md` (any spelling of the input) is refused.
    func testRenderRefusesToOverwriteItsInput() throws {
        let dir = try makeTemporaryDirectory("render")
        let nb = dir.appendingPathComponent("nb.md").path
        let text = "# %%\nx = 1\nprint(x)\n"
        try text.write(toFile: nb, atomically: false, encoding: .utf8)
        let r = try run(["render", nb, "-o", dir.path + "/./nb.md"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("is the notebook itself"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: nb, encoding: .utf8), text)
    }

    /// A CRLF notebook rendered to an almost empty document ("\r\n" is one Character).
    func testCRLFNotebookRendersItsCells() throws {
        let dir = try makeTemporaryDirectory("render")
        let nb = dir.appendingPathComponent("nb.lk").path, out = dir.appendingPathComponent("nb.md").path
        try "# %% [markdown]\r\n# Title\r\n# %%\r\nx = 2\r\nprint(x * 3)\r\n".write(toFile: nb, atomically: false, encoding: .utf8)
        let r = try run(["render", nb, "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "Title\n\n```lk\nx = 2\nprint(x * 3)\n```\n\n```text\n6\n```\n")
    }

    /// A cell that writes nb_files/figure-002.svg itself keeps it: the automatic
    /// figure of a later cell takes the next free name.
    func testRenderKeepsFiguresACellWrote() throws {
        let dir = try makeTemporaryDirectory("render")
        let nb = dir.appendingPathComponent("nb.lk").path, out = dir.appendingPathComponent("nb.md").path
        try """
        # %%
        plot([1, 2, 3], title="mine", out="\(dir.path)/nb_files/figure-002.svg")
        # %%
        plot([3, 2, 1], title="automatic")
        """.write(toFile: nb, atomically: false, encoding: .utf8)
        let r = try run(["render", nb, "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try directoryEntries(dir.path + "/nb_files")
        XCTAssertEqual(files, ["figure-001.svg", "figure-002.svg", "figure-003.svg"])
        XCTAssertTrue(try String(contentsOfFile: dir.path + "/nb_files/figure-002.svg", encoding: .utf8).contains("mine"))
        XCTAssertTrue(try String(contentsOfFile: dir.path + "/nb_files/figure-003.svg", encoding: .utf8).contains("automatic"))
    }

    /// A CRLF history keeps its entries (it collapsed into one), and a FIFO history
    /// neither blocks the REPL's start (reading it waited for a writer) nor becomes
    /// a regular file. The history is only kept at a terminal: a PTY session.
    func testHistoryCRLFAndFIFO() throws {
        let dir = try makeTemporaryDirectory("history")
        let history = dir.appendingPathComponent("h").path
        try "a = 1\r\nb = 2\r\n".write(toFile: history, atomically: false, encoding: .utf8)
        let s = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": history])
        XCTAssertTrue(s.expect("lk> "), s.transcript)
        s.send("c = 3\r")
        XCTAssertTrue(s.expect("lk> ", after: s.transcript.range(of: "c = 3")?.upperBound), s.transcript)
        s.send("\u{04}")
        XCTAssertEqual(s.waitForExit(), 0)
        // Entries are appended (the file is not rewritten at every Enter): the CRLF lines stay
        // as they were, read as two entries, and the new one follows.
        XCTAssertEqual(try String(contentsOfFile: history, encoding: .utf8), "a = 1\r\nb = 2\r\nc = 3\n")
        let again = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": history])
        XCTAssertTrue(again.expect("lk> "), again.transcript)
        again.send("\u{1b}[A\u{1b}[A")   // two entries back: b = 2
        XCTAssertTrue(again.expect("b = 2", after: again.transcript.range(of: "lk> ")?.upperBound), again.transcript)
        again.send("\u{03}\u{04}")
        _ = again.waitForExit()

        let fifo = dir.appendingPathComponent("fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let f = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": fifo])
        XCTAssertTrue(f.expect("lk> "), "no prompt with a FIFO history: \(f.transcript)")
        f.send("print(40 + 2)\r")
        XCTAssertTrue(f.expect("42"), f.transcript)
        f.send("\u{04}")
        XCTAssertEqual(f.waitForExit(), 0)
        XCTAssertEqual(fileType(fifo), S_IFIFO)
    }

    /// SIGTERM (or SIGHUP) while gnuplot runs: gnuplot's group is killed and the data
    /// directory removed; lk still dies of the signal.
    func testTerminationStopsGnuplotAndRemovesItsFiles() throws {
        for sig in [SIGTERM, SIGHUP] {
            let dir = try makeTemporaryDirectory("term")
            let script = dir.appendingPathComponent("t.lk").path
            try """
            plot(arange(10), out="\(dir.path)/f.png")
            writecsv("\(dir.path)/ready.csv", [1])
            s = 0
            for i in 0..1000000000 { s = s + i }
            """.write(toFile: script, atomically: false, encoding: .utf8)
            let p = Process()
            p.executableURL = CLITests.lk
            p.arguments = [script]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let deadline = Date().addingTimeInterval(30)
            while !FileManager.default.fileExists(atPath: dir.path + "/ready.csv") && Date() < deadline { usleep(20_000) }
            let tmp = NSTemporaryDirectory()
            let plotDirs = { (try? FileManager.default.contentsOfDirectory(atPath: tmp))?.filter { $0.hasPrefix("lk-plot-\(p.processIdentifier)-") } ?? [] }
            XCTAssertEqual(plotDirs().count, 1)
            let gnuplots = childProcesses(of: p.processIdentifier)
            XCTAssertEqual(gnuplots.count, 1)
            kill(p.processIdentifier, sig)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .uncaughtSignal)
            XCTAssertEqual(p.terminationStatus, sig)
            usleep(200_000)
            for g in gnuplots { XCTAssertFalse(isRunning(g), "gnuplot \(g) still runs after signal \(sig)") }
            XCTAssertEqual(plotDirs(), [], "signal \(sig)")
        }
    }

    /// SIGKILL cannot be handled, so a killed lk leaves its data directory: the next lk
    /// that plots removes `lk-plot-<pid>-XXXXXX` when its `pid` file names that pid and
    /// the process is gone, and keeps a live process's directory and one without the file
    /// (not made by lk).
    func testAPlotRemovesTheDataDirectoriesOfKilledLks() throws {
        let tmp = NSTemporaryDirectory()
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = gone.processIdentifier, live = getpid()
        XCTAssertEqual(kill(dead, 0), -1)
        func make(_ name: String, pid: Int32?) throws -> String {
            let dir = tmp + "/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            try Data(repeating: 0, count: 16).write(to: URL(fileURLWithPath: dir + "/data-0.bin"))
            if let pid { try Data("\(pid)\n".utf8).write(to: URL(fileURLWithPath: dir + "/pid")) }
            return dir
        }
        let stale = try make("lk-plot-\(dead)-stale1", pid: dead)
        let alive = try make("lk-plot-\(live)-alive1", pid: live)
        let foreign = try make("lk-plot-\(dead)-nopid1", pid: nil)
        let mismatch = try make("lk-plot-\(dead)-other1", pid: live)
        defer { for d in [stale, alive, foreign, mismatch] { try? FileManager.default.removeItem(atPath: d) } }
        let out = try makeTemporaryDirectory("stale").appendingPathComponent("f.png").path
        let r = try run(["-e", "plot(arange(3), out=\"\(out)\")"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale), "the dead lk's directory is left")
        for kept in [alive, foreign, mismatch] { XCTAssertTrue(FileManager.default.fileExists(atPath: kept + "/data-0.bin"), kept) }
    }

    /// Pids whose parent is `pid` (Linux: /proc/*/stat).
    func childProcesses(of pid: Int32) -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }

    /// Alive and not a zombie (a killed child may wait for a reaper).
    func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }
}
