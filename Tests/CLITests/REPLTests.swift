import Foundation
import XCTest
import LkTestSupport

/// The real REPL on a pseudo-terminal: what a person at the prompt sees.
final class REPLTests: XCTestCase {
    var historyFile = ""

    override func setUp() {
        historyFile = FileManager.default.temporaryDirectory.appendingPathComponent("lk-history-\(UUID().uuidString)").path
    }

    override func tearDown() {
        unlink(historyFile)
        unlink(historyFile + ".lock")
    }

    func session() throws -> PTYSession {
        let s = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": historyFile])
        XCTAssertTrue(s.expect("lk> "), "no prompt: \(s.transcript)")
        return s
    }

    /// Waits for `echo`, then for the prompt after it. lk reads keys raw only at
    /// the prompt; a Ctrl-D or Ctrl-R sent while it still handles the previous
    /// input (saving it to the history, running it) meets the terminal in
    /// cooked mode, which swallows it.
    func awaitPrompt(_ s: PTYSession, after echo: String) -> Bool {
        guard s.expect(echo), let r = s.transcript.range(of: echo, options: .backwards) else { return false }
        return s.expect("lk> ", after: r.upperBound)
    }

    func testTypingAnExpressionPrintsItsValue() throws {
        let s = try session()
        let mark = s.end
        s.send("x = [1, 2, 3]\r")
        s.send("x * 2\r")
        XCTAssertTrue(s.expect("[2 4 6]", after: mark), s.transcript)
        // `_` is the last value; every value below is one the typed input does not contain,
        // so the echo of the input cannot satisfy the check.
        s.send("_ + 1\r")
        XCTAssertTrue(s.expect("[3 5 7]", after: mark), s.transcript)
        // An assignment has no value and leaves `_` alone …
        s.send("y = 5\r_ * 10\r")
        XCTAssertTrue(s.expect("[30 50 70]", after: mark), s.transcript)
        // … and a value whose echo `;` suppresses still becomes `_`.
        let quiet = s.end
        s.send("40;\r_ + 2\r")
        XCTAssertTrue(s.expect("42", after: quiet), s.transcript)
        XCTAssertFalse(s.transcript[quiet...].contains("\n40\r\n"), "`40;` should print nothing: \(s.transcript)")
    }

    func testHistoryPersistsAcrossSessionsAndUpRecallsByPrefix() throws {
        do {
            let first = try session()
            first.send("marker_value = 42\r")
            first.send("other = 1\r")
            XCTAssertTrue(awaitPrompt(first, after: "lk> other = 1"), first.transcript)
            first.send("\u{04}")   // Ctrl-D
            XCTAssertEqual(first.waitForExit(), 0)
        }
        let second = try session()
        let mark = second.end
        // "mar" then Up: the last entry that starts with "mar", not the last entry.
        second.send("mar")
        XCTAssertTrue(second.expect("mar", after: mark))
        second.send("\u{1b}[A")
        // The editor redraws only what changed after "mar".
        XCTAssertTrue(second.expect("ker_value = 42", after: mark), second.transcript)
        second.send("\r")
        second.send("marker_value + 1\r")
        XCTAssertTrue(second.expect("43", after: mark), second.transcript)
    }

    func testMultiLineInputIsOneHistoryEntry() throws {
        let s = try session()
        let mark = s.end
        s.send("fn add(a,\r")
        XCTAssertTrue(s.expect("... ", after: mark), s.transcript)
        s.send("  b) => a + b\r")
        s.send("add(2, 3)\r")
        XCTAssertTrue(s.expect("5", after: mark), s.transcript)
        let saved = try String(contentsOfFile: historyFile, encoding: .utf8)
        XCTAssertTrue(saved.contains("fn add(a,\\n  b) => a + b\n"), saved)
    }

    func testTabCompletesFieldsNamesAndKeywords() throws {
        let s = try session()
        let mark = s.end
        s.send("rec = {alpha: 41, beta: 2}\r")
        s.send("rec.al\t + 1\r")
        XCTAssertTrue(s.expect("42", after: mark), s.transcript)
        s.send("lins\t(0, 1, 3)\r")
        XCTAssertTrue(s.expect("[0.  0.5 1. ]", after: mark), s.transcript)
    }

    func testCtrlCStopsATightLoopAndKeepsTheWorkspace() throws {
        let s = try session()
        s.send("kept = 7\r")
        s.send("n = 0\r")
        s.send("while 1 { n += 1 }\r")
        usleep(500_000)
        let mark = s.end
        s.send("\u{03}")
        XCTAssertTrue(s.expect("interrupted", after: mark, timeout: 5), s.transcript)
        s.send("kept + 1\r")
        XCTAssertTrue(s.expect("8", after: mark), s.transcript)
        s.send("n > 0\r")
        XCTAssertTrue(s.expect("true", after: mark), s.transcript)
    }

