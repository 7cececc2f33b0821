/// What parsing a piece of input gives: a program, or "the input stops in the
/// middle of something" (the REPL then asks for another line), or an error.
public enum ParseResult: Sendable {
    case complete(Program)
    case incomplete(Diagnostic)
    case error(Diagnostic)
}

/// A recursive-descent (precedence-climbing) parser for the grammar of
/// DESIGN.md §2. Operators, loosest first: `or`; `and`; `not`; comparisons;
/// `..`; `+ -`; `* / %`; `@`; unary `-`; `^` (right-assoc); postfix.
public struct Parser {
    var tokens: [Token]
    var pos = 0
    let source: SourceFile
    var nesting = 0
    /// Deeper nesting than this is an error rather than a stack overflow.
    static let maxNesting = 200
    /// Operators in the chains being parsed (`1 + 1 + …` builds a tree as deep as
    /// it is long, and evaluating or freeing it recurses that deep).
    var chain = 0
    /// Whether the last top-level statement was ended by `;`.
    var trailingSemicolon = false
    /// Longer chains are an error: a 10 MB line of `+1` must not overflow the stack.
    /// (100,000 ran in debug and release builds but not under ThreadSanitizer, whose
    /// frames are larger; 50,000 runs under both sanitizers.)
    static let maxChain = 50_000

    /// Thrown inside the parser; `incomplete` means the error is at end of input.
    struct Failure: Error { var diagnostic: Diagnostic; var incomplete: Bool }

    public static func parse(_ source: SourceFile) -> ParseResult {
        let tokens: [Token]
        do { tokens = try Lexer.tokenize(source) } catch {
            return .error(error)
        }
        var p = Parser(tokens: tokens, source: source)
        do {
            let stmts = try p.parseProgram()
            return .complete(Program(statements: stmts, source: source, hidesValue: p.trailingSemicolon))
        } catch let f as Failure {
            var d = f.diagnostic
            d.source = source
            if f.incomplete, let opener = Parser.innermostUnclosed(tokens) {
                // Input that ends inside brackets is best explained by the bracket left open.
                d = Diagnostic(.parse, "'\(source.text(of: opener))' is never closed", span: opener, source: source)
            }
            return f.incomplete ? .incomplete(d) : .error(d)
        } catch {
            return .error(Diagnostic(.parse, "\(error)", source: source))
        }
    }

    init(tokens: [Token], source: SourceFile) { self.tokens = tokens; self.source = source }

    /// The span of the innermost bracket still open at the end of the input.
    static func innermostUnclosed(_ tokens: [Token]) -> SourceSpan? {
        var stack: [SourceSpan] = []
        for t in tokens {
            switch t.kind {
            case .lparen, .lbracket, .lbrace: stack.append(t.span)
            case .rparen, .rbracket, .rbrace: if !stack.isEmpty { stack.removeLast() }
            default: break
            }
        }
        return stack.last
    }

    // MARK: token helpers

    var current: Token { tokens[pos] }
    var kind: TokenKind { tokens[pos].kind }
    var previousSpan: SourceSpan { pos > 0 ? tokens[pos - 1].span : current.span }

    mutating func advance() -> Token { let t = tokens[pos]; if pos < tokens.count - 1 { pos += 1 }; return t }

    mutating func match(_ k: TokenKind) -> Bool {
        if kind == k { pos += 1; return true }
        return false
    }

    mutating func skipNewlines() { while kind == .newline || kind == .semicolon && false { pos += 1 } }

    func fail(_ message: String, at span: SourceSpan? = nil) -> Failure {
        Failure(diagnostic: Diagnostic(.parse, message, span: span ?? current.span), incomplete: kind == .eof)
    }

    /// An error about something left open: incomplete when we ran out of input.
    func unclosed(_ opener: String, at span: SourceSpan, expected: String) -> Failure {
        if kind == .eof {
            return Failure(diagnostic: Diagnostic(.parse, "'\(opener)' is never closed", span: span), incomplete: true)
        }
        return Failure(diagnostic: Diagnostic(.parse, "expected \(expected), found \(kind.display)", span: current.span), incomplete: false)
    }

    mutating func expect(_ k: TokenKind, _ what: String) throws -> Token {
        if kind == k { return advance() }
        throw fail("expected \(what), found \(kind.display)")
    }

    /// Counts one more operator in a chain; `defer { chain -= n }` undoes a loop's count.
    mutating func link() throws {
        chain += 1
        if chain > Parser.maxChain {
            throw fail("expression too long (more than \(Parser.maxChain) operators in a row); split it into several statements")
        }
    }

