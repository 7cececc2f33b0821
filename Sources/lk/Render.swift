import Foundation
import Ink
import LkBuiltins
import LkLang
import LkSession
import LkTensor

/// `lk render FILE.lk -o OUT.md|OUT.html|OUT.ipynb [args…]`: runs a notebook
/// script cell by cell in one session (with `args` as a script has them) and
/// writes a document: prose cells as prose, code cells as code followed by what
/// they printed, the value of their last expression and the figures they made.
/// The format follows OUT's extension: Markdown (figures as SVG files in
/// OUT_files/ beside it, linked), one self-contained HTML page (figures
/// inlined), or an nbformat-4 notebook with the outputs (figures as PNG).
/// `lk render NOTEBOOK.ipynb -o FILE.lk` turns an lk notebook back into a
/// percent script. An error stops the run: it is shown under its cell, the
/// partial document is still written, and lk exits 65 (parse) or 70 (runtime).
struct Renderer {
    enum Format: String { case markdown = "md", html, ipynb, script = "lk" }

    let input: String
    let output: String
    let format: Format
    var arguments: [String] = []

    /// The format for an output path, or the message saying which extensions there are.
    static func format(of output: String) -> Result<Format, ValidationErrorText> {
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        if ext == "markdown" { return .success(.markdown) }
        guard let f = Format(rawValue: ext) else {
            return .failure(ValidationErrorText("-o \(output): the extension picks the format: .md (Markdown), .html (one page) or .ipynb (a Jupyter notebook); .lk turns an .ipynb back into a script"))
        }
        return .success(f)
    }

    /// One cell of the document: a prose cell (no result) or a code cell and what it gave.
    typealias Part = (cell: Notebook.Cell, result: CellResult?, count: Int)

    func run() -> Int32 {
        if Renderer.sameFile(input, output) {
            return fail("-o \(output) is the notebook itself; writing the document there would destroy it (choose another name)", Runner.usageError)
        }
        let data: Data
        do { data = Data(try InputFile.readRegular(input, what: "a notebook")) }
        catch let e as TensorError { return fail(e.message, Runner.ioError) }
        catch { return fail("\(input): cannot read the file", Runner.ioError) }
        guard let text = String(data: data, encoding: .utf8) else {
            return fail("\(input): not valid UTF-8", Runner.parseError)
        }
        let isNotebook = URL(fileURLWithPath: input).pathExtension.lowercased() == "ipynb"
        if format == .script || isNotebook {
            guard format == .script, isNotebook else {
                return fail(isNotebook ? "\(input) is a notebook: render it to a script with -o FILE.lk" : "-o \(output): only an .ipynb notebook renders to an .lk script", Runner.usageError)
            }
            switch NotebookJSON.script(fromIPYNB: data) {
            case .failure(let e): return fail("\(input): \(e.message)", Runner.parseError)
            case .success(let script): return write(script, note: "")
            }
        }
        let notebook = Notebook(text: text)
        let outURL = URL(fileURLWithPath: output).standardizedFileURL
        // Markdown links its figures, kept beside it; the other formats embed theirs.
        let figureDirName = outURL.deletingPathExtension().lastPathComponent + "_files"
        let figureURL = format == .markdown
            ? outURL.deletingLastPathComponent().appendingPathComponent(figureDirName)
            : FileManager.default.temporaryDirectory.appendingPathComponent("lk-render-\(getpid())-\(UUID().uuidString.prefix(8))")
        if format == .markdown { try? FileManager.default.removeItem(at: figureURL) }   // figures of an earlier render
        defer { if format != .markdown { try? FileManager.default.removeItem(at: figureURL) } }

        // Freed on the large stack at the end (freeing a deep syntax tree recurses).
        var holder: Session? = Session(arguments: arguments, interactive: false)
        defer { onLargeStack { holder = nil } }
        let session = holder!
        session.figures.route(to: figureURL, format: format == .ipynb ? "png" : "svg")
        session.scriptDirectory = URL(fileURLWithPath: input).deletingLastPathComponent().path
        var status: Int32 = 0
        var parts: [Part] = []
        var count = 0
        for (index, cell) in notebook.cells.enumerated() {
            if cell.kind == .markdown { parts.append((cell, nil, 0)); continue }
            if cell.isBlank { continue }
            count += 1
            let result = session.execute(SourceFile(name: input, text: notebook.sourceText(of: index)))
            for f in result.figures where f.hasSuffix(".svg") { crispen(f) }
            if let d = result.diagnostic { status = d.kind == .parse ? Runner.parseError : Runner.runtimeError }
            parts.append((cell, result, count))
            if status != 0 { break }
        }
        let figureCount = parts.reduce(0) { $0 + ($1.result?.figures.count ?? 0) }
        let document: String
        switch format {
        case .markdown: document = Renderer.markdown(parts, figureDirectory: figureDirName)
        case .html: document = Renderer.html(parts, title: Renderer.title(notebook, file: input))
        case .ipynb, .script: document = NotebookFile.ipynb(parts)
        }
        let note = format == .markdown && figureCount > 0
            ? " and \(figureCount) figure\(figureCount == 1 ? "" : "s") in \(figureURL.path)/" : ""
        let written = write(document, note: note)
        if written != 0 { return written }
        if status != 0, let err = parts.last?.result?.diagnostic?.render() {
            FileHandle.standardError.write(Data((err + "\n").utf8))
        }
        return status
    }

