/// A piece of lk source text with a name (a file path, `<repl>`, `<-e>`), and the
/// offsets of its line starts so spans turn into line:column cheaply.
public final class SourceFile: Sendable {
    public let name: String
    /// The text as UTF-8 bytes; the lexer works on bytes, columns count characters.
    public let bytes: [UInt8]
    let lineStarts: [Int]

    public init(name: String, text: String) {
        self.name = name
        self.bytes = Array(text.utf8)
        var starts = [0]
        bytes.withUnsafeBufferPointer { b in
            for i in 0..<b.count where b[i] == 10 { starts.append(i + 1) }
        }
        self.lineStarts = starts
    }

    /// 1-based line and column (in Unicode scalars) of a byte offset.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let start = lineStarts[lo]
        let end = min(offset, bytes.count)
        let column = String(decoding: bytes[start..<max(start, end)], as: UTF8.self).unicodeScalars.count + 1
        return (lo + 1, column)
    }

    /// The text of a 1-based line, without its newline.
    public func lineText(_ line: Int) -> String {
        guard line >= 1 && line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    public func text(of span: SourceSpan) -> String {
        let s = max(0, min(span.start, bytes.count)), e = max(s, min(span.end, bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }
}

/// A range of bytes in a source file: where a token, node or error is.
public struct SourceSpan: Sendable, Equatable {
    public var start: Int
    public var length: Int
    public var end: Int { start + length }
    public init(start: Int, length: Int) { self.start = start; self.length = length }
    public static let none = SourceSpan(start: -1, length: 0)
    public var isNone: Bool { start < 0 }
    /// The smallest span covering both.
    public func to(_ other: SourceSpan) -> SourceSpan {
        if isNone { return other }
        if other.isNone { return self }
        let s = min(start, other.start)
        return SourceSpan(start: s, length: max(end, other.end) - s)
    }
}