    mutating func enter() throws {
        nesting += 1
        if nesting > Parser.maxNesting { throw fail("expression nested too deeply (more than \(Parser.maxNesting) levels)") }
    }

    // MARK: statements

    mutating func parseProgram() throws -> [Stmt] {
        var stmts: [Stmt] = []
        while true {
            while kind == .newline || kind == .semicolon { pos += 1 }
            if kind == .eof { return stmts }
            if kind == .rbrace { throw fail("unexpected '}' with no '{' to close") }
            stmts.append(try statement())
            trailingSemicolon = kind == .semicolon
            try endOfStatement()
        }
    }

    mutating func endOfStatement() throws {
        switch kind {
        case .newline, .semicolon: pos += 1
        case .eof, .rbrace: break
        case .rparen: throw fail("unexpected ')' with no '(' to close")
        case .rbracket: throw fail("unexpected ']' with no '[' to close")
        default: throw fail("expected end of statement, found \(kind.display)")
        }
    }

    /// `{ statements }`
    mutating func block() throws -> [Stmt] {
        let open = current.span
        guard match(.lbrace) else { throw fail("expected '{', found \(kind.display)") }
        try enter(); defer { nesting -= 1 }
        var stmts: [Stmt] = []
        while true {
            while kind == .newline || kind == .semicolon { pos += 1 }
            if kind == .rbrace { pos += 1; return stmts }
            if kind == .eof { throw unclosed("{", at: open, expected: "'}'") }
            stmts.append(try statement())
            try endOfStatement()
        }
    }

    mutating func statement() throws -> Stmt {
        let start = current.span
        switch kind {
        case .kwIf: return try ifStatement()
        case .kwWhile:
            pos += 1
            let cond = try expression()
            let body = try block()
            return Stmt(kind: .whileLoop(condition: cond, body: body), span: start.to(previousSpan))
        case .kwFor:
            pos += 1
            guard case .identifier(let name) = kind else { throw fail("expected a loop variable name after 'for', found \(kind.display)") }
            let nameSpan = advance().span
            _ = try expect(.kwIn, "'in' after the loop variable")
            let iterable = try expression()
            let body = try block()
            return Stmt(kind: .forLoop(variable: name, variableSpan: nameSpan, iterable: iterable, body: body), span: start.to(previousSpan))
        case .kwNonlocal, .kwGlobal:
            let isGlobal = kind == .kwGlobal
            pos += 1
            var names: [(String, SourceSpan)] = []
            repeat {
                if !names.isEmpty { pos += 1 }
                guard case .identifier(let name) = kind else {
                    throw fail("expected a variable name after '\(isGlobal ? "global" : "nonlocal")', found \(kind.display)")
                }
                names.append((name, advance().span))
            } while kind == .comma
            return Stmt(kind: .declare(global: isGlobal, names: names), span: start.to(previousSpan))
        case .kwBreak: pos += 1; return Stmt(kind: .breakLoop, span: start)
        case .kwContinue: pos += 1; return Stmt(kind: .continueLoop, span: start)
        case .kwReturn:
            pos += 1
            if [.newline, .semicolon, .rbrace, .eof].contains(kind) { return Stmt(kind: .returnValue(nil), span: start) }
            let value = try expression()
            return Stmt(kind: .returnValue(value), span: start.to(value.span))
        case .kwFn:
            if case .identifier(let name) = tokens[pos + 1].kind {
                pos += 2
                let decl = try functionRest(name: name, start: start)
                return Stmt(kind: .function(decl), span: decl.span)
            }
        default: break
        }
        let expr = try expression()
        let op: BinaryOperator?
        switch kind {
        case .assign: op = nil
        case .plusAssign: op = .add
        case .minusAssign: op = .sub
        case .starAssign: op = .mul
        case .slashAssign: op = .div
        default: return Stmt(kind: .expr(expr), span: expr.span)
        }
        let opSpan = advance().span
        switch expr.kind {
        case .name, .index, .field: break
        default: throw Failure(diagnostic: Diagnostic(.parse, "cannot assign to this expression (only to a name, an index like a[i] or a field like r.x)", span: expr.span), incomplete: false)
        }
        skipNewlines()
        if kind == .eof { throw fail("expected a value after '\(op.map { $0.rawValue } ?? "")='", at: opSpan) }
        let value = try expression()
        return Stmt(kind: .assign(target: expr, op: op, value: value), span: expr.span.to(value.span))
    }

