import Foundation
import LkLang
import LkPlot
import LkStudy
import LkTensor

/// Where figures go, for the hosts in the `lk` executable (which reaches the
/// plot module only through this table's module): the REPL may open windows,
/// scripts may not, and `lk render` and the Jupyter kernel collect every figure
/// as a file.
public enum FigureOutput {
    /// Whether a figure without `out=` may open a window (REPL) or not (scripts).
    public static func setInteractive(_ interactive: Bool) { PlotSink.interactive = interactive }

    /// From now on every figure is also written into `directory` (created if
    /// needed) as figure-NNN.svg (or .png), and `onFigure` gets each file's path.
    /// A figure drawn again into the same file (a live figure, `update=true`,
    /// `add=true`) is reported to `onUpdate` instead.
    public static func route(to directory: URL, format: String = "svg", onFigure: @escaping (String) -> Void,
                             onUpdate: ((String) -> Void)? = nil) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        PlotSink.renderDirectory = directory
        PlotSink.fileFormat = format
        PlotSink.onFigure = onFigure
        PlotSink.onUpdate = onUpdate
    }

    /// The end of a session: the figure kept for `savefig` is dropped (its data
    /// is then freed, and leak checkers see no block still held at exit).
    public static func endSession() { reset() }

    /// Ends and clears the current figure state (`:reset`): an unfinished
    /// `subplot` grid is dropped undrawn, the figure `savefig`, `add=true` and
    /// `update=true` would use is forgotten, so the next plot starts afresh.
    /// Windows already open stay open. (`SessionFigures.reset()` does this for
    /// a session's own plotter.)
    public static func reset() {
        Plotter.shared.forgetFigures()
        LiveText.forget()
    }

    /// The host read new input (the REPL's prompt was answered): a text figure
    /// printed before it is no longer the last thing on the screen.
    public static func newInput() {
        LiveText.forget()
        Plotter.shared.endUpdates()
    }

    /// Figures go where they would without routing.
    public static func stopRouting() {
        PlotSink.renderDirectory = nil
        PlotSink.onFigure = nil
        PlotSink.onUpdate = nil
        PlotSink.fileFormat = "svg"
    }

    /// A live figure for a built-in (`train(…, live=true)`): `live` is true or
    /// a file name; text plots print through the interpreter, over the last
    /// draw on a terminal. nil when `live` is false.
    static func liveFigure(_ a: Arguments, title: String, ylabel: String, logy: Bool) throws -> LiveFigure? {
        guard let v = a.keyword("live") else { return nil }
        var out: String? = nil
        switch v.normalized {
        case .bool(let b): if !b { return nil }
        case .number(let x): if x == 0 { return nil }
        case .string(let s):
            do { _ = try Terminal.file(s) } catch { throw a.keywordError("\(error)", "live") }
            out = s
        default: throw a.keywordError("live must be true, false or a file name (.png, .svg, .pdf), got \(v.describedKind)", "live")
        }
        let interpreter = a.interpreter
        return LiveFigure(title: title, ylabel: ylabel, logy: logy, out: out) { r in
            for w in r.warnings where !w.isEmpty { interpreter?.output("\(a.callee): \(w)\n") }
            if let t = r.text, let interpreter { LiveText.print(t, redraw: r.redraw, on: interpreter) }
        }
    }

    /// Draws a live figure for the last time; a drawing failure is an error
    /// of the built-in, after its computation is done. After Ctrl-C too: an interrupted run returns its
    /// result so far, and its figure shows the same steps (the flag is held back
    /// while gnuplot draws, so the draw is not itself interrupted, then restored).
    static func finish(_ live: LiveFigure?, _ a: Arguments) throws {
        guard let live else { return }
        let pending = Interrupt.isRequested
        if pending { Interrupt.clear() }
        defer { if pending { Interrupt.request() } }
        do { try live.finish() } catch let e as PlotError {
            if e == .interrupted { throw Interrupted() }
            throw BuiltinError("\(a.callee): live figure: \(e.description)", at: .keyword("live"))
        }
    }
}


