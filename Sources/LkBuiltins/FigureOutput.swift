import Foundation
import LkPlot

/// Where figures go, for the hosts in the `lk` executable (which reaches the
/// plot module only through this table's module): the REPL may open windows,
/// scripts may not, and `lk render` collects every figure as a file.
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