    mutating func ifStatement() throws -> Stmt {
        let start = current.span
        var branches: [(condition: Expr, body: [Stmt])] = []
        var elseBody: [Stmt]? = nil
        pos += 1 // 'if'
        branches.append((try expression(), try block()))
        while true {
            // `else` may start the next line: `}\nelse {`.
            var look = pos
            while tokens[look].kind == .newline { look += 1 }
            guard tokens[look].kind == .kwElse else { break }
            pos = look + 1
            if match(.kwIf) {
                branches.append((try expression(), try block()))
            } else {
                elseBody = try block()
                break
            }
        }
        return Stmt(kind: .ifChain(branches: branches, elseBody: elseBody), span: start.to(previousSpan))
    }

    /// After `fn name` or `fn`: `(params) { body }` or `(params) => expr`.
    mutating func functionRest(name: String?, start: SourceSpan) throws -> FunctionDecl {
        let open = current.span
        guard match(.lparen) else { throw fail("expected '(' to start the parameter list, found \(kind.display)") }
        var params: [Parameter] = []
        var seenDefault = false
        while kind != .rparen {
            guard case .identifier(let pname) = kind else {
                if kind == .eof { throw unclosed("(", at: open, expected: "')'") }
                throw fail("expected a parameter name, found \(kind.display)")
            }
            let pspan = advance().span
            if params.contains(where: { $0.name == pname }) {
                throw Failure(diagnostic: Diagnostic(.parse, "parameter '\(pname)' appears twice", span: pspan), incomplete: false)
            }
            var def: Expr? = nil
            if match(.assign) { def = try expression(); seenDefault = true }
            else if seenDefault {
                throw Failure(diagnostic: Diagnostic(.parse, "parameter '\(pname)' without a default follows one with a default", span: pspan), incomplete: false)
            }
            params.append(Parameter(name: pname, defaultValue: def, span: pspan))
            if !match(.comma) {
                if kind == .rparen { break }
                throw unclosed("(", at: open, expected: "',' or ')' in the parameter list")
            }
        }
        pos += 1 // ')'
        if match(.arrow) {
            skipNewlines()
            let body = try expression()
            let ret = Stmt(kind: .returnValue(body), span: body.span)
            return FunctionDecl(name: name, params: params, body: [ret], isArrow: true, span: start.to(body.span))
        }
        guard kind == .lbrace else { throw fail("expected '{' or '=>' after the parameter list, found \(kind.display)") }
        let body = try block()
        return FunctionDecl(name: name, params: params, body: body, isArrow: false, span: start.to(previousSpan))
    }

    // MARK: expressions

    public mutating func expression() throws -> Expr {
        try enter(); defer { nesting -= 1 }
        if kind == .kwFn {
            let start = advance().span
            let decl = try functionRest(name: nil, start: start)
            return Expr(kind: .function(decl), span: decl.span)
        }
        return try orExpr()
    }

    mutating func operand(after opSpan: SourceSpan, _ parse: (inout Parser) throws -> Expr) throws -> Expr {
        skipNewlines()
        if kind == .eof {
            throw Failure(diagnostic: Diagnostic(.parse, "expected an operand after '\(source.text(of: opSpan))'", span: opSpan), incomplete: true)
        }
        return try parse(&self)
    }

    /// One row of the binary-operator table: how tightly the operator binds and
    /// which expression it builds. Every binary operator is parsed by the one loop
    /// in `binary(above:)`, as Lua's `priority[]` + `subexpr` and clox's `rules[]` do.
    struct BinaryRule {
        enum Chaining {
            /// `a - b - c` is `(a - b) - c`.
            case left
            /// At most one per level: `a..b`.
            case once
            /// `a < b < c` is refused: Python reads it as a chain, other languages
            /// as `(a < b) < c`; rather than pick one silently, lk asks.
            case refused(String)
        }
        let precedence: Int
        let chaining: Chaining
        let build: (Expr, Expr) -> ExprKind
    }

    /// Loosest first. `not` (prefix) sits between `and` and the comparisons; unary
    /// minus binds tighter than `@`, and `^` (right-associative, handled in `power`)
    /// tighter still.
    static func binaryRule(_ kind: TokenKind) -> BinaryRule? {
        func op(_ p: Int, _ o: BinaryOperator, _ c: BinaryRule.Chaining = .left) -> BinaryRule {
            BinaryRule(precedence: p, chaining: c) { .binary(o, $0, $1) }
        }
        let chainedComparison = BinaryRule.Chaining.refused("comparisons cannot be chained; write `a < b and b < c`")
        switch kind {
        case .kwOr: return BinaryRule(precedence: 1, chaining: .left) { .or($0, $1) }
        case .kwAnd: return BinaryRule(precedence: 2, chaining: .left) { .and($0, $1) }
        case .eq: return op(4, .eq, chainedComparison)
        case .ne: return op(4, .ne, chainedComparison)
        case .lt: return op(4, .lt, chainedComparison)
        case .le: return op(4, .le, chainedComparison)
        case .gt: return op(4, .gt, chainedComparison)
        case .ge: return op(4, .ge, chainedComparison)
        case .dotdot: return BinaryRule(precedence: 5, chaining: .once) { .range($0, $1) }
        case .plus: return op(6, .add)
        case .minus: return op(6, .sub)
        case .star: return op(7, .mul)
        case .slash: return op(7, .div)
        case .percent: return op(7, .mod)
        case .at: return op(8, .matmul)
        default: return nil
        }
    }