    func testCtrlCStopsALongBuiltin() throws {
        let s = try session()
        s.send("kept = 11\r")
        XCTAssertTrue(s.expect("kept = 11"))
        s.send("X = randn(100000, 20)\r")
        // Wait for the prompt after randn: it is one step, not the loop under test.
        XCTAssertTrue(s.expect("randn(100000, 20)"))
        let echoed = s.transcript.range(of: "randn(100000, 20)")!.upperBound
        XCTAssertTrue(s.expect("lk> ", after: echoed), s.transcript)
        usleep(200_000)
        s.send("km = kmeans(X, 200, iters=100000)\r")
        usleep(700_000)
        let mark = s.end
        s.send("\u{03}")
        XCTAssertTrue(s.expect("interrupted", after: mark, timeout: 5), s.transcript)
        s.send("kept * 2\r")
        XCTAssertTrue(s.expect("22", after: mark), s.transcript)
    }

    func testCtrlCAtThePromptAbandonsTheLine() throws {
        let s = try session()
        let mark = s.end
        s.send("this is not lk code")
        XCTAssertTrue(s.expect("lk code", after: mark))
        s.send("\u{03}")
        XCTAssertTrue(s.expect("^C", after: mark))
        usleep(200_000)
        s.send("1 + 1\r")
        XCTAssertTrue(s.expect("2", after: mark), s.transcript)
        XCTAssertFalse(s.transcript[mark...].contains("error"), s.transcript)
    }

    func testHelpShowsTheDocString() throws {
        let s = try session()
        let mark = s.end
        s.send(":help svd\r")
        XCTAssertTrue(s.expect("singular value decomposition", after: mark), s.transcript)
        s.send("?eigh\r")
        XCTAssertTrue(s.expect("Eigenvalues", after: mark), s.transcript)
        s.send(":vras\r")
        XCTAssertTrue(s.expect("did you mean :vars?", after: mark), s.transcript)
    }

    func testCtrlDExits() throws {
        let s = try session()
        s.send("\u{04}")
        XCTAssertEqual(s.waitForExit(), 0)
    }

    func testTwoREPLsShareOneHistoryFileWithoutLosingEntries() throws {
        let a = try session(), b = try session()
        for i in 0..<15 {
            a.send("a\(i) = \(i)\r")
            b.send("b\(i) = \(i)\r")
        }
        XCTAssertTrue(a.expect("a14 = 14"))
        XCTAssertTrue(b.expect("b14 = 14"))
        usleep(300_000)
        let lines = try String(contentsOfFile: historyFile, encoding: .utf8).split(separator: "\n").map(String.init)
        for i in 0..<15 {
            XCTAssertTrue(lines.contains("a\(i) = \(i)"), "a\(i) missing: \(lines)")
            XCTAssertTrue(lines.contains("b\(i) = \(i)"), "b\(i) missing: \(lines)")
        }
        XCTAssertEqual(lines.count, 30, "no interleaved or torn lines: \(lines)")
    }

