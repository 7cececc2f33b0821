import Foundation
import LkLang

/// Tab completion at the prompt, from the text before the cursor:
/// - inside a string literal: file paths;
/// - after `name.`: the fields of that record (or `T`, `shape` of a tensor);
/// - inside the parentheses of a call: that function's keyword-argument names
///   (as `name=`), then everything below;
/// - otherwise: variables in scope, built-ins, constants and keywords.
/// Returns the byte offset where the completed word starts and the candidates.
public struct Completer {
    public let interpreter: Interpreter

    public init(interpreter: Interpreter) { self.interpreter = interpreter }

    public func complete(_ before: String) -> (replaceFrom: Int, candidates: [String]) {
        let bytes = Array(before.utf8)
        if let quote = openStringStart(bytes) {
            let prefix = String(decoding: bytes[(quote + 1)...], as: UTF8.self)
            return (quote + 1, paths(prefix))
        }
        // The identifier being typed.
        var start = bytes.count
        while start > 0, isIdent(bytes[start - 1]) { start -= 1 }
        let word = String(decoding: bytes[start...], as: UTF8.self)
        if start > 0 && bytes[start - 1] == UInt8(ascii: ".") {
            var s = start - 1
            while s > 0, isIdent(bytes[s - 1]) { s -= 1 }
            let base = String(decoding: bytes[s..<(start - 1)], as: UTF8.self)
            return (start, fields(of: base).filter { $0.hasPrefix(word) }.sorted())
        }
        var candidates: [String] = []
        if let callee = enclosingCall(bytes[..<start]) {
            candidates += keywordNames(of: callee).map { $0 + "=" }.filter { $0.hasPrefix(word) }.sorted()
        }
        let names = Set(interpreter.allNames + TokenKind.keywordNames)
        candidates += names.filter { $0.hasPrefix(word) && !$0.isEmpty && $0 != "_" || (word == "_" && $0 == "_") }.sorted()
        return (start, candidates)
    }

    func isIdent(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b >= 0x80
    }

    /// The offset of the quote that opens a string still open at the cursor.
    func openStringStart(_ bytes: [UInt8]) -> Int? {
        var open: Int? = nil
        var quote: UInt8 = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if let _ = open {
                if b == UInt8(ascii: "\\") { i += 2; continue }
                if b == quote { open = nil }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                open = i; quote = b
            } else if b == UInt8(ascii: "#") {
                return nil   // a comment
            }
            i += 1
        }
        return open
    }

    /// The name before the innermost unclosed `(`, if any.
    func enclosingCall(_ bytes: ArraySlice<UInt8>) -> String? {
        var depth = 0
        var i = bytes.endIndex
        while i > bytes.startIndex {
            i -= 1
            switch bytes[i] {
            case UInt8(ascii: ")"), UInt8(ascii: "]"): depth += 1
            case UInt8(ascii: "["): depth -= 1
            case UInt8(ascii: "("):
                if depth == 0 {
                    var s = i
                    while s > bytes.startIndex, isIdent(bytes[s - 1]) { s -= 1 }
                    return s < i ? String(decoding: bytes[s..<i], as: UTF8.self) : nil
                }
                depth -= 1
            default: break
            }
        }
        return nil
    }

    func keywordNames(of callee: String) -> [String] {
        switch interpreter.value(of: callee) {
        case .builtin(let b)?: return b.keywords.filter { $0 != "*" }
        case .function(let f)?: return f.parameterNames
        default: return []
        }
    }

    func fields(of name: String) -> [String] {
        switch interpreter.value(of: name) {
        case .record(let r)?: return r.names
        case .tensor?: return ["T", "shape"]
        default: return []
        }
    }

    /// Directory entries matching a typed path (directories end in `/`).
    func paths(_ prefix: String) -> [String] {
        let expanded = prefix.hasPrefix("~/") ? NSHomeDirectory() + prefix.dropFirst(1) : prefix
        let dir: String, stem: String
        if let slash = expanded.lastIndex(of: "/") {
            dir = String(expanded[...slash]); stem = String(expanded[expanded.index(after: slash)...])
        } else {
            dir = ""; stem = expanded
        }
        let fm = FileManager.default
        guard let items = try? fm.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir) else { return [] }
        let typedDir = prefix.hasPrefix("~/") ? "~/" + dir.dropFirst(NSHomeDirectory().count + 1) : dir
        return items.filter { $0.hasPrefix(stem) && (stem.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { item in
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: (dir.isEmpty ? "" : dir) + item, isDirectory: &isDir)
            return typedDir + item + (isDir.boolValue ? "/" : "")
        }
    }
}