/// The figure state of one session (the REPL, a script, `lk render`, a Jupyter
/// kernel): its plotter (the `subplot` grid being filled, the figure `savefig`
/// saves, its gnuplot), whether it may open windows, and where routed figures
/// go. The plot module keeps this state in statics that figure calls read;
/// `activate()` makes them this session's, so two sessions never share a grid
/// and `reset()` really forgets it.
public final class SessionFigures: @unchecked Sendable {
    let plotter = Plotter()
    /// Whether a figure without `out=` may open a window.
    public var interactive: Bool
    /// Set: every figure is also written into this directory, and `onFigure`
    /// gets the file's path once it is complete.
    public private(set) var directory: URL? = nil
    public private(set) var format = "svg"
    /// Called with each routed figure's path once the file is complete.
    public var onFigure: ((String) -> Void)? {
        didSet { if Plotter.shared === plotter { PlotSink.onFigure = onFigure } }
    }
    /// Called when a routed figure file is drawn again (a live figure,
    /// `update=true`, `add=true`): the host updates what it shows.
    public var onUpdate: ((String) -> Void)? {
        didSet { if Plotter.shared === plotter { PlotSink.onUpdate = onUpdate } }
    }
    var nextIndex = 1

    public init(interactive: Bool) { self.interactive = interactive }

    /// Routes figures into `directory` as figure-NNN.svg (or .png); numbering goes on
    /// across cells (a new directory restarts it).
    public func route(to directory: URL, format: String = "svg", onFigure: ((String) -> Void)? = nil) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if directory != self.directory { nextIndex = 1 }
        self.directory = directory
        self.format = format
        self.onFigure = onFigure
        if Plotter.shared === plotter { activate() }
    }

    public func stopRouting() {
        directory = nil
        onFigure = nil
        if Plotter.shared === plotter { activate() }
    }

    /// Makes the plot module's current state this session's (at the start of
    /// each cell: a chain of `update=true` figures ends with its cell).
    public func activate() {
        if Plotter.shared !== plotter { Plotter.shared = plotter }
        plotter.endUpdates()
        PlotSink.interactive = interactive
        PlotSink.renderDirectory = directory
        PlotSink.fileFormat = format
        PlotSink.nextIndex = nextIndex
        PlotSink.onFigure = onFigure
        PlotSink.onUpdate = onUpdate
    }

    /// Takes back what figure calls changed (the file numbering).
    public func deactivate() {
        if Plotter.shared === plotter { nextIndex = PlotSink.nextIndex }
    }

    /// Forgets the unfinished `subplot` grid (undrawn) and the figure kept for
    /// `savefig`, `add=true` and `update=true`: the next plot starts afresh.
    public func reset() {
        plotter.forgetFigures()
        LiveText.forget()
    }

    /// Draws an unfinished `subplot` grid (the end of a cell shows what it has).
    public func flush() throws { _ = try plotter.flush() }

    /// Draws the figure drawn last again, as SVG into `path` (a second format of
    /// a routed figure). False if there is none.
    public func saveLast(svg path: String) -> Bool {
        guard let f = plotter.lastFigure else { return false }
        return (try? plotter.render(f, to: .svg(path: path))) != nil
    }
}

/// Text figures redrawn in place: when a figure that replaces the text
/// figure printed last (a live figure, `update=true`, a layer) is printed to
/// a terminal and nothing else has been printed since, the cursor moves back
/// over the old figure and the new one is printed over it.
enum LiveText {
    /// Lines of the text figure printed last; 0 once anything else was printed.
    nonisolated(unsafe) static var lastLines = 0
    /// Set by the interpreter's output (wrapped once) whenever it prints.
    nonisolated(unsafe) static var printed = false

    static func forget() { lastLines = 0 }

    static var canRedraw: Bool { Terminal.textRedraws }

    static func print(_ text: String, redraw: Bool, on interpreter: Interpreter) {
        var t = text
        if redraw, lastLines > 0, !printed, canRedraw {
            // Up to the first line of the old figure, then clear to the end of the screen.
            t = "\u{1B}[\(lastLines)F\u{1B}[J" + text
        }
        printed = false
        interpreter.output(t)
        if !printed {
            // The output is not (or no longer) wrapped: note what else it prints from now on.
            let original = interpreter.output
            interpreter.output = { s in LiveText.printed = true; original(s) }
        }
        printed = false
        lastLines = text.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
    }
}

extension Arguments {
    /// `live=`: a figure of the PSNR against ref= (else the residual, else σ)
    /// redrawn while the sampler runs.
    func liveSampler(_ settings: inout SamplerSettings) throws -> LiveFigure? {
        let psnr = settings.reference != nil
        let what = psnr ? "PSNR (dB)" : callee == "sample" ? "σ" : "residual ‖y − Ax̂0‖"
        guard let live = try FigureOutput.liveFigure(self, title: "\(callee): \(what)", ylabel: what, logy: !psnr) else { return nil }
        settings.onStep = { i, r in
            if let v = psnr ? r.psnr.last : r.residuals.last ?? r.sigmas.last { live.append(Double(i), v) }
        }
        return live
    }

}
