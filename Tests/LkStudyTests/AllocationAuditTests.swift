import Foundation
import XCTest

/// Keeps the study engines and the built-ins on the one guarded allocation path
/// (`Memory` in LkTensor, Docs/security.md "Round two"): a conversion of a user's
/// number with `Int(…)` traps on NaN, ±inf or magnitudes past 2⁶³, and an array sized
/// by a product of sizes traps on overflow or aborts in `malloc` past the machine's
/// memory. So, in Sources/LkStudy and Sources/LkBuiltins, every `Int(…)` (other than
/// `Int(exactly:)`) and every array, reservation or initialisation whose count is a
/// product or sum must either go through `Memory`/`Arguments.checkInt`, or carry a
/// `checked:` comment on its line saying why it cannot trap (the bound that was checked,
/// or the existing buffer that already holds that many elements).
final class AllocationAuditTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The lines that break the rule, as "path:line: text".
    static func violations(in folders: [String]) throws -> [String] {
        try violations(in: folders.map { root.appendingPathComponent($0) })
    }

    static func violations(in dirs: [URL]) throws -> [String] {
        let conversion = try NSRegularExpression(pattern: #"(?<![A-Za-z0-9_.])Int(\(|\.init\b)(?!exactly:)"#)
        let sized = try NSRegularExpression(pattern: #"(repeating:[^)]*count:\s*[^)]*[*+]|reserveCapacity\([^)]*[*+])"#)
        var found: [String] = []
        for dir in dirs {
            let folder = dir.path.replacingOccurrences(of: root.path + "/", with: "")
            guard let files = FileManager.default.enumerator(atPath: dir.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                for (n, line) in text.components(separatedBy: "\n").enumerated() {
                    let code = line.trimmingCharacters(in: .whitespaces)
                    if code.hasPrefix("//") || line.contains("checked:") { continue }
                    let range = NSRange(line.startIndex..., in: line)
                    if conversion.firstMatch(in: line, range: range) != nil || sized.firstMatch(in: line, range: range) != nil {
                        found.append("\(folder)/\(file):\(n + 1): \(code)")
                    }
                }
            }
        }
        return found
    }

    func testNoUncheckedConversionsOrSizeProducts() throws {
        let found = try Self.violations(in: ["Sources/LkStudy", "Sources/LkBuiltins"])
        XCTAssertEqual(found, [], "unchecked Int(…) conversions or size products; use Memory.checkedCount/array/int or Arguments.checkInt, or justify with a `checked:` comment")
    }

    /// The audit must be able to fail: it finds the patterns it is meant to find.
    func testTheAuditSeesWhatItForbids() throws {
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: Self.root, create: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sample = """
        let n = Int(x.rounded())
        let m = Int(exactly: x)
        let ok = Int(x)  // checked: below 1e8
        var w = [Double](repeating: 0, count: a * b)
        var v = [Double](repeating: 0, count: a)
        out.reserveCapacity(count * len)
        let widths = xs.map(Int.init)
        """
        try sample.write(to: dir.appendingPathComponent("Sample.swift"), atomically: true, encoding: .utf8)
        let found = try Self.violations(in: [dir])
        XCTAssertEqual(found.map { String($0.split(separator: ":", maxSplits: 2)[2].dropFirst()) },
                       ["let n = Int(x.rounded())", "var w = [Double](repeating: 0, count: a * b)", "out.reserveCapacity(count * len)", "let widths = xs.map(Int.init)"])
    }
}
