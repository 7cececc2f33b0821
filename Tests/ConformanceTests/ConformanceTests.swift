import Foundation
import LkBuiltins
import LkLang
import LkTensor
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

    /// Runs one case in a fresh interpreter on a large stack; returns what it printed and how it ended.
    static func run(_ url: URL) -> (output: String, error: Diagnostic?) {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        /// Filled by the worker thread; read only after it signals.
        final class Outcome: @unchecked Sendable { var output = ""; var failure: Diagnostic? = nil }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            Random.seed(0)
            let interp = BuiltinTable.makeInterpreter()
            interp.output = { outcome.output += $0 }
            do { try interp.run(SourceFile(name: url.lastPathComponent, text: text)) }
            catch let d as Diagnostic { outcome.failure = d }
            catch { outcome.failure = Diagnostic(.runtime, "unexpected Swift error: \(error)") }
            done.signal()
        }
        thread.stackSize = Interpreter.stackSize
        thread.start()
        done.wait()
        return (outcome.output, outcome.failure)
    }

    func testConformanceSuite() throws {
        // The memory limit defaults to half of physical memory; fix it so that the
        // allocation-limit cases expect the same message on every machine.
        let savedLimit = Tensor.memoryLimit
        Tensor.memoryLimit = 4_000_000_000
        defer { Tensor.memoryLimit = savedLimit }
        let files = Self.caseFiles()
        XCTAssertGreaterThanOrEqual(files.count, 150, "the conformance suite should hold at least 150 cases")
        var failed = 0
        for url in files {
            let name = url.path.replacingOccurrences(of: Self.casesDirectory.path + "/", with: "")
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
            if !problems.isEmpty {
                failed += 1
                XCTFail("\(name): " + problems.joined(separator: "\n"))
            }
        }
        print("conformance: \(files.count - failed) of \(files.count) cases pass")
    }
}
