/// An lk error as a value: where it happened, what kind, and the message. One
/// renderer (`render`) prints `file:line:col: error: …`, the line and a caret.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case parse, runtime, interrupted }
    public var kind: Kind
    public var message: String
    public var span: SourceSpan
    public var source: SourceFile?
    /// Extra lines such as a traceback ("in f, called at x.lk:3:5").
    public var notes: [String] = []

    public init(_ kind: Kind, _ message: String, span: SourceSpan = .none, source: SourceFile? = nil) {
        self.kind = kind; self.message = message; self.span = span; self.source = source
    }

    public var description: String { render() }

    /// `file:line:col: error: message`, then the source line and a caret under the span.
    public func render() -> String {
        guard let source, !span.isNone else {
            let head = kind == .interrupted ? "interrupted" : "error: \(message)"
            return ([head] + notes).joined(separator: "\n")
        }
        let (line, col) = source.location(of: span.start)
        var text = source.lineText(line).replacingTabs()
        var out = "\(source.name):\(line):\(col): error: \(message)\n"
        // Underline the span, but not past the end of this line.
        let (endLine, _) = source.location(of: max(span.start, span.end - 1))
        var width = endLine == line ? max(1, source.text(of: span).unicodeScalars.count) : max(1, text.unicodeScalars.count - col + 1)
        var caretColumn = col
        // A very long line is shown as a window around the caret.
        let window = 120
        if text.unicodeScalars.count > window {
            let scalars = Array(text.unicodeScalars)
            let from = max(0, min(col - 1 - window / 2, scalars.count - window))
            let to = min(scalars.count, from + window)
            var shown = String(String.UnicodeScalarView(scalars[from..<to]))
            if from > 0 { shown = "…" + shown }
            if to < scalars.count { shown += "…" }
            caretColumn = col - from + (from > 0 ? 1 : 0)
            width = min(width, window)
            text = shown
        }
        out += "    " + text + "\n"
        out += "    " + String(repeating: " ", count: caretColumn - 1) + "^" + String(repeating: "~", count: max(0, width - 1))
        for n in notes { out += "\n" + n }
        return out
    }
}

extension String {
    /// Tabs become single spaces so the caret lines up with the column count.
    func replacingTabs() -> String { replacingOccurrences(of: "\t", with: " ") }
}