    /// The precedence of prefix `not`: its operand is a comparison or tighter.
    static let notPrecedence = 3

    mutating func orExpr() throws -> Expr { try binary(above: 0) }

    /// An expression whose binary operators all bind tighter than `above`.
    mutating func binary(above minimum: Int) throws -> Expr {
        var lhs: Expr
        if kind == .kwNot && minimum < Parser.notPrecedence {
            let op = advance().span
            try enter(); defer { nesting -= 1 }
            let e = try operand(after: op) { try $0.binary(above: Parser.notPrecedence - 1) }
            lhs = Expr(kind: .unary(.not, e), span: op.to(e.span))
        } else {
            lhs = try unary()
        }
        var links = 0
        defer { chain -= links }
        var lastLevel = -1
        while let rule = Parser.binaryRule(kind), rule.precedence > minimum {
            switch rule.chaining {
            case .left: break
            case .once: if lastLevel == rule.precedence { return lhs }
            case .refused(let message):
                if lastLevel == rule.precedence {
                    throw Failure(diagnostic: Diagnostic(.parse, message, span: current.span), incomplete: false)
                }
            }
            if case .once = rule.chaining {} else { try link(); links += 1 }
            let s = advance().span
            let rhs = try operand(after: s) { try $0.binary(above: rule.precedence) }
            lhs = Expr(kind: rule.build(lhs, rhs), span: lhs.span.to(rhs.span))
            lastLevel = rule.precedence
        }
        return lhs
    }

    mutating func unary() throws -> Expr {
        if kind == .minus || kind == .plus {
            let op: UnaryOperator = kind == .minus ? .negate : .plus
            let s = advance().span
            try enter(); defer { nesting -= 1 }
            let e = try operand(after: s) { try $0.unary() }
            // Fold a negative literal so `-1` is a constant.
            if op == .negate, case .number(let v) = e.kind { return Expr(kind: .number(-v), span: s.to(e.span)) }
            return Expr(kind: .unary(op, e), span: s.to(e.span))
        }
        return try power()
    }

    mutating func power() throws -> Expr {
        let base = try postfix()
        if kind == .caret {
            let s = advance().span
            try enter(); defer { nesting -= 1 }
            let exp = try operand(after: s) { try $0.unary() }   // right-assoc, and allows 2^-1
            return Expr(kind: .binary(.pow, base, exp), span: base.span.to(exp.span))
        }
        return base
    }

    mutating func postfix() throws -> Expr {
        var e = try primary()
        var links = 0
        defer { chain -= links }
        while true {
            if kind == .lparen || kind == .lbracket || kind == .dot { try link(); links += 1 }
            switch kind {
            case .lparen:
                let open = advance().span
                let args = try arguments(open: open)
                e = Expr(kind: .call(e, args), span: e.span.to(previousSpan))
            case .lbracket:
                let open = advance().span
                let items = try indexItems(open: open)
                e = Expr(kind: .index(e, items), span: e.span.to(previousSpan))
            case .dot:
                pos += 1
                guard case .identifier(let name) = kind else { throw fail("expected a field name after '.', found \(kind.display)") }
                let s = advance().span
                e = Expr(kind: .field(e, name, s), span: e.span.to(s))
            default:
                return e
            }
        }
    }

    mutating func arguments(open: SourceSpan) throws -> [Argument] {
        var args: [Argument] = []
        var seenKeyword = false
        while kind != .rparen {
            if kind == .eof { throw unclosed("(", at: open, expected: "')'") }
            let start = current.span
            if case .identifier(let name) = kind, tokens[pos + 1].kind == .assign {
                pos += 2
                let v = try expression()
                if args.contains(where: { $0.name == name }) {
                    throw Failure(diagnostic: Diagnostic(.parse, "keyword argument '\(name)' given twice", span: start), incomplete: false)
                }
                args.append(Argument(name: name, value: v, span: start.to(v.span)))
                seenKeyword = true
            } else {
                let v = try expression()
                if seenKeyword {
                    throw Failure(diagnostic: Diagnostic(.parse, "positional argument after a keyword argument", span: v.span), incomplete: false)
                }
                args.append(Argument(name: nil, value: v, span: v.span))
            }
            if !match(.comma) {
                if kind == .rparen { break }
                throw unclosed("(", at: open, expected: "',' or ')' after an argument")
            }
        }
        pos += 1
        return args
    }