    /// Every history write appends one whole line (issue 18: rewriting the whole file at
    /// each Enter took 18 s to the prompt with a 200 MB history): a reader polling the
    /// file never sees anything but whole entries; the file keeps its inode, its
    /// permissions, and no temporary file is left beside it.
    func testEveryHistoryWriteAppendsAWholeLine() throws {
        let dir = try makeTemporaryDirectory("history-dir")
        let file = dir.appendingPathComponent("history").path
        let old = (0..<20).map { "old\($0)" }
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data((old.joined(separator: "\n") + "\n").utf8)))
        XCTAssertEqual(chmod(file, 0o640), 0)
        var before = stat()
        XCTAssertEqual(stat(file, &before), 0)

        // A reader polling the file while the REPL writes it.
        let inputs = (1...5).map { "\($0) * 1000 + 7" }   // values 1007, 2007, …: not in the echoed input
        /// Shared with the reader thread; the lock keeps it free of data races.
        final class Watch: @unchecked Sendable {
            private let lock = NSLock()
            private var stopped = false, count = 0, torn: [String] = []
            func locked<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }
            var stop: Bool { get { locked { stopped } } set { locked { stopped = newValue } } }
            var reads: Int { locked { count } }
            var bad: [String] { locked { torn } }
            func read(_ problem: String?) { locked { count += 1; if let problem { torn.append(problem) } } }
        }
        let watch = Watch()
        let reader = Thread {
            while !watch.stop {
                guard let data = FileManager.default.contents(atPath: file) else { watch.read("<missing>"); continue }
                let text = String(decoding: data, as: UTF8.self)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                let whole = text.hasSuffix("\n") && (20...25).contains(lines.count)
                    && lines.allSatisfy { old.contains(String($0)) || inputs.contains(String($0)) }
                watch.read(whole ? nil : text)
            }
        }
        reader.start()
        // A bound of 30 with 20 lines on file: appended to, never trimmed.
        let s = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": file, "LK_HISTORY_SIZE": "30"])
        XCTAssertTrue(s.expect("lk> "), s.transcript)
        for (i, input) in inputs.enumerated() {
            let mark = s.end
            s.send(input + "\r")
            // The entry is saved before the input runs, so once its value shows, the write is done.
            XCTAssertTrue(s.expect("\((i + 1) * 1000 + 7)", after: mark), s.transcript)
        }
        watch.stop = true
        while !reader.isFinished { usleep(1000) }
        XCTAssertEqual(watch.bad, [], "a reader saw a torn or truncated history")
        XCTAssertGreaterThan(watch.reads, 0)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, old + inputs)
        var st = stat()
        XCTAssertEqual(stat(file, &st), 0)
        XCTAssertEqual(st.st_ino, before.st_ino, "appended to, not replaced")
        XCTAssertEqual(st.st_mode & 0o777, 0o640, "the history keeps its permissions")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["history", "history.lock"])
    }

    /// A history longer than its bound is trimmed to the newest entries by the first
    /// entry (from its tail: the cost does not grow with the file), replacing it whole;
    /// then entries are appended until it holds twice the bound. A last line cut off (no
    /// line end) is ended before the next entry.
    func testTheHistoryIsTrimmedPastTwiceItsBoundAndTornTailsAreEnded() throws {
        let dir = try makeTemporaryDirectory("history-trim")
        let file = dir.appendingPathComponent("history").path
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data((0..<10).map { "e\($0)" }.joined(separator: "\n").utf8 + Data("\ntor".utf8))))
        var before = stat()
        XCTAssertEqual(stat(file, &before), 0)
        let s = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": file, "LK_HISTORY_SIZE": "3"])
        XCTAssertTrue(s.expect("lk> "), s.transcript)
        var mark = s.end
        s.send("6 * 7\r")
        XCTAssertTrue(s.expect("42", after: mark), s.transcript)
        // 11 lines > 3: replaced whole by the newest 3 (the torn "tor" counts as one).
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "e9\ntor\n6 * 7\n")
        var st = stat()
        XCTAssertEqual(stat(file, &st), 0)
        XCTAssertNotEqual(st.st_ino, before.st_ino, "the trim replaces the file")
        // A cut-off last line gets its line end before the next entry is appended.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        h.seekToEndOfFile(); h.write(Data("cut".utf8)); try h.close()
        mark = s.end
        s.send("6 * 8\r")
        XCTAssertTrue(s.expect("48", after: mark), s.transcript)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "e9\ntor\n6 * 7\ncut\n6 * 8\n")
    }

    /// A history that is a symbolic link (into a dotfiles repository, say) is
    /// replaced where the link points; the link stays a link.
    func testASymlinkedHistoryStaysALink() throws {
        let dir = try makeTemporaryDirectory("history-link")
        let real = dir.appendingPathComponent("real").path, link = dir.appendingPathComponent("link").path
        XCTAssertTrue(FileManager.default.createFile(atPath: real, contents: Data("before\n".utf8)))
        XCTAssertEqual(symlink(real, link), 0)
        let s = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": link])
        XCTAssertTrue(s.expect("lk> "), s.transcript)
        let mark = s.end
        s.send("6 * 7\r")
        XCTAssertTrue(s.expect("42", after: mark), s.transcript)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), real)
        XCTAssertEqual(try String(contentsOfFile: real, encoding: .utf8), "before\n6 * 7\n")
    }

    func testANewHistoryFileIsPrivate() throws {
        let s = try session()
        let mark = s.end
        s.send("7 * 6\r")
        XCTAssertTrue(s.expect("42", after: mark), s.transcript)
        var st = stat()
        XCTAssertEqual(stat(historyFile, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }

    func testCtrlRSearchesBackwards() throws {
        let s = try session()
        s.send("unique_name = 5\r")
        s.send("other = 1\r")
        XCTAssertTrue(awaitPrompt(s, after: "lk> other = 1"), s.transcript)
        let mark = s.end
        // Ctrl-R, then the search text once libedit shows its search prompt (typed at once,
        // on a loaded machine the text could arrive before the search mode had started).
        s.send("\u{12}")
        usleep(300_000)
        s.send("uniq")
        XCTAssertTrue(s.expect("unique_name", after: mark), s.transcript)
        s.send("\r")
        s.send("unique_name * 3\r")
        XCTAssertTrue(s.expect("15", after: mark), s.transcript)
    }
}
