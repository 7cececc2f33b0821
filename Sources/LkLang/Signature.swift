/// A built-in's parameters, declared once as the signature line users read in
/// `:help` and Docs/builtins.md, and parsed into what the interpreter checks:
/// how many positional arguments each form takes and which keywords exist.
///
/// The grammar (one or more forms, separated by ` / `):
///
///     form      := [receiver "."] name "(" [param ("," param)*] ")" [" → " result]
///     param     := name                 a required positional argument
///                | name "..."           one or more positional arguments (`sizes...`)
///                | "[" name "]"         an optional positional argument (`[X2]`)
///                | "[" name "...]"      zero or more positional arguments
///                | name "=" [default]   a keyword argument with its default
///                                       (empty: none, or chosen from the others)
///
/// Keyword arguments are keyword-only: `cg(A, b, tol=1e-8)`, never `cg(A, b, 1e-8)`.
/// Calls that differ in more than trailing optional arguments are separate forms,
/// as in `arange(stop) / arange(start, stop, step=1)`. swift-argument-parser's `@Option`,
/// which drives parsing, usage and help from one declaration, is the model.
public struct Signature: Sendable {
    public struct Parameter: Sendable, Equatable {
        public let name: String
        /// The default as written (`""` for one chosen at run time); nil for positionals.
        public let defaultText: String?
        public let variadic: Bool
        /// An optional positional argument, written `[name]` (`[name...]`: zero or more).
        public var optional = false
        public var isKeyword: Bool { defaultText != nil }
    }

    public struct Form: Sendable {
        public let text: String
        public let parameters: [Parameter]
        /// Positional arguments this form takes: at least `minimum`, at most `maximum` (nil: no limit).
        public var minimum: Int { parameters.filter { !$0.isKeyword && !$0.optional }.count }
        public var maximum: Int? {
            parameters.contains { $0.variadic } ? nil : parameters.filter { !$0.isKeyword }.count
        }
    }

    public let text: String
    public let name: String
    public let forms: [Form]

    /// Every keyword any form accepts, in the order declared.
    public var keywords: [String] {
        var seen: [String] = []
        for f in forms { for p in f.parameters where p.isKeyword && !seen.contains(p.name) { seen.append(p.name) } }
        return seen
    }

    /// The fewest and most positional arguments over all forms.
    public var arity: (minimum: Int, maximum: Int?) {
        let lo = forms.map(\.minimum).min() ?? 0
        let his = forms.map(\.maximum)
        return (lo, his.contains { $0 == nil } ? nil : his.compactMap { $0 }.max() ?? 0)
    }

    /// Whether some form takes `n` positional arguments.
    public func accepts(positional n: Int) -> Bool {
        forms.contains { n >= $0.minimum && ($0.maximum.map { n <= $0 } ?? true) }
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ text: String) throws {
        self.text = text
        var forms: [Form] = []
        var name: String? = nil
        for formText in text.components(separatedBy: " / ") {
            let (formName, form) = try Signature.parseForm(formText)
            if let name, name != formName { throw ParseError(description: "signature '\(text)': forms name both \(name) and \(formName)") }
            name = formName
            forms.append(form)
        }
        self.name = name ?? ""
        self.forms = forms
    }

    static func parseForm(_ raw: String) throws -> (String, Form) {
        let text = raw.components(separatedBy: " → ")[0].trimmingCharacters(in: .whitespaces)
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else {
            throw ParseError(description: "signature '\(raw)' is not name(parameters)")
        }
        var name = String(text[..<open])
        if let dot = name.lastIndex(of: ".") { name = String(name[name.index(after: dot)...]) }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ParseError(description: "signature '\(raw)': bad name '\(name)'")
        }
        let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
        var parameters: [Parameter] = []
        for var piece in splitTopLevel(String(inner)) {
            var optional = false
            if piece.hasPrefix("["), piece.hasSuffix("]"), !piece.contains("=") {
                optional = true
                piece = String(piece.dropFirst().dropLast())
            }
            if let eq = piece.firstIndex(of: "=") {
                let n = piece[..<eq].trimmingCharacters(in: .whitespaces)
                let d = piece[piece.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                parameters.append(Parameter(name: n, defaultText: d, variadic: false))
                continue
            }
            guard parameters.allSatisfy({ !$0.isKeyword && !$0.variadic }) else {
                throw ParseError(description: "signature '\(raw)': positional '\(piece)' after a keyword or a variadic parameter")
            }
            if !optional, parameters.contains(where: { $0.optional }) {
                throw ParseError(description: "signature '\(raw)': required '\(piece)' after an optional parameter")
            }
            let variadic = piece.hasSuffix("...")
            var p = Parameter(name: variadic ? String(piece.dropLast(3)) : piece, defaultText: nil, variadic: variadic)
            p.optional = optional
            parameters.append(p)
        }
        for p in parameters {
            guard !p.name.isEmpty, p.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ParseError(description: "signature '\(raw)': bad parameter '\(p.name)'")
            }
        }
        return (name, Form(text: raw, parameters: parameters))
    }

    /// Splits at commas outside brackets and string literals.
    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0, quoted = false, escaped = false
        for c in s {
            if quoted {
                current.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
                continue
            }
            switch c {
            case "\"": quoted = true; current.append(c)
            case "(", "[", "{": depth += 1; current.append(c)
            case ")", "]", "}": depth -= 1; current.append(c)
            case "," where depth == 0: parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            default: current.append(c)
            }
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty || !parts.isEmpty { parts.append(last) }
        return parts.filter { !$0.isEmpty }
    }
}
