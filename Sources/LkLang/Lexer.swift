import LkTensor

/// The kinds of token lk source is made of.
public enum TokenKind: Equatable, Sendable {
    case number(Double)
    case string(String)
    case identifier(String)
    // keywords
    case kwFn, kwIf, kwElse, kwFor, kwIn, kwWhile, kwBreak, kwContinue, kwReturn
    case kwAnd, kwOr, kwNot, kwTrue, kwFalse, kwNone, kwNonlocal, kwGlobal
    // punctuation and operators
    case lparen, rparen, lbracket, rbracket, lbrace, rbrace
    case comma, colon, semicolon, dot, dotdot, arrow
    case assign, plusAssign, minusAssign, starAssign, slashAssign
    case eq, ne, lt, le, gt, ge
    case plus, minus, star, slash, percent, caret, at
    case newline, eof

    static let keywords: [String: TokenKind] = [
        "fn": .kwFn, "if": .kwIf, "else": .kwElse, "for": .kwFor, "in": .kwIn,
        "while": .kwWhile, "break": .kwBreak, "continue": .kwContinue, "return": .kwReturn,
        "and": .kwAnd, "or": .kwOr, "not": .kwNot, "true": .kwTrue, "false": .kwFalse, "none": .kwNone,
        "nonlocal": .kwNonlocal, "global": .kwGlobal,
    ]

    /// The names the REPL completes as keywords.
    public static var keywordNames: [String] { keywords.keys.sorted() }

    /// How the token reads in an error message.
    var display: String {
        switch self {
        case .number(let v): return "number \(formatNumber(v))"
        case .string: return "string"
        case .identifier(let n): return "'\(n)'"
        case .newline: return "end of line"
        case .eof: return "end of input"
        default:
            if let k = TokenKind.keywords.first(where: { $0.value == self }) { return "'\(k.key)'" }
            return "'\(TokenKind.punctuation.first(where: { $0.1 == self })?.0 ?? "?")'"
        }
    }

    static let punctuation: [(String, TokenKind)] = [
        ("=>", .arrow), ("..", .dotdot), ("==", .eq), ("!=", .ne), ("<=", .le), (">=", .ge),
        ("+=", .plusAssign), ("-=", .minusAssign), ("*=", .starAssign), ("/=", .slashAssign),
        ("(", .lparen), (")", .rparen), ("[", .lbracket), ("]", .rbracket), ("{", .lbrace), ("}", .rbrace),
        (",", .comma), (":", .colon), (";", .semicolon), (".", .dot), ("=", .assign),
        ("<", .lt), (">", .gt), ("+", .plus), ("-", .minus), ("*", .star), ("/", .slash),
        ("%", .percent), ("^", .caret), ("@", .at),
    ]
}

public struct Token: Sendable {
    public var kind: TokenKind
    public var span: SourceSpan
}

/// Turns source bytes into tokens. Newlines inside `(` `)` and `[` `]` are
/// dropped (an open bracket continues the expression); elsewhere they end a
/// statement. Comments run from `#` to the end of the line.
public struct Lexer {
    let src: [UInt8]
    var pos = 0
    var depth: [UInt8] = []   // stack of open ( and [ ; braces push too so that a '{' inside '(' resets newline handling

    public init(_ source: SourceFile) { src = source.bytes }

    /// All tokens, ending with `.eof`; throws the first lexical error.
    public static func tokenize(_ source: SourceFile) throws(Diagnostic) -> [Token] {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        tokens.reserveCapacity(source.bytes.count / 3)
        while true {
            do {
                let t = try lexer.next()
                tokens.append(t)
                if t.kind == .eof { return tokens }
            } catch var d {
                d.source = source
                throw d
            }
        }
    }

    func peekByte(_ k: Int = 0) -> UInt8 { pos + k < src.count ? src[pos + k] : 0 }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isIdentStart(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c >= 0x80 }
    static func isIdent(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }

    mutating func next() throws(Diagnostic) -> Token {
        while pos < src.count {
            let c = src[pos]
            if c == 32 || c == 9 || c == 13 { pos += 1; continue }
            if c == UInt8(ascii: "#") {
                while pos < src.count && src[pos] != 10 { pos += 1 }
                continue
            }
            if c == 10 {
                pos += 1
                if let top = depth.last, top != UInt8(ascii: "{") { continue }
                return Token(kind: .newline, span: SourceSpan(start: pos - 1, length: 1))
            }
            // A backslash at the end of a line joins it with the next.
            if c == UInt8(ascii: "\\") && (peekByte(1) == 10 || (peekByte(1) == 13 && peekByte(2) == 10)) {
                pos += peekByte(1) == 10 ? 2 : 3
                continue
            }
            break
        }
        let start = pos
        guard pos < src.count else { return Token(kind: .eof, span: SourceSpan(start: src.count, length: 0)) }
        let c = src[pos]
        if Lexer.isDigit(c) || (c == UInt8(ascii: ".") && Lexer.isDigit(peekByte(1))) {
            return try number(start)
        }
        if Lexer.isIdentStart(c) && (c < 0x80 || unicodeLetter(at: pos) > 0) {
            while pos < src.count {
                if src[pos] < 0x80 {
                    guard Lexer.isIdent(src[pos]) else { break }
                    pos += 1
                } else {
                    let n = unicodeLetter(at: pos)
                    guard n > 0 else { break }
                    pos += n
                }
            }
            let name = String(decoding: src[start..<pos], as: UTF8.self)
            let kind = TokenKind.keywords[name] ?? .identifier(name)
            return Token(kind: kind, span: SourceSpan(start: start, length: pos - start))
        }
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { return try string(start, quote: c) }
        if let (kind, length) = Lexer.punctuation(c, peekByte(1)) {
            pos += length
            switch kind {
            case .lparen: depth.append(UInt8(ascii: "("))
            case .lbracket: depth.append(UInt8(ascii: "["))
            case .lbrace: depth.append(UInt8(ascii: "{"))
            case .rparen, .rbracket, .rbrace: if !depth.isEmpty { depth.removeLast() }
            default: break
            }
            return Token(kind: kind, span: SourceSpan(start: start, length: length))
        }
        // An unknown character: report it whole (it may be several UTF-8 bytes).
        var end = pos + 1
        while end < src.count && src[end] & 0xC0 == 0x80 { end += 1 }
        let ch = String(decoding: src[pos..<end], as: UTF8.self)
        throw Diagnostic(.parse, "unexpected character '\(ch)'", span: SourceSpan(start: pos, length: end - pos))
    }

    /// The operator or punctuation starting with bytes `c`, `d`, and its length:
    /// two-byte operators first (the table `TokenKind.punctuation` spells them out
    /// for messages; this is its byte-level form, with no allocation per token).
    static func punctuation(_ c: UInt8, _ d: UInt8) -> (TokenKind, Int)? {
        let eq = d == UInt8(ascii: "=")
        switch c {
        case UInt8(ascii: "="): return d == UInt8(ascii: ">") ? (.arrow, 2) : eq ? (.eq, 2) : (.assign, 1)
        case UInt8(ascii: "."): return d == UInt8(ascii: ".") ? (.dotdot, 2) : (.dot, 1)
        case UInt8(ascii: "!"): return eq ? (.ne, 2) : nil
        case UInt8(ascii: "<"): return eq ? (.le, 2) : (.lt, 1)
        case UInt8(ascii: ">"): return eq ? (.ge, 2) : (.gt, 1)
        case UInt8(ascii: "+"): return eq ? (.plusAssign, 2) : (.plus, 1)
        case UInt8(ascii: "-"): return eq ? (.minusAssign, 2) : (.minus, 1)
        case UInt8(ascii: "*"): return eq ? (.starAssign, 2) : (.star, 1)
        case UInt8(ascii: "/"): return eq ? (.slashAssign, 2) : (.slash, 1)
        case UInt8(ascii: "("): return (.lparen, 1)
        case UInt8(ascii: ")"): return (.rparen, 1)
        case UInt8(ascii: "["): return (.lbracket, 1)
        case UInt8(ascii: "]"): return (.rbracket, 1)
        case UInt8(ascii: "{"): return (.lbrace, 1)
        case UInt8(ascii: "}"): return (.rbrace, 1)
        case UInt8(ascii: ","): return (.comma, 1)
        case UInt8(ascii: ":"): return (.colon, 1)
        case UInt8(ascii: ";"): return (.semicolon, 1)
        case UInt8(ascii: "%"): return (.percent, 1)
        case UInt8(ascii: "^"): return (.caret, 1)
        case UInt8(ascii: "@"): return (.at, 1)
        default: return nil
        }
    }

