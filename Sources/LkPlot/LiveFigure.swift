import Foundation

/// A curve that a long computation redraws while it runs — a training loss,
/// a sampler's PSNR — in the same place each time: the same window, the same
/// file, the same text plot (redrawn over itself on a terminal), the same
/// figure file of a notebook host (reported to `PlotSink.onUpdate`).
///
/// The owner calls `append` after each step; the figure is redrawn when at
/// least `interval` seconds have passed and drawing has taken no more than
/// about a fifth of the time (a slow terminal or a big PNG is redrawn less
/// often). Where the figure cannot be updated in place (a pipe, a notebook
/// renderer that keeps only the last version) only `finish` draws it. A
/// failure to draw stops the live updates, not the computation: `finish`
/// then reports it.
public final class LiveFigure {
    public let title: String?
    public let xlabel: String
    public let ylabel: String
    public let logy: Bool
    public let out: String?
    /// Seconds between redraws, at least.
    public var interval: Double = 0.25
    /// Redraws wait this many times as long as the last draw took, so that
    /// drawing costs at most about 1/(1 + costRatio) of the run.
    public var costRatio: Double = 4
    public private(set) var x: [Double] = []
    public private(set) var y: [Double] = []
    private var drawn = false
    private var lastDraw = 0.0
    private var drawCost = 0.0
    private var failure: Error?
    private let intermediate: Bool
    /// Prints what a draw produced (text plots) where the computation runs.
    private let show: (Rendered) -> Void
    private let plotter: Plotter

    /// `out` a file to keep rewriting, else figures go where plots go.
    public init(title: String?, xlabel: String = "step", ylabel: String, logy: Bool = false, out: String? = nil,
                plotter: Plotter = .shared, show: @escaping (Rendered) -> Void) {
        self.title = title; self.xlabel = xlabel; self.ylabel = ylabel; self.logy = logy; self.out = out
        self.plotter = plotter; self.show = show
        intermediate = plotter.updatesInPlace(out: out)
    }

    /// The figure as it stands.
    public var figure: Figure {
        var p = Panel(series: [Series(.lines, .records([x, y]))])
        p.title = title; p.xlabel = xlabel; p.ylabel = ylabel
        // A log axis only once every value is positive (a loss can be 0 at the end).
        p.logy = logy && y.contains { $0.isFinite } && !y.contains { $0.isFinite && $0 <= 0 }
        return Figure(p)
    }

    /// Adds the value at a step and redraws if it is time to.
    public func append(_ step: Double, _ value: Double) {
        x.append(step); y.append(value)
        guard intermediate, failure == nil else { return }
        let now = Date().timeIntervalSinceReferenceDate
        guard now - lastDraw >= max(interval, costRatio * drawCost) else { return }
        draw()
    }

    /// The last draw, whatever the time; throws what stopped the live updates.
    public func finish() throws {
        if let failure { throw failure }
        guard !x.isEmpty else { return }
        draw()
        if let failure { throw failure }
    }

    private func draw() {
        guard y.contains(where: { $0.isFinite }) else { return }
        let start = Date().timeIntervalSinceReferenceDate
        do {
            let r = try plotter.drawLive(figure, out: out, first: !drawn)
            drawn = true
            show(r)
        } catch let e as PlotError where e == .interrupted {
            // Ctrl-C while gnuplot drew: not a failure of the figure; the run's last
            // draw (`finish`, with the flag held back) shows the steps it kept.
        } catch {
            failure = error
        }
        lastDraw = Date().timeIntervalSinceReferenceDate
        drawCost = lastDraw - start
    }
}

extension Plotter {
    /// Draws a live figure outside any `subplot` grid being filled: the first
    /// time as a new figure, then over the previous draw.
    public func drawLive(_ figure: Figure, out: String?, first: Bool) throws -> Rendered {
        try drawOutsideGrid(figure, out: out, reuse: !first)
    }

    /// Whether a figure drawn again lands where the last one was shown, so
    /// redrawing it while a computation runs shows progress: a file, a
    /// window, a notebook host that updates its display, or a text plot on a
    /// terminal.
    public func updatesInPlace(out: String?) -> Bool {
        if out != nil { return true }
        if PlotSink.renderDirectory != nil { return PlotSink.onUpdate != nil }
        let env = ProcessInfo.processInfo.environment
        switch env["LK_TERM"] ?? "" {
        case "qt", "wxt", "x11": return true
        case "sixel": return false
        default: break
        }
        let interactive = PlotSink.interactive ?? (isatty(0) != 0 && isatty(1) != 0)
        let display = !(env["DISPLAY"] ?? "").isEmpty || !(env["WAYLAND_DISPLAY"] ?? "").isEmpty
        if interactive && display && env["LK_TERM"] == nil { return true }
        return Terminal.textRedraws
    }
}

extension Terminal {
    /// Whether standard output is a terminal that can move its cursor back
    /// over a text plot.
    public static var textRedraws: Bool {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        return isatty(1) != 0 && term != "dumb" && !term.isEmpty && PlotSink.renderDirectory == nil
    }
}
