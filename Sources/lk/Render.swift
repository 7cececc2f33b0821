import Foundation
import LkBuiltins
import LkLang
import LkSession
import LkTensor

/// `lk render FILE.lk -o OUT.md [--html]`: runs a notebook script cell by cell in
/// one workspace and writes a document: prose cells as prose, code cells as code
/// followed by what they printed, the value of their last expression, and the
/// figures they made (files in OUT_files/ beside the document, linked). An error
/// stops the run: it is shown under its cell, the partial document is still
/// written, and lk exits 65 (parse) or 70 (runtime). `--html` writes one
/// self-contained page instead, with figures inlined.
struct Renderer {
    let input: String
    let output: String
    let html: Bool

    var arguments: [String] = []

    func run() -> Int32 {
        guard let data = FileManager.default.contents(atPath: input) else {
            FileHandle.standardError.write(Data("lk render: \(input): cannot read the file\n".utf8))
            return Runner.ioError
        }
        guard let text = String(data: data, encoding: .utf8) else {
            FileHandle.standardError.write(Data("lk render: \(input): not valid UTF-8\n".utf8))
            return Runner.parseError
        }
        let notebook = Notebook(text: text)
        let outURL = URL(fileURLWithPath: output)
        let figureDir = outURL.deletingPathExtension().lastPathComponent + "_files"
        let figureURL = outURL.deletingLastPathComponent().appendingPathComponent(figureDir)
        // Freed on the large stack at the end (freeing a deep syntax tree recurses).
        var holder: Session? = Session(arguments: arguments, interactive: false)
        defer { onLargeStack { holder = nil } }
        let session = holder!
        session.figures.route(to: figureURL)
        var status: Int32 = 0
        var parts: [(Notebook.Cell, CellResult?)] = []
        for (index, cell) in notebook.cells.enumerated() {
            if cell.kind == .markdown { parts.append((cell, nil)); continue }
            if cell.isBlank { continue }
            var result = session.execute(SourceFile(name: input, text: notebook.sourceText(of: index)))
            result.figures = result.figures.map { figureDir + "/" + URL(fileURLWithPath: $0).lastPathComponent }
            if let shown = result.shown { result.output += shown + "\n" }
            if let d = result.diagnostic { status = d.kind == .parse ? Runner.parseError : Runner.runtimeError }
            parts.append((cell, result))
            if status != 0 { break }
        }
        let document = html ? Renderer.html(parts, title: input, base: outURL.deletingLastPathComponent()) : Renderer.markdown(parts)
        do {
            try AtomicFile.write(Array(document.utf8), to: output)
        } catch {
            FileHandle.standardError.write(Data("lk render: \(error)\n".utf8))
            return Runner.ioError
        }
        if status != 0, let err = parts.last?.1?.diagnostic?.render() {
            FileHandle.standardError.write(Data((err + "\n").utf8))
        }
        return status
    }

    static func fence(_ text: String, _ info: String) -> String {
        // A fence longer than any backtick run inside, so the content cannot close it.
        var longest = 0, run = 0
        for c in text { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let f = String(repeating: "`", count: max(3, longest + 1))
        return f + info + "\n" + text + (text.hasSuffix("\n") ? "" : "\n") + f + "\n"
    }

    static func markdown(_ parts: [(Notebook.Cell, CellResult?)]) -> String {
        var out: [String] = []
        for (cell, result) in parts {
            guard let result else { out.append(cell.prose + "\n"); continue }
            var block = ""
            if !cell.title.isEmpty { block += "**\(cell.title)**\n\n" }
            block += fence(cell.code.trimmingCharacters(in: .newlines), "lk")
            if !result.output.isEmpty { block += "\n" + fence(result.output, "text") }
            for f in result.figures { block += "\n![\(URL(fileURLWithPath: f).lastPathComponent)](\(f))\n" }
            if let e = result.diagnostic?.render() { block += "\n" + fence(e, "text") }
            out.append(block)
        }
        return out.joined(separator: "\n")
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Prose: `#` heading lines, blank-line paragraphs, `code` spans; everything escaped.
    static func proseHTML(_ text: String) -> String {
        var out = ""
        var paragraph: [String] = []
        func flush() {
            if !paragraph.isEmpty { out += "<p>\(inline(paragraph.joined(separator: "\n")))</p>\n" }
            paragraph = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let level = line.prefix(while: { $0 == "#" }).count
            if level > 0 && level <= 6 && line.dropFirst(level).hasPrefix(" ") {
                flush()
                out += "<h\(level)>\(inline(String(line.dropFirst(level + 1))))</h\(level)>\n"
            } else if line.trimmingCharacters(in: .whitespaces).isEmpty {
                flush()
            } else {
                paragraph.append(line)
            }
        }
        flush()
        return out
    }

    static func inline(_ s: String) -> String {
        var out = ""
        var inCode = false
        for piece in s.split(separator: "`", omittingEmptySubsequences: false) {
            out += inCode ? "<code>\(escape(String(piece)))</code>" : escape(String(piece))
            inCode.toggle()
        }
        return out
    }

    static func html(_ parts: [(Notebook.Cell, CellResult?)], title: String, base: URL) -> String {
        var body = ""
        for (cell, result) in parts {
            guard let result else { body += proseHTML(cell.prose); continue }
            body += "<pre class=\"code\">\(escape(cell.code.trimmingCharacters(in: .newlines)))</pre>\n"
            if !result.output.isEmpty { body += "<pre class=\"out\">\(escape(result.output))</pre>\n" }
            for f in result.figures {
                let url = base.appendingPathComponent(f)
                guard let data = FileManager.default.contents(atPath: url.path) else { continue }
                let mime = url.pathExtension == "svg" ? "image/svg+xml" : "image/png"
                body += "<img alt=\"\(escape(url.lastPathComponent))\" src=\"data:\(mime);base64,\(data.base64EncodedString())\">\n"
            }
            if let e = result.diagnostic?.render() { body += "<pre class=\"err\">\(escape(e))</pre>\n" }
        }
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.45}
        pre{padding:.6em;overflow-x:auto}pre.code{background:#f4f4f4}pre.out{border-left:3px solid #ccc}
        pre.err{border-left:3px solid #c33;color:#900}img{max-width:100%}</style></head>
        <body>
        \(body)</body></html>

        """
    }
}