    /// Whether two paths name one existing file (also through a link or another spelling).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }

    /// The page title: the first prose heading (`# Title`), else the file's name.
    static func title(_ notebook: Notebook, file: String) -> String {
        for cell in notebook.cells where cell.kind == .markdown {
            if let h = cell.prose.split(separator: "\n").first(where: { $0.hasPrefix("# ") }) {
                return String(h.dropFirst(2)).trimmingCharacters(in: .whitespaces)
            }
        }
        return URL(fileURLWithPath: file).lastPathComponent
    }

    func fail(_ message: String, _ status: Int32) -> Int32 {
        FileHandle.standardError.write(Data("lk render: \(message)\n".utf8))
        return status
    }

    func write(_ document: String, note: String) -> Int32 {
        do {
            try AtomicFile.write(Array(document.utf8), to: output)
        } catch {
            return fail("\(error)", Runner.ioError)
        }
        FileHandle.standardError.write(Data("lk render: wrote \(output)\(note)\n".utf8))
        return 0
    }

    /// SVG figures keep their bitmaps (heatmap, image) pixel-sharp when scaled.
    func crispen(_ path: String) {
        guard let data = (try? InputFile.readRegular(path, atMost: Tensor.memoryLimit, what: "a figure")).map({ Data($0) }) else { return }
        try? AtomicFile.write(Array(crispSVG(String(decoding: data, as: UTF8.self)).utf8), to: path)
    }

    static func fence(_ text: String, _ info: String) -> String {
        // A fence longer than any backtick run inside, so the content cannot close it.
        var longest = 0, run = 0
        for c in text { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let f = String(repeating: "`", count: max(3, longest + 1))
        return f + info + "\n" + text + (text.hasSuffix("\n") ? "" : "\n") + f + "\n"
    }

    /// What a code cell printed, then its value.
    static func printed(_ r: CellResult) -> String {
        r.output + (r.shown.map { $0 + "\n" } ?? "")
    }

    static func markdown(_ parts: [Part], figureDirectory: String) -> String {
        var out: [String] = []
        for (cell, result, _) in parts {
            guard let result else { out.append(cell.prose + "\n"); continue }
            var block = ""
            if !cell.title.isEmpty { block += "**\(cell.title)**\n\n" }
            block += fence(cell.code.trimmingCharacters(in: .newlines), "lk")
            let text = printed(result)
            if !text.isEmpty { block += "\n" + fence(text, "text") }
            for f in result.figures {
                let name = URL(fileURLWithPath: f).lastPathComponent
                block += "\n![\(name)](\(figureDirectory)/\(name))\n"
            }
            if let e = result.diagnostic?.render() { block += "\n" + fence(e, "text") }
            out.append(block)
        }
        return out.joined(separator: "\n")
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Prose as HTML: the Markdown people write (headings, emphasis, lists, links,
    /// code, tables, quotes), by Ink.
    static func proseHTML(_ text: String) -> String { MarkdownParser().html(from: text) + "\n" }

    static func html(_ parts: [Part], title: String) -> String {
        var body = ""
        for (cell, result, _) in parts {
            guard let result else { body += proseHTML(cell.prose); continue }
            body += "<section class=\"cell\">\n"
            if !cell.title.isEmpty { body += "<h3 class=\"cell-title\">\(escape(cell.title))</h3>\n" }
            body += "<pre class=\"code\">\(escape(cell.code.trimmingCharacters(in: .newlines)))</pre>\n"
            let text = printed(result)
            if !text.isEmpty { body += "<pre class=\"out\">\(escape(text))</pre>\n" }
            for f in result.figures {
                guard let data = (try? InputFile.readRegular(f, atMost: Tensor.memoryLimit, what: "a figure")).map({ Data($0) }) else { continue }
                let mime = f.hasSuffix(".svg") ? "image/svg+xml" : "image/png"
                body += "<img alt=\"\(escape(URL(fileURLWithPath: f).lastPathComponent))\" src=\"data:\(mime);base64,\(data.base64EncodedString())\">\n"
            }
            if let e = result.diagnostic?.render() { body += "<pre class=\"err\">\(escape(e))</pre>\n" }
            body += "</section>\n"
        }
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>body{font-family:sans-serif;max-width:52em;margin:2em auto;padding:0 1em;line-height:1.45}
        pre{padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere}pre.code{background:#f4f4f4}
        pre.out{border-left:3px solid #ccc}pre.err{border-left:3px solid #c33;color:#900}
        h3.cell-title{font-size:1em;margin:1.4em 0 .3em}img{max-width:100%;height:auto}
        code{background:#f4f4f4;padding:0 .2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}</style></head>
        <body>
        \(body)</body></html>

        """
    }
}

/// A message for a command-line mistake.
struct ValidationErrorText: Error { let message: String; init(_ m: String) { message = m } }
