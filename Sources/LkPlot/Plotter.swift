import CGnuplot
import Foundation
import LkTensor

/// What drawing a figure produced.
public struct Rendered: Sendable {
    /// A text plot (or sixel graphics) to print where the call was made.
    public var text: String?
    /// Files written.
    public var paths: [String] = []
    /// gnuplot's warnings (e.g. points dropped on a log axis).
    public var warnings: [String] = []
    /// The text redraws the text figure printed last (a live or layered
    /// figure), so a terminal may print it over that one.
    public var redraw = false
}

/// Draws figures with one long-lived gnuplot, chooses where figures go, and
/// keeps the state of `subplot` grids and of `savefig`.
public final class Plotter {
    /// The plotter of the session running now (a session installs its own).
    nonisolated(unsafe) public static var shared = Plotter()

    private var session: GnuplotSession?
    private var windowCount = 0
    private var blockCount = 0
    /// Files handed out by `PlotSink`, reported to `onFigure` once drawn.
    private var sinkPaths: Set<String> = []
    /// The last figure drawn (what `savefig` saves).
    public private(set) var lastFigure: Figure?
    /// Where the last figure went, so that an update or a layer redraws it
    /// there (the same window, file or text plot).
    private var lastTargets: [Terminal] = []
    /// Sink files already reported to `PlotSink.onFigure`; a redraw of one is
    /// reported to `PlotSink.onUpdate`.
    private var reportedSinkPaths: Set<String> = []
    /// A `subplot` grid still being filled, and where it goes when full.
    public private(set) var pending: Figure?
    public private(set) var pendingOut: String?
    /// The grid replaces the last figure where it was drawn.
    private var pendingUpdate = false
    /// The last figure was drawn with `update=true` and may be replaced by the
    /// next one so drawn; a figure drawn without it, `show()`, new input (a
    /// REPL line, a notebook cell) and a reset end the chain, so the first
    /// `update=true` of a loop starts a figure of its own.
    private var updating = false

    public init() {}

    // MARK: choosing the destination

    /// Where a figure goes when the call gave no `out=`: the notebook's
    /// directory, else `LK_TERM`, else a window when lk is interactive with a
    /// display and gnuplot has a windowed terminal, else a text plot.
    public func automaticTerminal() throws -> Terminal {
        if let t = sinkFile() { return t }
        let env = ProcessInfo.processInfo.environment
        let size = terminalSize()
        let text = Terminal.text(width: max(40, min(size.cols, 240)), height: max(12, min(size.rows - 2, 30)))
        switch env["LK_TERM"] ?? "" {
        case "sixel": return .sixel(width: max(40, min(size.cols, 160)), height: max(12, min(size.rows - 2, 30)))
        case "dumb", "text": return text
        case "qt", "wxt", "x11":
            let kind = env["LK_TERM"]!
            guard try startedSession().terminals.contains(kind) else {
                throw PlotError.usage("LK_TERM=\(kind) but this gnuplot has no \(kind) terminal; \(GnuplotSession.installHint)")
            }
            windowCount += 1
            return .window(kind: kind, id: windowCount)
        default: break
        }
        let interactive = PlotSink.interactive ?? (isatty(0) != 0 && isatty(1) != 0)
        let display = !(env["DISPLAY"] ?? "").isEmpty || !(env["WAYLAND_DISPLAY"] ?? "").isEmpty
        if interactive && display {
            let available = try startedSession().terminals
            if let kind = ["qt", "wxt", "x11"].first(where: { available.contains($0) }) {
                windowCount += 1
                return .window(kind: kind, id: windowCount)
            }
        }
        return text
    }

    private func sinkFile() -> Terminal? {
        guard let t = PlotSink.nextFile() else { return nil }
        if let p = t.filePath { sinkPaths.insert(p) }
        return t
    }

    // MARK: showing figures

    /// Draws a figure where it belongs: `out` (a file path) if given, else
    /// the automatic destination. Inside an unfinished `subplot` grid the
    /// figure's panel joins the grid instead, and the grid is drawn when full.
    /// With `update`, the figure replaces the last one where that was drawn
    /// (the same window, file or text plot) instead of starting a new one.
    public func show(_ figure: Figure, out: String?, update: Bool = false) throws -> Rendered {
        if var grid = pending {
            guard out == nil else {
                throw PlotError.usage("out= cannot be given to a panel of a subplot grid; give it to subplot(…, out=) or call savefig(path) afterwards")
            }
            grid.panels += figure.panels
            pending = grid
            if !grid.isFull { return Rendered() }
            return try flush()
        }
        let reuse = update && updating
        updating = update
        return try draw(figure, out: out, reuse: reuse)
    }

