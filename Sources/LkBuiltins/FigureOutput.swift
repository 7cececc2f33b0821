import Foundation
import LkLang
import LkPlot

/// Where figures go, for the hosts in the `lk` executable (which reaches the
/// plot module only through this table's module): the REPL may open windows,
/// scripts may not, and `lk render` collects every figure as a file.
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

    /// Ends and clears all figure state (`:reset`): an unfinished `subplot`
    /// grid is dropped undrawn, the figure `savefig`, `add=true` and
    /// `update=true` would use is forgotten, so the next plot starts afresh.
    /// Windows already open stay open.
    public static func reset() {
        Plotter.shared.forgetFigures()
        LiveText.forget()
    }

    /// The host read new input (the REPL's prompt was answered): a text figure
    /// printed before it is no longer the last thing on the screen.
    public static func newInput() { LiveText.forget() }

    /// Figures go where they would without routing.
    public static func stopRouting() {
        PlotSink.renderDirectory = nil
        PlotSink.onFigure = nil
        PlotSink.onUpdate = nil
        PlotSink.fileFormat = "svg"
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

    /// Whether standard output is a terminal that moves its cursor.
    static var canRedraw: Bool {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        return isatty(1) != 0 && term != "dumb" && !term.isEmpty && PlotSink.renderDirectory == nil
    }

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
