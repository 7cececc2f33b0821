import Foundation
import LkPlot

/// Where figures go, for the hosts in the `lk` executable (which reaches the
/// plot module only through this table's module): the REPL may open windows,
/// scripts may not, and `lk render` and the Jupyter kernel collect every figure
/// as a file.
public enum FigureOutput {
    /// Whether a figure without `out=` may open a window (REPL) or not (scripts).
    public static func setInteractive(_ interactive: Bool) { PlotSink.interactive = interactive }

    /// From now on every figure is also written into `directory` (created if
    /// needed) as figure-NNN.svg (or .png), and `onFigure` gets each file's path.
    public static func route(to directory: URL, format: String = "svg", onFigure: @escaping (String) -> Void) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        PlotSink.renderDirectory = directory
        PlotSink.fileFormat = format
        PlotSink.onFigure = onFigure
    }

    /// The end of a session: the figure kept for `savefig` is dropped (its data
    /// is then freed, and leak checkers see no block still held at exit).
    public static func endSession() { Plotter.shared.forgetFigures() }

    /// Figures go where they would without routing.
    public static func stopRouting() {
        PlotSink.renderDirectory = nil
        PlotSink.onFigure = nil
        PlotSink.fileFormat = "svg"
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

    /// Makes the plot module's current state this session's.
    public func activate() {
        if Plotter.shared !== plotter { Plotter.shared = plotter }
        PlotSink.interactive = interactive
        PlotSink.renderDirectory = directory
        PlotSink.fileFormat = format
        PlotSink.nextIndex = nextIndex
        PlotSink.onFigure = onFigure
    }

    /// Takes back what figure calls changed (the file numbering).
    public func deactivate() {
        if Plotter.shared === plotter { nextIndex = PlotSink.nextIndex }
    }

    /// Forgets the unfinished `subplot` grid and the figure kept for `savefig`.
    public func reset() { plotter.forgetFigures() }

    /// Draws an unfinished `subplot` grid (the end of a cell shows what it has).
    public func flush() throws { _ = try plotter.flush() }

    /// Draws the figure drawn last again, as SVG into `path` (a second format of
    /// a routed figure). False if there is none.
    public func saveLast(svg path: String) -> Bool {
        guard let f = plotter.lastFigure else { return false }
        return (try? plotter.render(f, to: .svg(path: path))) != nil
    }
}
