import XCTest
@testable import LkLang
import LkBuiltins

/// A built-in's signature line is its one declaration; these tests pin the grammar
/// and check that what the interpreter enforces is what the line shows.
final class SignatureTests: XCTestCase {
    func testGrammar() throws {
        let s = try Signature("cg(A, b, x0=, tol=1e-5, callback=) → {x, iters}")
        XCTAssertEqual(s.name, "cg")
        XCTAssertEqual(s.keywords, ["x0", "tol", "callback"])
        XCTAssertTrue(s.accepts(positional: 2))
        XCTAssertFalse(s.accepts(positional: 1))
        XCTAssertFalse(s.accepts(positional: 3), "keywords are keyword-only")

        let v = try Signature("zeros([sizes...])")
        XCTAssertTrue(v.accepts(positional: 0) && v.accepts(positional: 7))
        let r = try Signature("reshape(x, sizes...)")
        XCTAssertFalse(r.accepts(positional: 1))
        XCTAssertTrue(r.accepts(positional: 2) && r.accepts(positional: 9))

        let forms = try Signature("arange(stop) / arange(start, stop, [step])")
        XCTAssertEqual(forms.forms.count, 2)
        XCTAssertEqual([0, 1, 2, 3, 4].map(forms.accepts), [false, true, true, true, false])

        let quoted = try Signature(#"print([values...], sep=" , ")"#)
        XCTAssertEqual(quoted.keywords, ["sep"])
        XCTAssertEqual(quoted.forms[0].parameters.last?.defaultText, #"" , ""#)

        XCTAssertEqual(try Signature("op.forward(x)").name, "forward")
    }

    func testMalformedSignaturesAreRefused() {
        for bad in ["cg", "cg(A, tol=1, b)", "f([a], b)", "f(a b)", "f(x) / g(x)", "f(x...,  y)"] {
            XCTAssertThrowsError(try Signature(bad), bad)
        }
    }

    /// Every entry of the table parses, and the keywords the interpreter accepts are
    /// exactly those its signature line shows (what :help and Docs/builtins.md print).
    func testEveryBuiltinIsDeclaredByItsSignature() throws {
        for b in BuiltinTable.all {
            let s = try Signature(b.signature)
            XCTAssertEqual(s.name, b.name, b.signature)
            XCTAssertEqual(b.keywords, s.keywords, b.signature)
            for k in b.keywords { XCTAssertTrue(b.signature.contains("\(k)="), "\(b.name) accepts \(k)= but its signature does not show it") }
        }
    }

    func testArityAndUnknownKeywordsAreCheckedFromTheDeclaration() throws {
        let interp = BuiltinTable.makeInterpreter()
        XCTAssertThrowsError(try interp.run(SourceFile(name: "t", text: "eye(1, 2, 3)"))) { e in
            XCTAssertTrue("\(e)".contains("usage: eye(n, [m])"), "\(e)")
        }
        XCTAssertThrowsError(try interp.run(SourceFile(name: "t", text: "kernelflow(eye(2), eye(2), [1, 2], 1, ridges=0)"))) { e in
            XCTAssertTrue("\(e)".contains("did you mean 'ridge'"), "\(e)")
        }
    }
}