    /// Ends a chain of `update=true` figures: the next one starts a new figure.
    public func endUpdates() { updating = false }

    /// Draws more on the current panel — the last panel of the grid being
    /// filled (drawn when the grid is), else the last panel of the last
    /// figure, which is drawn again where it went. `change` adds series or
    /// annotations and sets what the call set. With nothing drawn yet, the
    /// change is made to an empty panel, drawn as a new figure.
    public func add(out: String?, _ change: (inout Panel) throws -> Void) throws -> Rendered {
        if var grid = pending, !grid.panels.isEmpty {
            guard out == nil else {
                throw PlotError.usage("out= cannot be given to a panel of a subplot grid; give it to subplot(…, out=) or call savefig(path) afterwards")
            }
            try change(&grid.panels[grid.panels.count - 1])
            pending = grid
            return Rendered()
        }
        guard pending == nil, var f = lastFigure, !f.panels.isEmpty else {
            var p = Panel()
            try change(&p)
            return try show(Figure(p), out: out)
        }
        try change(&f.panels[f.panels.count - 1])
        return try draw(f, out: out, reuse: true)
    }

    /// Draws a figure as `show` does, but never into a `subplot` grid being filled.
    func drawOutsideGrid(_ figure: Figure, out: String?, reuse: Bool) throws -> Rendered {
        try draw(figure, out: out, reuse: reuse)
    }

    /// Whether there is a panel that `add` would draw on.
    public var hasCurrentPanel: Bool {
        if let grid = pending { return !grid.panels.isEmpty }
        return lastFigure.map { !$0.panels.isEmpty } ?? false
    }

    /// Starts a grid of `rows`×`cols` panels that the next plots fill; with
    /// `update` it replaces the last figure where that was drawn.
    public func beginGrid(rows: Int, cols: Int, title: String?, width: Int?, height: Int?, out: String?, update: Bool = false) throws -> Rendered {
        var r = Rendered()
        if pending != nil { r = try flush() }
        if let out { _ = try Terminal.file(out) }
        pending = Figure(panels: [], rows: rows, cols: cols, title: title, width: width, height: height)
        pendingOut = out
        pendingUpdate = update
        return r
    }

    /// Draws an unfinished grid as it is, and ends it: the next plot is a
    /// figure of its own.
    public func flush() throws -> Rendered {
        guard let grid = pending else { return Rendered() }
        pending = nil
        let update = pendingUpdate
        pendingUpdate = false
        if grid.panels.isEmpty { pendingOut = nil; return Rendered() }
        let out = pendingOut
        pendingOut = nil
        let reuse = update && updating
        updating = update
        return try draw(grid, out: out, reuse: reuse)
    }

    /// `show()` and `subplot()`: draws an unfinished grid and ends any chain
    /// of `update=true` figures.
    public func end() throws -> Rendered {
        defer { updating = false }
        return try flush()
    }

    /// Forgets the figures kept for `savefig` and `add` (the last one and an
    /// unfinished grid, which is dropped undrawn), so the next plot starts a
    /// new figure and their data is freed. Windows already open stay open.
    public func forgetFigures() {
        lastFigure = nil
        lastTargets = []
        pending = nil
        pendingOut = nil
        pendingUpdate = false
        updating = false
    }

    /// Saves the last figure (or the grid being filled) to a file.
    public func save(_ path: String) throws -> Rendered {
        _ = try Terminal.file(path)   // the message names the path as given
        let terminal = try Terminal.file(absolute(path))
        if let grid = pending {
            pending = nil
            pendingOut = nil
            lastFigure = grid
        }
        guard let f = lastFigure else { throw PlotError.usage("there is no figure to save yet: draw one first") }
        return try render(f, to: terminal)
    }