    /// The byte length of the UTF-8 character at `i` if it is a letter, digit or
    /// combining mark (so `σ` or `α₁` can be names), else 0 (so `×` is an error).
    func unicodeLetter(at i: Int) -> Int {
        var end = i + 1
        while end < src.count && src[end] & 0xC0 == 0x80 && end - i < 4 { end += 1 }
        guard let scalar = String(decoding: src[i..<end], as: UTF8.self).unicodeScalars.first, scalar.value != 0xFFFD else { return 0 }
        let p = scalar.properties
        return p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark ? end - i : 0
    }

    mutating func number(_ start: Int) throws(Diagnostic) -> Token {
        while Lexer.isDigit(peekByte()) || peekByte() == UInt8(ascii: "_") { pos += 1 }
        // A '.' belongs to the number when a digit follows, or when it ends the number
        // as in NumPy code (`1.`, `2. / 3`, `1.e5`); not in a range `0..10`, nor before
        // a field name `x.T`.
        if peekByte() == UInt8(ascii: ".") {
            let next = peekByte(1)
            let exponentFollows = (next == UInt8(ascii: "e") || next == UInt8(ascii: "E"))
                && (Lexer.isDigit(peekByte(2)) || ((peekByte(2) == UInt8(ascii: "+") || peekByte(2) == UInt8(ascii: "-")) && Lexer.isDigit(peekByte(3))))
            if Lexer.isDigit(next) {
                pos += 1
                while Lexer.isDigit(peekByte()) || peekByte() == UInt8(ascii: "_") { pos += 1 }
            } else if exponentFollows || (next != UInt8(ascii: ".") && !Lexer.isIdentStart(next)) {
                pos += 1
            }
        }
        if peekByte() == UInt8(ascii: "e") || peekByte() == UInt8(ascii: "E") {
            let save = pos
            pos += 1
            if peekByte() == UInt8(ascii: "+") || peekByte() == UInt8(ascii: "-") { pos += 1 }
            if Lexer.isDigit(peekByte()) {
                while Lexer.isDigit(peekByte()) { pos += 1 }
            } else {
                pos = save
            }
        }
        let digits = src[start..<pos]
        let text = digits.contains(UInt8(ascii: "_")) ? String(decoding: digits.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
                                                      : String(decoding: digits, as: UTF8.self)
        let span = SourceSpan(start: start, length: pos - start)
        if Lexer.isIdentStart(peekByte()) {
            // Report the whole run of letters and digits (`12abc`), not just its first letter.
            var end = pos
            while end < src.count && Lexer.isIdent(src[end]) { end += 1 }
            let word = String(decoding: src[start..<end], as: UTF8.self)
            throw Diagnostic(.parse, "malformed number '\(word)'", span: SourceSpan(start: start, length: end - start))
        }
        guard let v = Double(text) else { throw Diagnostic(.parse, "malformed number '\(text)'", span: span) }
        return Token(kind: .number(v), span: span)
    }

    mutating func string(_ start: Int, quote: UInt8) throws(Diagnostic) -> Token {
        pos += 1
        var bytes: [UInt8] = []
        while true {
            guard pos < src.count, src[pos] != 10 else {
                throw Diagnostic(.parse, "unterminated string", span: SourceSpan(start: start, length: 1))
            }
            let c = src[pos]
            if c == quote { pos += 1; break }
            if c == UInt8(ascii: "\\") {
                let e = peekByte(1)
                switch e {
                case UInt8(ascii: "n"): bytes.append(10)
                case UInt8(ascii: "t"): bytes.append(9)
                case UInt8(ascii: "r"): bytes.append(13)
                case UInt8(ascii: "0"): bytes.append(0)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): bytes.append(e)
                default:
                    throw Diagnostic(.parse, "unknown escape '\\\(Character(UnicodeScalar(e)))' in string (use \\n \\t \\r \\\" \\\\)", span: SourceSpan(start: pos, length: 2))
                }
                pos += 2
                continue
            }
            bytes.append(c)
            pos += 1
        }
        return Token(kind: .string(String(decoding: bytes, as: UTF8.self)), span: SourceSpan(start: start, length: pos - start))
    }
}
