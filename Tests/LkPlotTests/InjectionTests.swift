import Foundation
@testable import LkPlot
import LkTensor
import XCTest
import LkTestSupport

/// Every user string reaches gnuplot through `gnuplotQuoted`; no string can
/// run a command, and every string shows literally.
final class InjectionTests: XCTestCase {
    static let hostile = ["a`touch pwned`b", "x\"; system(\"touch pwned\") #", "\n!touch pwned", "\ne\n", "e",
                          "'; system('touch pwned'); '", "@pwned {}^_&~ \\n \\", "é ✓ 日本"]

    func testQuotedTextHasNoRawControlCharactersAndBackquotesOnlyInSingleQuotes() {
        for s in Self.hostile + (1..<128).map { String(UnicodeScalar(UInt8($0))) } {
            let q = gnuplotQuoted(s)
            XCTAssertFalse(q.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, q)
            // Outside single-quoted pieces only `"\ooo"` pieces and `.` appear.
            var outside = "", inQuote = false
            for c in q { if c == "'" { inQuote.toggle() } else if !inQuote { outside.append(c) } }
            XCTAssertTrue(outside.allSatisfy { "\".\\01234567".contains($0) }, q)
        }
        XCTAssertEqual(gnuplotQuoted(""), "''")
        XCTAssertEqual(gnuplotQuoted("it's"), "'it'.\"\\047\".'s'")
        XCTAssertEqual(gnuplotQuoted("a\nb"), "'a'.\"\\012\".'b'")
    }

    func testEveryASCIICharacterRoundTripsThroughGnuplot() throws {
        guard let exe = try? GnuplotSession.locate() else { throw XCTSkip("gnuplot is not installed") }
        let cwd = try scratchDirectory()
        let session = try GnuplotSession(executable: exe)
        // One string of every ASCII character (NUL cannot be in a gnuplot
        // string), then each hostile string: gnuplot prints each back as it is.
        let all = String((1..<128).map { Character(UnicodeScalar(UInt8($0))) })
        for s in [all] + Self.hostile {
            XCTAssertEqual(try session.exchange("print \(gnuplotQuoted(s))\n"), s + "\n")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cwd.appendingPathComponent("pwned").path))
    }

    func testHostileTitlesLabelsLegendsAndFileNamesShowLiterallyAndRunNothing() throws {
        guard (try? GnuplotSession.locate()) != nil else { throw XCTSkip("gnuplot is not installed") }
        let cwd = try scratchDirectory()
        let plotter = Plotter()   // its gnuplot starts in the scratch directory
        for (k, s) in Self.hostile.enumerated() {
            var p = Plots.lines(x: nil, y: Tensor([1, 2, 3]))
            p.title = s; p.xlabel = s; p.ylabel = s; p.series[0].title = s
            // The file name carries the hostile text too (minus the slash-free rule of file names).
            let name = "f\(k)-" + s.replacingOccurrences(of: "/", with: "_") + ".svg"
            let path = cwd.appendingPathComponent(name).path
            _ = try plotter.render(Figure(p), to: .svg(path: path))
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            // Each line of the title is one <text> element, XML-escaped.
            for line in s.split(separator: "\n") where !line.isEmpty {
                let xml = line.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                XCTAssertTrue(svg.contains("<text>\(xml)</text>"), "title line \(line) is not shown literally")
            }
            // In the text plot the title is what stands above the top border, line by line.
            // (Looking for the title anywhere would pass for "e" in any plot.)
            let text = try plotter.render(Figure(p), to: .text(width: 70, height: 20)).text ?? ""
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let border = try XCTUnwrap(lines.firstIndex { $0.contains("+---") }, text)
            let above = lines[..<border].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let title = s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            XCTAssertEqual(above, title, "the text plot's title of \(s.debugDescription):\n\(text)")
        }
        let made = try FileManager.default.contentsOfDirectory(atPath: cwd.path)
        XCTAssertFalse(made.contains("pwned"), "a command ran: \(made)")
        XCTAssertEqual(made.count, Self.hostile.count, "exactly the figures were written: \(made)")
    }

    /// A fresh working directory, so a `touch pwned` would show up in it.
    func scratchDirectory() throws -> URL {
        let d = try makeTemporaryDirectory("inject")
        let old = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(d.path)
        addTeardownBlock { FileManager.default.changeCurrentDirectoryPath(old) }
        return d
    }
}