    /// Draws a figure to `out` (and the render directory, if any) or to the
    /// automatic destination; with `reuse`, to where the last figure went
    /// (unless `out` names another file).
    private func draw(_ figure: Figure, out: String?, reuse: Bool = false) throws -> Rendered {
        if let out { _ = try Terminal.file(out) }
        let outTerminal = try out.map { try Terminal.file(absolute($0)) }
        var targets: [Terminal]
        let redraw = reuse && !lastTargets.isEmpty && (outTerminal == nil || lastTargets.contains(outTerminal!))
        if redraw {
            targets = lastTargets
        } else if let outTerminal {
            targets = [outTerminal]
            if let sinkFile = sinkFile() { targets.append(sinkFile) }
        } else {
            targets = [try automaticTerminal()]
        }
        lastFigure = figure
        lastTargets = targets
        var r = Rendered()
        for t in targets {
            let more = try render(figure, to: t)
            r.paths += more.paths
            r.warnings += more.warnings
            if let text = more.text { r.text = text }
        }
        r.redraw = redraw && r.text != nil
        return r
    }

    /// gnuplot may have been started in another working directory.
    private func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    // MARK: rendering

    /// A running session, started (or restarted after a crash) on demand.
    private func startedSession() throws -> GnuplotSession {
        if let s = session, s.isAlive { return s }
        session = nil
        let s = try GnuplotSession(executable: try GnuplotSession.locate())
        session = s
        return s
    }

    /// The pid of the running gnuplot, for tests of crash recovery.
    public var gnuplotPID: Int32? { session?.pid }

    /// Draws a figure on a terminal. Text and sixel output is returned; files
    /// are reported to `PlotSink.onFigure` when they are in its directory.
    ///
    /// A file is replaced atomically, as `savenpy` replaces one: gnuplot writes
    /// a temporary file next to the target (same directory, so same file
    /// system; created with O_EXCL and the permissions the target will have,
    /// by `AtomicFile.stage`), and only once gnuplot has closed it
    /// (`unset output` done, the sentinel read back), reported no error and
    /// left a whole file (`Terminal.isComplete`: gnuplot is silent about a full
    /// disk) is it flushed to disk and renamed over the target. On any failure — a
    /// gnuplot error, a crash, Ctrl-C, an unwritable directory — the temporary
    /// file is removed and the old target is untouched. A killed lk can leave
    /// the temporary file behind (`.name.XXXXXX.tmp`), never a torn target.
    public func render(_ figure: Figure, to terminal: Terminal) throws -> Rendered {
        for p in figure.panels {
            for s in p.series where s.data.count == 0 {
                throw PlotError.usage("nothing to draw: a series has no points")
            }
        }
        guard let target = terminal.filePath else { return try draw(figure, on: terminal, target: nil) }
        let staged: AtomicFile.Staged
        do { staged = try AtomicFile.stage(target) } catch { throw PlotError.file("\(error)") }
        var result: Rendered
        do {
            result = try draw(figure, on: terminal.writing(to: staged.temporaryPath), target: target)
        } catch let e as PlotError {
            staged.discard()
            throw e.naming(target, for: staged.temporaryPath)
        } catch {
            staged.discard()
            throw error
        }
        guard terminal.isComplete(staged.temporaryPath) else {
            staged.discard()
            throw PlotError.file("cannot write \(target): gnuplot wrote an incomplete file (is the disk full?); the old file is kept")
        }
        do { try staged.commit() } catch { throw PlotError.file("\(error)") }
        result.warnings = result.warnings.map { $0.replacingOccurrences(of: staged.temporaryPath, with: target) }
        result.paths.append(target)
        if sinkPaths.remove(target) != nil {
            reportedSinkPaths.insert(target)
            PlotSink.onFigure?(target)
        } else if reportedSinkPaths.contains(target) {
            PlotSink.onUpdate?(target)
        }
        return result
    }

