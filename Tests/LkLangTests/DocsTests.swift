import Foundation
import LkBuiltins
import LkLang
import XCTest

/// The registration table is the single source of every built-in's help; these
/// tests keep Docs/builtins.md and the table in step.
final class DocsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testBuiltinReferenceIsGeneratedFromTheTable() throws {
        let onDisk = try String(contentsOf: Self.root.appendingPathComponent("Docs/builtins.md"), encoding: .utf8)
        XCTAssertEqual(onDisk, BuiltinTable.markdownReference(),
                       "Docs/builtins.md is stale: regenerate it with `lk --builtins-md > Docs/builtins.md`")
    }

    func testEveryBuiltinHasASignatureAndADocString() {
        var seen = Set<String>()
        for b in BuiltinTable.all {
            XCTAssertTrue(seen.insert(b.name).inserted, "\(b.name) is registered twice")
            XCTAssertTrue(b.signature.hasPrefix(b.name + "("), "\(b.name): signature '\(b.signature)' should start with the name")
            XCTAssertGreaterThan(b.doc.count, 20, "\(b.name) needs a real doc string")
            XCTAssertTrue(b.doc.hasSuffix(".") || b.doc.hasSuffix(")") || b.doc.hasSuffix("`"), "\(b.name): doc should be a sentence")
        }
    }

    func testDesignGeneralBuiltinsAreAllRegistered() {
        let general = """
        zeros ones eye full randn rand seed arange linspace reshape concat stack shape size len sum mean std var min max
        argmax argmin abs sqrt exp log tanh relu sigmoid erf sin cos softmax norm dot outer inv solve chol qr svd eigh det
        trace diag kmeans pca cosine gram print format time readcsv writecsv loadnpy savenpy
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        let names = Set(BuiltinTable.all.map { $0.name })
        for g in general { XCTAssertTrue(names.contains(g), "DESIGN.md §3 built-in '\(g)' is missing") }
        let constants = Set(BuiltinTable.constants.map { $0.0 })
        for c in ["pi", "inf", "nan"] { XCTAssertTrue(constants.contains(c), "constant \(c) is missing") }
    }
}
