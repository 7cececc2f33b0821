import Foundation
import XCTest

/// Text figures redrawn in place in a real terminal: a loop drawing with
/// `update=true`, and a live training curve.
final class LiveFigureTests: XCTestCase {
    /// Cursor up N lines to the start of the line, then clear to the end of the screen.
    static let redraw = try! NSRegularExpression(pattern: "\u{1B}\\[(\\d+)F\u{1B}\\[J")

    func redraws(_ s: String) -> [Int] {
        Self.redraw.matches(in: s, range: NSRange(s.startIndex..., in: s)).map { Int((s as NSString).substring(with: $0.range(at: 1)))! }
    }

    func testALoopWithUpdateRedrawsOverItsLastFigure() throws {
        let history = FileManager.default.temporaryDirectory.appendingPathComponent("lk-live-\(UUID().uuidString)").path
        defer { unlink(history); unlink(history + ".lock") }
        let s = try PTYSession(executable: CLITests.lk.path, environment: ["LK_HISTORY": history, "LK_TERM": "dumb"])
        XCTAssertTrue(s.expect("lk> "), s.transcript)
        let mark = s.end
        s.send("for i in 0..3 { plot([1, 2, 3 + i], update=true, title=format(\"draw {}\", i), figsize=[40, 12]) }\r")
        XCTAssertTrue(s.expect("draw 2", after: mark), s.transcript)
        XCTAssertTrue(s.expect("lk> ", after: s.transcript.range(of: "draw 2")!.upperBound), s.transcript)
        let loop = String(s.transcript[mark...])
        // The first draw is new; the next two move back over the 12-line figure
        // before it (9 lines once the blank ones are trimmed).
        XCTAssertEqual(redraws(loop), [9, 9], loop.debugDescription)
        // A new input line in between: the next update prints below, not over the prompt.
        let again = s.end
        s.send("plot([3, 2, 1], update=true, title=\"after the prompt\", figsize=[40, 12])\r")
        XCTAssertTrue(s.expect("after the prompt", after: again), s.transcript.debugDescription)
        XCTAssertTrue(s.expect("1 +---", after: again), s.transcript)
        XCTAssertTrue(s.expect("lk> ", after: s.transcript.range(of: "1 +---", options: .backwards)!.upperBound), s.transcript)
        XCTAssertEqual(redraws(String(s.transcript[again...])), [])
        s.send("\u{04}")   // at the prompt: lk reads keys raw only there
        XCTAssertEqual(s.waitForExit(), 0)
    }
}