    /// Draws a figure on a terminal; for a file terminal, `target` is the file
    /// the user named (for messages), the terminal's own path a temporary file.
    private func draw(_ figure: Figure, on terminal: Terminal, target: String?) throws -> Rendered {
        if case .text(let w, let h) = terminal, figure.panels.contains(where: \.isMatrix) {
            return try drawText(figure, width: w, height: h)
        }
        let session = try startedSession()
        let dir = session.directory
        let figure = Decimation.thinned(figure, pixels: terminal.width(figure))
        // Window figures keep their files so the window can redraw on zoom;
        // everything else is removed once drawn.
        let first = blockCount
        let script = GnuplotScript(figure, canvas: terminal.canvas(figure)) { dir.appendingPathComponent("data-\(first + $0).bin").path }
        blockCount += script.blocks.count
        session.noteFiles(blockCount + 1)   // data-K.bin and output-K, K < blockCount + 1
        let files = (0..<script.blocks.count).map { dir.appendingPathComponent("data-\(first + $0).bin").path }
        defer {
            if case .window = terminal {} else { for f in files { unlink(f) } }
        }
        for (block, path) in zip(script.blocks, files) { try write(block, to: path) }
        var textFile: String? = nil
        switch terminal {
        case .text, .sixel: textFile = dir.appendingPathComponent("output-\(first)").path
        default: break
        }
        defer { if let t = textFile { unlink(t) } }

        var result = Rendered()
        // The terminal first, on its own: if the output file cannot be opened
        // the figure must not be drawn anywhere else.
        do {
            _ = try session.run(terminal.setup(figure, output: textFile))
        } catch PlotError.gnuplot(let message) where target != nil {
            throw PlotError.gnuplot("cannot write \(target!): \(message)")
        }
        let said: String
        do {
            said = try session.run(script.text + "unset multiplot\nunset output\n")
        } catch let e as PlotError {
            // gnuplot may have stopped before `unset output`: make it let go of
            // the file (a temporary one the caller removes) before going on.
            if case .gnuplot = e, session.isAlive { _ = try? session.run("unset multiplot\nunset output\n") }
            throw e
        }
        result.warnings = said.split(separator: "\n").map(String.init)
        if let t = textFile {
            let data = (try? Data(contentsOf: URL(fileURLWithPath: t))) ?? Data()
            let s = String(decoding: data, as: UTF8.self)
            if case .text = terminal { result.text = Self.tidyText(s) } else { result.text = s }
        }
        return result
    }

    /// A text figure with matrices in it: each panel drawn on its own (a
    /// matrix as shaded cells, anything else by gnuplot), the panels put side
    /// by side in rows.
    private func drawText(_ figure: Figure, width: Int, height: Int) throws -> Rendered {
        let w = figure.width ?? width, h = figure.height ?? height
        let cellW = max(10, (w - 2 * (figure.cols - 1)) / figure.cols)
        let cellH = max(4, (h - (figure.title == nil ? 0 : 1)) / figure.rows)
        let single = figure.rows * figure.cols == 1
        var blocks: [[String]] = []
        var r = Rendered()
        let colour = TextPictures.colour
        for p in figure.panels {
            var panel = p
            if single, panel.title == nil { panel.title = figure.title }
            if panel.isMatrix {
                blocks.append(TextPictures.render(panel, width: cellW, height: cellH, colour: colour))
            } else {
                let one = try draw(Figure(panel), on: .text(width: cellW, height: cellH), target: nil)
                r.warnings += one.warnings
                blocks.append((one.text ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            }
        }
        r.text = TextPictures.compose(blocks, cols: figure.cols, cellWidth: cellW, title: single ? nil : figure.title)
        return r
    }

    /// A dumb-terminal page without its form feed, trailing blanks and blank
    /// first and last lines, ending in a newline.
    static func tidyText(_ s: String) -> String {
        var lines = s.replacingOccurrences(of: "\u{0C}", with: "").split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }

    private func write(_ block: PlotData, to path: String) throws {
        let rc: Int32
        switch block {
        case .records(let cols), .grid(let cols, _, _):
            rc = withPointers(cols) { lk_gnuplot_write_records(path, $0, cols.count, cols.first?.count ?? 0) }
        case .array(let values, _, _):
            rc = values.withUnsafeBufferPointer { lk_gnuplot_write_array(path, $0.baseAddress, $0.count) }
        }
        if rc != 0 { throw PlotError.crashed("cannot write plot data to \(path): \(String(cString: strerror(errno)))") }
    }
}

/// Calls `body` with a C array of pointers to each column's storage.
private func withPointers<R>(_ cols: [[Double]], _ body: (UnsafePointer<UnsafePointer<Double>?>) -> R) -> R {
    var pointers: [UnsafePointer<Double>?] = []
    var result: R? = nil
    func nest(_ i: Int) {
        if i == cols.count {
            result = pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
            return
        }
        cols[i].withUnsafeBufferPointer { buf in
            pointers.append(buf.baseAddress)
            nest(i + 1)
            pointers.removeLast()
        }
    }
    nest(0)
    return result!
}
