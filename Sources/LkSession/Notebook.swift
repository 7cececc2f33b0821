import Foundation

/// A script read as a notebook: Jupytext's percent format. A line starting with
/// `# %%` begins a cell; `# %% [markdown]` begins a prose cell whose lines are
/// `#` comments. Text after `# %%` is the cell's title. Lines before the first
/// marker form a code cell of their own (if not blank). Lines end in "\n" or "\r\n".
public struct Notebook {
    public struct Cell {
        public enum Kind: Sendable { case code, markdown }
        public var kind: Kind
        public var title: String
        /// 1-based line of the first line of the cell's body (after its marker).
        public var firstLine: Int
        public var lines: [String]

        public init(kind: Kind, title: String, firstLine: Int, lines: [String]) {
            self.kind = kind; self.title = title; self.firstLine = firstLine; self.lines = lines
        }

        public var code: String { lines.joined(separator: "\n") }

        /// The prose of a markdown cell: each line without its leading `# ` (or `#`).
        public var prose: String {
            lines.map { line in
                if line.hasPrefix("# ") { return String(line.dropFirst(2)) }
                if line.hasPrefix("#") { return String(line.dropFirst(1)) }
                return line
            }.joined(separator: "\n").trimmingCharacters(in: .newlines)
        }

        public var isBlank: Bool { lines.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    public var cells: [Cell] = []
    public let lineCount: Int

    public init(text: String) {
        // "\r\n" (a notebook saved on Windows) is one Character in Swift, so it is named.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        lineCount = lines.count
        var current = Cell(kind: .code, title: "", firstLine: 1, lines: [])
        var started = false
        for (i, line) in lines.enumerated() {
            if line.hasPrefix("# %%") {
                if started || !current.isBlank { cells.append(current) }
                started = true
                var rest = line.dropFirst(4).trimmingCharacters(in: .whitespaces)
                var kind = Cell.Kind.code
                if rest.hasPrefix("[markdown]") || rest.hasPrefix("[md]") {
                    kind = .markdown
                    rest = rest.drop(while: { $0 != "]" }).dropFirst().trimmingCharacters(in: .whitespaces)
                }
                current = Cell(kind: kind, title: rest, firstLine: i + 2, lines: [])
            } else {
                current.lines.append(line)
            }
        }
        if started || !current.isBlank { cells.append(current) }
        // A trailing newline leaves an empty last line: not part of any cell's code.
        if var last = cells.last, last.lines.last == "" { last.lines.removeLast(); cells[cells.count - 1] = last }
    }

    /// A title for listings: the marker's text, else the first prose line, else the first code line.
    public static func title(of cell: Cell) -> String {
        if !cell.title.isEmpty { return cell.title }
        let first = (cell.kind == .markdown ? cell.prose : cell.code).split(separator: "\n").first.map(String.init) ?? ""
        let t = first.trimmingCharacters(in: CharacterSet(charactersIn: "# ").union(.whitespaces))
        return t.count > 60 ? String(t.prefix(57)) + "..." : t
    }

    /// The source text of one cell, with every other line blank, so errors carry
    /// the line numbers of the file.
    public func sourceText(of index: Int) -> String {
        let cell = cells[index]
        var out = [String](repeating: "", count: cell.firstLine - 1)
        out += cell.lines
        return out.joined(separator: "\n")
    }
}
