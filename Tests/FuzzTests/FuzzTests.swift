import Foundation
import LkBuiltins
import LkLang
import LkTensor
import XCTest

/// Feeds the lexer, parser and evaluator random and mutated programs, seeded
/// from the conformance suite. A crash (a trap, a stack overflow) ends the test
/// process, which is the failure this looks for; every program must instead
/// finish, or fail with a diagnostic. See Tests/Fuzz/README.md.
///
/// `LK_FUZZ_SECONDS` sets the time budget (default 20), `LK_FUZZ_SEED` the seed.
final class FuzzTests: XCTestCase {
    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ConformanceTests/cases")

    /// Built-ins that write files or start processes are left out of fuzzing.
    static let excluded: Set<String> = ["savenpy", "writecsv", "savefig", "plot", "scatter", "heatmap", "image", "hist",
                                        "surface", "subplot", "show"]

    static func corpus() -> [String] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: casesDirectory, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "lk" }
            .compactMap { try? String(contentsOf: $0, encoding: .utf8) }
    }

    static let fragments = ["(", ")", "[", "]", "{", "}", ",", ":", ";", "\n", "=", "==", "+", "-", "*", "/", "^", "@", "%",
                            "..", ".", "fn", "if", "else", "for", "in", "while", "return", "break", "not", "and", "or",
                            "x", "y", "0", "1", "-1", "1e308", "nan", "inf", "\"s\"", "'", "\"", "#", "zeros(3, 4)",
                            "randn(2, 2)", "[[1, 2], [3, 4]]", ".T", "[0]", "[:, 1]", "[::-1]", "f(", "x[", "{a: 1}", "\\", "é", "\u{0}"]

    func mutate(_ text: String, _ rng: inout RNG) -> String {
        var bytes = Array(text.utf8)
        let edits = 1 + rng.int(below: 4)
        for _ in 0..<edits {
            let pos = bytes.isEmpty ? 0 : rng.int(below: bytes.count + 1)
            switch rng.int(below: 6) {
            case 0 where !bytes.isEmpty:   // delete a run
                let n = min(1 + rng.int(below: 8), bytes.count - min(pos, bytes.count - 1))
                bytes.removeSubrange(min(pos, bytes.count - 1)..<min(pos, bytes.count - 1) + n)
            case 1:   // insert a fragment
                bytes.insert(contentsOf: Array(FuzzTests.fragments[rng.int(below: FuzzTests.fragments.count)].utf8), at: pos)
            case 2:   // a random byte
                bytes.insert(UInt8(truncatingIfNeeded: rng.nextUInt64()), at: pos)
            case 3 where bytes.count > 2:   // duplicate a slice
                let a = rng.int(below: bytes.count), b = min(bytes.count, a + 1 + rng.int(below: 40))
                bytes.insert(contentsOf: Array(bytes[a..<b]), at: pos)
            case 4:   // truncate
                bytes = Array(bytes.prefix(pos))
            default:  // deep nesting
                let depth = 1 + rng.int(below: 300)
                bytes.insert(contentsOf: Array(String(repeating: "(", count: depth).utf8), at: pos)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func testFuzzTheInterpreter() throws {
        let env = ProcessInfo.processInfo.environment
        let seconds = env["LK_FUZZ_SECONDS"].flatMap(Double.init) ?? 20
        var rng = RNG(seed: env["LK_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261129)
        let corpus = Self.corpus()
        XCTAssertFalse(corpus.isEmpty)
        let savedLimit = Tensor.memoryLimit
        Tensor.memoryLimit = 64 << 20   // fuzzed sizes must fail fast, not swap
        defer { Tensor.memoryLimit = savedLimit }
        let builtins = BuiltinTable.all.filter { !Self.excluded.contains($0.name) }
        final class Stats: @unchecked Sendable { var runs = 0, parseErrors = 0, runtimeErrors = 0, interrupted = 0 }
        let stats = Stats()
        let deadline = Date().addingTimeInterval(seconds)
        var programs: [String] = []
        while Date() < deadline {
            if programs.isEmpty {
                programs = (0..<50).map { _ in mutate(corpus[rng.int(below: corpus.count)], &rng) }
            }
            let program = programs.removeLast()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                let interp = Interpreter(builtins: builtins, constants: BuiltinTable.constants)
                interp.output = { _ in }
                interp.maxDepth = 500
                do { try interp.run(SourceFile(name: "fuzz.lk", text: program)) }
                catch let d as Diagnostic {
                    switch d.kind {
                    case .parse: stats.parseErrors += 1
                    case .runtime: stats.runtimeErrors += 1
                    case .interrupted: stats.interrupted += 1
                    }
                    _ = d.render()   // rendering must not crash either
                } catch {}
                stats.runs += 1
                done.signal()
            }
            thread.stackSize = Interpreter.stackSize
            thread.start()
            // A program that loops forever is stopped the way Ctrl-C stops it.
            if done.wait(timeout: .now() + 0.2) == .timedOut {
                Interrupt.request()
                done.wait()
            }
            Interrupt.clear()
        }
        print("fuzz: \(stats.runs) programs in \(Int(seconds)) s: \(stats.parseErrors) parse errors, \(stats.runtimeErrors) runtime errors, \(stats.interrupted) stopped by the watchdog")
        XCTAssertGreaterThan(stats.runs, 100)
    }
}