    mutating func indexItems(open: SourceSpan) throws -> [IndexItem] {
        var items: [IndexItem] = []
        while kind != .rbracket {
            if kind == .eof { throw unclosed("[", at: open, expected: "']'") }
            let start = current.span
            var first: Expr? = nil
            if kind != .colon { first = try expression() }
            if kind == .colon {
                pos += 1
                var stop: Expr? = nil, step: Expr? = nil
                if ![.colon, .comma, .rbracket].contains(kind) { stop = try expression() }
                if match(.colon) {
                    if ![.comma, .rbracket].contains(kind) { step = try expression() }
                }
                items.append(.slice(start: first, stop: stop, step: step, span: start.to(previousSpan)))
            } else if let first {
                items.append(.expr(first))
            }
            if !match(.comma) {
                if kind == .rbracket { break }
                throw unclosed("[", at: open, expected: "',' or ']' in the index")
            }
        }
        pos += 1
        if items.isEmpty { throw Failure(diagnostic: Diagnostic(.parse, "empty index: write a[i] or a[:]", span: open.to(previousSpan)), incomplete: false) }
        return items
    }

    mutating func primary() throws -> Expr {
        let t = current
        switch t.kind {
        case .number(let v): pos += 1; return Expr(kind: .number(v), span: t.span)
        case .string(let s): pos += 1; return Expr(kind: .string(s), span: t.span)
        case .kwTrue: pos += 1; return Expr(kind: .bool(true), span: t.span)
        case .kwFalse: pos += 1; return Expr(kind: .bool(false), span: t.span)
        case .kwNone: pos += 1; return Expr(kind: .none, span: t.span)
        case .identifier(let n): pos += 1; return Expr(kind: .name(n), span: t.span)
        case .lparen:
            pos += 1
            let e = try expression()
            if !match(.rparen) { throw unclosed("(", at: t.span, expected: "')'") }
            return Expr(kind: e.kind, span: t.span.to(previousSpan))
        case .lbracket:
            pos += 1
            var items: [Expr] = []
            while kind != .rbracket {
                if kind == .eof { throw unclosed("[", at: t.span, expected: "']'") }
                items.append(try expression())
                if !match(.comma) {
                    if kind == .rbracket { break }
                    throw unclosed("[", at: t.span, expected: "',' or ']' in the list")
                }
            }
            pos += 1
            return Expr(kind: .list(items), span: t.span.to(previousSpan))
        case .lbrace:
            return try recordLiteral()
        case .kwFn:
            return try expression()
        case .eof:
            throw Failure(diagnostic: Diagnostic(.parse, "expected an expression, found end of input", span: t.span), incomplete: true)
        default:
            throw fail("expected an expression, found \(t.kind.display)")
        }
    }

    /// `{name: value, …}`; `{x, y}` is short for `{x: x, y: y}`. Newlines are allowed between fields.
    mutating func recordLiteral() throws -> Expr {
        let open = advance().span
        try enter(); defer { nesting -= 1 }
        var fields: [(name: String, value: Expr)] = []
        while true {
            while kind == .newline { pos += 1 }
            if kind == .rbrace { pos += 1; break }
            if kind == .eof { throw unclosed("{", at: open, expected: "'}'") }
            let name: String
            switch kind {
            case .identifier(let n): name = n
            case .string(let s): name = s
            default: throw fail("expected a field name in the record, found \(kind.display)")
            }
            let nameTok = advance()
            if fields.contains(where: { $0.name == name }) {
                throw Failure(diagnostic: Diagnostic(.parse, "field '\(name)' appears twice in the record", span: nameTok.span), incomplete: false)
            }
            if match(.colon) {
                while kind == .newline { pos += 1 }
                fields.append((name, try expression()))
            } else {
                fields.append((name, Expr(kind: .name(name), span: nameTok.span)))
            }
            while kind == .newline { pos += 1 }
            if !match(.comma) {
                if kind == .rbrace { pos += 1; break }
                throw unclosed("{", at: open, expected: "',' or '}' in the record")
            }
        }
        return Expr(kind: .record(fields), span: open.to(previousSpan))
    }
}
