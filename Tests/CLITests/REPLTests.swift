import Foundation
import XCTest

/// The real REPL on a pseudo-terminal: what a person at the prompt sees.
final class REPLTests: XCTestCase {
    var historyFile = ""

    override func setUp() {
        historyFile = FileManager.default.temporaryDirectory.appendingPathComponent("lk-history-\(UUID().uuidString)").path
    }

    override func tearDown() { unlink(historyFile) }

    func session() throws -> PTYSession {
        let s = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": historyFile])
        XCTAssertTrue(s.expect("lk> "), "no prompt: \(s.transcript)")
        return s
    }

    func testTypingAnExpressionPrintsItsValue() throws {
        let s = try session()
        let mark = s.end
        s.send("x = [1, 2, 3]\r")
        s.send("x * 2\r")
        XCTAssertTrue(s.expect("[2 4 6]", after: mark), s.transcript)
        s.send("y = 5;\r_ + 1\r")
        XCTAssertTrue(s.expect("\n5\r\n", after: mark) || s.expect("5", after: mark), s.transcript)
    }

    func testHistoryPersistsAcrossSessionsAndUpRecallsByPrefix() throws {
        do {
            let first = try session()
            first.send("marker_value = 42\r")
            first.send("other = 1\r")
            XCTAssertTrue(first.expect("lk> other = 1"))
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

    func testCtrlRSearchesBackwards() throws {
        let s = try session()
        s.send("unique_name = 5\r")
        s.send("other = 1\r")
        XCTAssertTrue(s.expect("lk> other = 1"))
        let mark = s.end
        s.send("\u{12}uniq")   // Ctrl-R, then the search text
        XCTAssertTrue(s.expect("unique_name", after: mark), s.transcript)
        s.send("\r")
        s.send("unique_name * 3\r")
        XCTAssertTrue(s.expect("15", after: mark), s.transcript)
    }
}
