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
    /// A `subplot` grid still being filled, and where it goes when full.
    public private(set) var pending: Figure?
    public private(set) var pendingOut: String?

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
    public func show(_ figure: Figure, out: String?) throws -> Rendered {
        if var grid = pending {
            guard out == nil else {
                throw PlotError.usage("out= cannot be given to a panel of a subplot grid; give it to subplot(…, out=) or call savefig(path) afterwards")
            }
            grid.panels += figure.panels
            pending = grid
            if !grid.isFull { return Rendered() }
            return try flush()
        }
        return try draw(figure, out: out)
    }

    /// Starts a grid of `rows`×`cols` panels that the next plots fill.
    public func beginGrid(rows: Int, cols: Int, title: String?, width: Int?, height: Int?, out: String?) throws -> Rendered {
        var r = Rendered()
        if pending != nil { r = try flush() }
        if let out { _ = try Terminal.file(out) }
        pending = Figure(panels: [], rows: rows, cols: cols, title: title, width: width, height: height)
        pendingOut = out
        return r
    }

    /// Draws an unfinished grid as it is.
    public func flush() throws -> Rendered {
        guard let grid = pending else { return Rendered() }
        pending = nil
        if grid.panels.isEmpty { pendingOut = nil; return Rendered() }
        let out = pendingOut
        pendingOut = nil
        return try draw(grid, out: out)
    }

    /// Forgets the figures kept for `savefig` (the last one and an unfinished
    /// grid), so their data is freed before the process ends.
    public func forgetFigures() {
        lastFigure = nil
        pending = nil
        pendingOut = nil
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

    private func draw(_ figure: Figure, out: String?) throws -> Rendered {
        lastFigure = figure
        if let out {
            _ = try Terminal.file(out)
            var r = try render(figure, to: try Terminal.file(absolute(out)))
            if let sinkFile = sinkFile() {
                let more = try render(figure, to: sinkFile)
                r.paths += more.paths
                r.warnings += more.warnings
            }
            return r
        }
        return try render(figure, to: try automaticTerminal())
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
    /// (`unset output` done, the sentinel read back) and reported no error is
    /// it flushed to disk and renamed over the target. On any failure — a
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
        do { try staged.commit() } catch { throw PlotError.file("\(error)") }
        result.warnings = result.warnings.map { $0.replacingOccurrences(of: staged.temporaryPath, with: target) }
        result.paths.append(target)
        if sinkPaths.remove(target) != nil { PlotSink.onFigure?(target) }
        return result
    }

    /// Draws a figure on a terminal; for a file terminal, `target` is the file
    /// the user named (for messages), the terminal's own path a temporary file.
    private func draw(_ figure: Figure, on terminal: Terminal, target: String?) throws -> Rendered {
        let session = try startedSession()
        let dir = session.directory
        let figure = Decimation.thinned(figure, pixels: terminal.width(figure))
        // Window figures keep their files so the window can redraw on zoom;
        // everything else is removed once drawn.
        let first = blockCount
        let script = GnuplotScript(figure) { dir.appendingPathComponent("data-\(first + $0).bin").path }
        blockCount += script.blocks.count
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
