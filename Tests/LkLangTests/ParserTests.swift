import XCTest
@testable import LkLang

/// The parser's contract with the REPL: complete, incomplete (ask for another
/// line) or an error — and errors point at the right place.
final class ParserTests: XCTestCase {
    func outcome(_ text: String) -> String {
        switch Parser.parse(SourceFile(name: "t", text: text)) {
        case .complete: return "complete"
        case .incomplete: return "incomplete"
        case .error(let d): return "error: \(d.message)"
        }
    }

    /// The lexer's byte-level operator switch and the table that names operators in
    /// messages must agree: every spelling lexes to its kind, whole.
    func testEveryOperatorLexesToItsKind() throws {
        for (text, kind) in TokenKind.punctuation {
            let tokens = try Lexer.tokenize(SourceFile(name: "t", text: "a \(text) b"))
            XCTAssertEqual(tokens.count, 4, text)
            XCTAssertEqual(tokens[1].kind, kind, text)
            XCTAssertEqual(tokens[1].span.length, text.utf8.count, text)
        }
        XCTAssertThrowsError(try Lexer.tokenize(SourceFile(name: "t", text: "a ! b")))
    }

    func testCompleteInputs() {
        for text in ["1 + 2", "x = [1, 2]", "fn f(a, b=2) { return a + b }", "if x > 1 { y = 1 } else { y = 2 }",
                     "for i in 0..10 { print(i) }", "r = {a: 1,\n b: 2}", "f = fn(x) => x * 2", "a[1:, ::2] = 0",
                     "x = (1 +\n 2)", "y = 1 +\n 2", "if a {\n b\n}\nelse {\n c\n}", ""] {
            XCTAssertEqual(outcome(text), "complete", text)
        }
    }

    func testIncompleteInputs() {
        for text in ["(1 + 2", "x = [1, 2,", "fn f(a) {", "if x > 1 {", "y = 1 +", "r = {a: 1,", "f(1,\n 2", "for i in 0..3 {\n print(i)", "x ="] {
            XCTAssertEqual(outcome(text), "incomplete", text)
        }
    }

    func testErrors() {
        XCTAssertEqual(outcome("x = )"), "error: expected an expression, found ')'")
        XCTAssertEqual(outcome("\"abc"), "error: unterminated string")
        XCTAssertEqual(outcome("1 = 2"), "error: cannot assign to this expression (only to a name, an index like a[i] or a field like r.x)")
        XCTAssertEqual(outcome("f(a=1, 2)"), "error: positional argument after a keyword argument")
        XCTAssertEqual(outcome("x = 3 $ 4"), "error: unexpected character '$'")
        XCTAssertEqual(outcome("}"), "error: unexpected '}' with no '{' to close")
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        XCTAssertTrue(outcome(deep).hasPrefix("error: expression nested too deeply"), outcome(deep))
        let deepList = String(repeating: "[", count: 10_000)
        XCTAssertTrue(outcome(deepList).hasPrefix("error: expression nested too deeply"))
    }

    func testPrecedence() throws {
        // -2^2 is -(2^2); 2^3^2 is 2^(3^2); @ binds tighter than *.
        guard case .complete(let p) = Parser.parse(SourceFile(name: "t", text: "-2^2")),
              case .expr(let e) = p.statements[0].kind, case .unary(.negate, let inner) = e.kind,
              case .binary(.pow, _, _) = inner.kind else { return XCTFail("-2^2 should be -(2^2)") }
        guard case .complete(let q) = Parser.parse(SourceFile(name: "t", text: "a * b @ c")),
              case .expr(let f) = q.statements[0].kind, case .binary(.mul, _, let rhs) = f.kind,
              case .binary(.matmul, _, _) = rhs.kind else { return XCTFail("a * b @ c should be a * (b @ c)") }
    }

    func testDiagnosticRendering() {
        let src = SourceFile(name: "x.lk", text: "a = 1\nb = a +* 2\n")
        guard case .error(let d) = Parser.parse(src) else { return XCTFail() }
        XCTAssertEqual(d.render(), "x.lk:2:8: error: expected an expression, found '*'\n    b = a +* 2\n           ^")
    }

    func testLocationCountsCharactersNotBytes() {
        let src = SourceFile(name: "u", text: "s = \"héllo\" $")
        guard case .error(let d) = Parser.parse(src) else { return XCTFail() }
        XCTAssertEqual(src.location(of: d.span.start).column, 13)
    }
}
