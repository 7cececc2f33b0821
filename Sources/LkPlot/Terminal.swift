import Foundation

/// Where gnuplot draws a figure.
public enum Terminal: Equatable, Sendable {
    case png(path: String)
    case svg(path: String)
    case pdf(path: String)
    /// A text plot (gnuplot's `dumb`), `width`×`height` characters.
    case text(width: Int, height: Int)
    /// Sixel graphics for terminals that show them (`LK_TERM=sixel`).
    case sixel(width: Int, height: Int)
    /// A live window of a windowed gnuplot (`qt`, `wxt` or `x11`), numbered so
    /// earlier figures keep their windows.
    case window(kind: String, id: Int)

    /// The file terminal for a path, chosen by its extension.
    public static func file(_ path: String) throws -> Terminal {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": return .png(path: path)
        case "svg": return .svg(path: path)
        case "pdf": return .pdf(path: path)
        default: throw PlotError.usage("cannot tell the file type of \"\(path)\": use a name ending in .png, .svg or .pdf")
        }
    }

    public var filePath: String? {
        switch self {
        case .png(let p), .svg(let p), .pdf(let p): return p
        default: return nil
        }
    }

    /// Whether `path` holds a whole file of this terminal's format: a PNG that
    /// ends with its IEND chunk, an SVG with its closing `</svg>`, a PDF with its
    /// `%%EOF` marker. gnuplot does not report a failed write (a full disk leaves
    /// an empty or truncated file and no message), so a file is checked before
    /// it replaces the old one. (Other terminals: always true.)
    func isComplete(_ path: String) -> Bool {
        guard filePath != nil else { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return false }
        let tail = min(size, 1024)
        try? handle.seek(toOffset: size - tail)
        let end = Array(handle.readData(ofLength: Int(tail)))
        func endsWith(_ marker: String, within slack: Int) -> Bool {
            let m = Array(marker.utf8)
            guard end.count >= m.count else { return false }
            let last = end.lastIndex(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }).map { $0 + 1 } ?? 0
            guard last >= m.count, end.count - last <= slack else { return false }
            return Array(end[(last - m.count)..<last]) == m
        }
        switch self {
        case .png: return end.suffix(12) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        case .svg: return endsWith("</svg>", within: 16)
        case .pdf: return endsWith("%%EOF", within: 16)
        default: return true
        }
    }

    /// The same file terminal writing to another path (a temporary file that
    /// replaces the real one once finished); other terminals unchanged.
    func writing(to path: String) -> Terminal {
        switch self {
        case .png: return .png(path: path)
        case .svg: return .svg(path: path)
        case .pdf: return .pdf(path: path)
        default: return self
        }
    }

    /// The size a figure gets when it does not ask for one: pixels for
    /// pictures, characters for text.
    func defaultSize(_ f: Figure) -> (Int, Int) {
        switch self {
        case .text(let w, let h), .sixel(let w, let h): return (w, h)
        default:
            let extra = f.rows * f.cols > 1 && f.title != nil ? 40 : 0
            if let pw = f.panelWidth, let ph = f.panelHeight { return (pw * f.cols, ph * f.rows + extra) }
            return f.rows * f.cols == 1 ? (640, 420) : (480 * f.cols, 360 * f.rows + extra)
        }
    }

    /// The font size in points: 14 for a 640×420 panel, scaled with the
    /// panel, so that a figure shrunk to one column of a paper (8 cm) still
    /// has tic labels of about 6 pt.
    func fontSize(_ f: Figure) -> Int {
        let d = defaultSize(f)
        let w = Double(f.width ?? d.0) / Double(f.cols), h = Double(f.height ?? d.1) / Double(f.rows)
        let s = 14 * min(w / 640, h / 420).squareRoot()
        return Int(min(20, max(9, s.rounded())))
    }

    /// One panel and one character, for laying out legends.
    func canvas(_ f: Figure) -> Canvas {
        let d = defaultSize(f)
        let w = Double(f.width ?? d.0) / Double(f.cols), h = Double(f.height ?? d.1) / Double(f.rows)
        switch self {
        case .text: return Canvas(panelWidth: w, panelHeight: h, charWidth: 1, lineHeight: 1)
        default:
            let pt = Double(fontSize(f))
            // Cairo draws 1 pt as about 1.33 px at its 96 dpi; sixel cells are 8×16.
            let px = pt * 4 / 3
            if case .sixel = self { return Canvas(panelWidth: w * 8, panelHeight: h * 16, charWidth: 8, lineHeight: 16) }
            return Canvas(panelWidth: w, panelHeight: h, charWidth: px * 0.55, lineHeight: px * 1.2, fontSize: pt)
        }
    }

    /// The figure's width in pixels (characters for text), for thinning long lines.
    func width(_ f: Figure) -> Int {
        if case .window = self { return 1600 }
        return f.width ?? defaultSize(f).0
    }

    /// `set terminal …` and `set output …` for a figure. `output` is where text
    /// and sixel terminals write (a file the session reads back).
    func setup(_ f: Figure, output: String?) -> String {
        let d = defaultSize(f)
        let w = f.width ?? d.0, h = f.height ?? d.1
        let pt = fontSize(f)
        var lines = ["unset multiplot"]
        switch self {
        case .png(let p):
            lines.append("set terminal pngcairo noenhanced size \(w),\(h) font 'sans,\(pt)'")
            lines.append("set output \(gnuplotQuoted(p))")
        case .svg(let p):
            lines.append("set terminal svg noenhanced size \(w),\(h) font 'sans,\(pt)' background '#ffffff'")
            lines.append("set output \(gnuplotQuoted(p))")
        case .pdf(let p):
            lines.append("set terminal pdfcairo noenhanced size \(gnuplotNumber(Double(w) / 100))in,\(gnuplotNumber(Double(h) / 100))in font 'sans,\(pt)'")
            lines.append("set output \(gnuplotQuoted(p))")
        case .text:
            lines.append("set terminal dumb noenhanced size \(w),\(h)")
            lines.append("set output \(gnuplotQuoted(output ?? "/dev/null"))")
        case .sixel:
            // Characters to pixels at a typical 8×16 cell.
            lines.append("set terminal sixelgd noenhanced truecolor size \(w * 8),\(h * 16)")
            lines.append("set output \(gnuplotQuoted(output ?? "/dev/null"))")
        case .window(let kind, let id):
            // persist: a script's windows outlive lk; in the REPL they stay live.
            lines.append("set terminal \(kind) \(id) noenhanced persist")
            lines.append("unset output")
        }
        lines.append("set encoding utf8")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// An error of the plotting layer, with a message meant for the user.
public enum PlotError: Error, Equatable, CustomStringConvertible, Sendable {
    /// gnuplot is not installed (or `LK_GNUPLOT` names nothing runnable).
    case gnuplotMissing(String)
    /// gnuplot rejected something; its own message.
    case gnuplot(String)
    /// gnuplot exited or stopped answering.
    case crashed(String)
    case interrupted
    /// A call that cannot be drawn as asked.
    case usage(String)
    /// A figure's file could not be created or put in place ("cannot write f.png: Permission denied").
    case file(String)

    public var description: String {
        switch self {
        case .gnuplotMissing(let m), .gnuplot(let m), .crashed(let m), .usage(let m), .file(let m): return m
        case .interrupted: return "interrupted"
        }
    }

    /// The error with `temporary` (the file gnuplot was writing) replaced by
    /// `target` (the file the user named) in its message.
    func naming(_ target: String, for temporary: String) -> PlotError {
        func fix(_ m: String) -> String { m.replacingOccurrences(of: temporary, with: target) }
        switch self {
        case .gnuplotMissing(let m): return .gnuplotMissing(fix(m))
        case .gnuplot(let m): return .gnuplot(fix(m))
        case .crashed(let m): return .crashed(fix(m))
        case .usage(let m): return .usage(fix(m))
        case .file(let m): return .file(fix(m))
        case .interrupted: return self
        }
    }
}

/// Routes figures for a host such as the notebook renderer (`lk render`) or
/// the REPL.
///
/// When `renderDirectory` is set, every figure that would have gone to a
/// window or a text plot is instead written to a new file there,
/// `figure-001.svg`, `figure-002.svg`, … (or `.png` with `fileFormat = "png"`),
/// and `onFigure` is called with the file's path right after gnuplot has
/// finished it. A figure drawn with `out=` is still written where the user
/// asked, and also into the directory. Set these before running the cells;
/// `nextIndex` restarts the numbering.
public enum PlotSink {
    nonisolated(unsafe) public static var renderDirectory: URL?
    /// "svg" (the default) or "png".
    nonisolated(unsafe) public static var fileFormat = "svg"
    nonisolated(unsafe) public static var onFigure: ((String) -> Void)?
    /// Called when a file already reported to `onFigure` is drawn again (a
    /// live figure, `update=true`, a layer added with `add=true`): a host
    /// that shows figures as they come (the Jupyter kernel) updates its display.
    nonisolated(unsafe) public static var onUpdate: ((String) -> Void)?
    nonisolated(unsafe) public static var nextIndex = 1
    /// Whether figures without `out=` may open windows: true in the REPL,
    /// false for scripts. nil (the default) guesses from whether standard
    /// input and output are terminals.
    nonisolated(unsafe) public static var interactive: Bool?

    /// The next file in `renderDirectory`. A name already taken (a cell that
    /// wrote `out="nb_files/figure-002.svg"` itself) is skipped, never overwritten.
    static func nextFile() -> Terminal? {
        guard let dir = renderDirectory else { return nil }
        let ext = fileFormat == "png" ? "png" : "svg"
        var path: String
        repeat {
            path = dir.appendingPathComponent(String(format: "figure-%03d.%@", nextIndex, ext)).path
            nextIndex += 1
        } while FileManager.default.fileExists(atPath: path)
        return ext == "png" ? .png(path: path) : .svg(path: path)
    }
}

/// The size of the terminal on standard output in characters, or 80×24.
func terminalSize() -> (cols: Int, rows: Int) {
    var ws = winsize()
    if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 {
        return (Int(ws.ws_col), Int(ws.ws_row))
    }
    let env = ProcessInfo.processInfo.environment
    return (Int(env["COLUMNS"] ?? "") ?? 80, Int(env["LINES"] ?? "") ?? 24)
}
