import Foundation
import LkBuiltins
import LkLang
import LkTensor
import LkTestSupport
import XCTest

/// The conformance suite: every `.lk` file under `cases/` is a small program
/// whose comments say what it must print and how it must fail, in the style of
/// Crafting Interpreters' test suite:
///
///     print(1 + 2)      # expect: 3
///     x = [1, 2] @ 3    # expect runtime error: '@' needs two tensors, got tensor (2,) @ number
///     y = (1 +          # expect parse error: '(' is never closed
///
/// `# expect: text` lines give standard output in order (the comment may sit on
/// any line). An error expectation gives the exact message, and the error must
/// be reported on the line where the comment is. Nothing else may be printed.
///
/// One case or one folder: `LK_CASE` is a prefix of the path under `cases/`
/// without `.lk` (see `selected`):
///
///     LK_CASE=indexing/vector swift test --filter ConformanceTests   # one case
///     LK_CASE=indexing swift test --filter ConformanceTests          # one folder
final class ConformanceTests: XCTestCase {
    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cases")

    struct Expectation {
        var output: [String] = []
        var error: (kind: Diagnostic.Kind, message: String, line: Int)? = nil
    }

    static func expectations(in text: String) -> Expectation {
        var e = Expectation()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let hash = line.range(of: "# expect") else { continue }
            let rest = line[hash.upperBound...]
            if rest.hasPrefix(": ") || rest == ":" {
                e.output.append(String(rest.dropFirst(rest.hasPrefix(": ") ? 2 : 1)))
            } else if rest.hasPrefix(" runtime error: ") {
                e.error = (.runtime, String(rest.dropFirst(" runtime error: ".count)), i + 1)
            } else if rest.hasPrefix(" parse error: ") {
                e.error = (.parse, String(rest.dropFirst(" parse error: ".count)), i + 1)
            }
        }
        return e
    }

    static func caseFiles() -> [URL] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: casesDirectory, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "lk" }.sorted { $0.path < $1.path }
    }

    /// Runs one case in a fresh interpreter on a large stack, `Random` seeded with 0.
    static func run(_ url: URL) -> (output: String, error: Diagnostic?) {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let outcome = runLkOnLargeStack(text, name: url.lastPathComponent)
        return (outcome.output, outcome.error)
    }

    /// The path of a case under `cases/` without `.lk`: `indexing/vector`.
    static func caseName(_ url: URL) -> String {
        String(url.path.dropFirst(casesDirectory.path.count + 1).dropLast(3))
    }

    /// The cases that `LK_CASE` selects: a prefix of the path under `cases/`
    /// without `.lk`, so `LK_CASE=indexing/vector` runs one case and
    /// `LK_CASE=indexing` the folder (and any folder whose name starts so,
    /// like `indexing_numpy`; `LK_CASE=indexing/` is the folder alone).
    /// Unset or empty, every case.
    static func selected(_ files: [URL], filter: String?) -> [URL] {
        guard let filter, !filter.isEmpty else { return files }
        return files.filter { caseName($0).hasPrefix(filter) }
    }

    func testConformanceSuite() throws {
        // The memory limit defaults to half of physical memory; fix it so that the
        // allocation-limit cases expect the same message on every machine.
        let savedLimit = Tensor.memoryLimit
        Tensor.memoryLimit = 4_000_000_000
        defer { Tensor.memoryLimit = savedLimit }
        let all = Self.caseFiles()
        XCTAssertGreaterThanOrEqual(all.count, 150, "the conformance suite should hold at least 150 cases")
        let filter = ProcessInfo.processInfo.environment["LK_CASE"]
        let files = Self.selected(all, filter: filter)
        if let filter, !filter.isEmpty {
            XCTAssertFalse(files.isEmpty, "LK_CASE=\(filter) matches no case under cases/")
        }
        var failed = 0
        for url in files {
            let name = Self.caseName(url)
            let text = try String(contentsOf: url, encoding: .utf8)
            let want = Self.expectations(in: text)
            let (output, error) = Self.run(url)
            var problems: [String] = []
            var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            if lines != want.output {
                problems.append("output differs\n--- expected\n\(want.output.joined(separator: "\n"))\n--- got\n\(lines.joined(separator: "\n"))")
            }
            switch (want.error, error) {
            case (nil, nil): break
            case (nil, let e?): problems.append("unexpected error:\n\(e.render())")
            case (let w?, nil): problems.append("expected \(w.kind) error '\(w.message)' on line \(w.line), but the program finished")
            case (let w?, let e?):
                let line = e.source.map { $0.location(of: max(0, e.span.start)).line } ?? -1
                if e.kind != w.kind || e.message != w.message || line != w.line {
                    problems.append("expected \(w.kind) error on line \(w.line): \(w.message)\ngot \(e.kind) error on line \(line): \(e.message)")
                }
            }
            if problems.isEmpty { continue }
            failed += 1
            XCTFail("\(name): " + problems.joined(separator: "\n"))
        }
        print("conformance: \(files.count - failed) of \(files.count) cases pass")
    }

    /// The selection is a prefix match on the name without `.lk`; the rule the
    /// README documents, checked on the real case list.
    func testCaseFilterSelectsByPathPrefix() {
        let files = Self.caseFiles()
        XCTAssertEqual(Self.selected(files, filter: nil).count, files.count)
        XCTAssertEqual(Self.selected(files, filter: "").count, files.count)
        let one = Self.selected(files, filter: "while/collatz")
        XCTAssertEqual(one.map(Self.caseName), ["while/collatz"])
        let folder = Self.selected(files, filter: "while/")
        XCTAssertGreaterThan(folder.count, 1)
        XCTAssertTrue(folder.allSatisfy { Self.caseName($0).hasPrefix("while/") })
        XCTAssertEqual(Self.selected(files, filter: "no_such_folder").count, 0)
    }
}
