import Foundation

/// One progress line for a long computation: done/total, rate, elapsed time, time
/// left and the computation's key figure (a loss, a residual, a PSNR), like tqdm.
///
/// Every long loop — an engine routine (training, a sampler, CG, a kernel pass) or a
/// user loop through `progress(xs)` — makes one reporter, calls `update` after each
/// bounded piece of work and `finish` at the end (`defer`). What becomes of the
/// updates is the host's choice, made once through `ProgressReporter.sink`:
/// - `nil` (the default, and in pipes, scripts under `lk render`, tests): nothing,
///   at the cost of one branch per update;
/// - `StderrProgressSink`: one line on standard error, redrawn in place on a terminal;
/// - any other `ProgressSink` (a Jupyter kernel's updating display).
///
/// A computation shorter than `delay` shows nothing. Only the outermost reporter of
/// a nest is shown (a k-means inside `etbaseline`, a CG inside `dds` stay silent).
/// It lives in the engine, beside `Interrupt`, because the engine loops report to it
/// and the engine never imports the language (DESIGN.md §1).
public final class ProgressReporter {
    /// A snapshot of a computation's progress, as a sink receives it.
    public struct Update: Sendable {
        public enum State: Sendable { case running, finished, interrupted }
        /// What is running: the built-in's name, or the label given to `progress()`.
        public var label: String
        public var done: Int
        /// nil when the length is not known in advance (an open loop).
        public var total: Int?
        /// What is counted: "step", "it", "layer", "iter", "round".
        public var unit: String
        /// Seconds since the reporter was made.
        public var elapsed: Double
        /// Units per second so far (done / elapsed).
        public var rate: Double
        /// Seconds left at that rate, when the total is known.
        public var eta: Double?
        /// The key figure's name and its latest value ("loss", 0.0123), if any.
        public var figureName: String?
        public var figure: Double?
        public var state: State

        /// The line a terminal shows, at most `width` characters:
        /// `train  412/1000 ━━━━━━━━──────── 41%  38.2 step/s  10.8 s  eta 15.4 s  loss 0.01234`.
        public func line(width: Int = 100) -> String {
            var parts: [String] = [label]
            if let total {
                let fraction = total > 0 ? min(Double(done) / Double(total), 1) : 1
                let cells = 16, filled = Int((fraction * Double(cells)).rounded(.down))
                parts.append("\(done)/\(total) " + String(repeating: "━", count: filled) + String(repeating: "─", count: cells - filled)
                             + " " + String(Int((fraction * 100).rounded(.down))) + "%")
            } else {
                parts.append("\(done) \(unit)\(done == 1 ? "" : "s")")
            }
            parts.append(Update.rateText(rate, unit))
            parts.append(Update.duration(elapsed))
            switch state {
            case .running: if let eta { parts.append("eta " + Update.duration(eta)) }
            case .finished: break
            case .interrupted: parts.append("interrupted")
            }
            if let figureName, let figure { parts.append(figureName + " " + Update.figureText(figure)) }
            let text = parts.joined(separator: "  ")
            return text.count <= width ? text : String(text.prefix(max(width - 1, 1))) + "…"
        }

        static func rateText(_ r: Double, _ unit: String) -> String {
            if !r.isFinite || r <= 0 { return "– \(unit)/s" }
            if r >= 1 { return (r >= 100 ? String(format: "%.0f", r) : String(format: "%.1f", r)) + " \(unit)/s" }
            return String(format: "%.2f", 1 / r) + " s/\(unit)"
        }

        static func duration(_ s: Double) -> String {
            guard s.isFinite, s >= 0 else { return "–" }
            if s < 60 { return String(format: "%.1f s", s) }
            let t = Int(s.rounded())
            return t < 3600 ? String(format: "%d:%02d", t / 60, t % 60) : String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
        }

        static func figureText(_ v: Double) -> String {
            if v == 0 || !v.isFinite { return "\(v)" }
            let a = abs(v)
            return a >= 1e-3 && a < 1e5 ? String(format: "%.4g", v) : String(format: "%.3e", v)
        }
    }

    /// Where updates go (see the type's documentation). Set by the host before any
    /// computation runs; nil shows nothing.
    nonisolated(unsafe) public static var sink: ProgressSink? = nil
    /// Seconds a computation runs before its line appears (shorter ones stay silent).
    nonisolated(unsafe) public static var delay: Double = 1.0
    /// The least time between two updates sent to the sink.
    nonisolated(unsafe) public static var interval: Double = 0.1
    /// Reporters now running; only the outermost one reports. Reporters are made
    /// and updated on the thread running the computation, never inside a parallel region.
    nonisolated(unsafe) private static var depth = 0

    private let active: Bool
    private let counted: Bool
    private var finished = false
    private var shown = false
    private let start: UInt64
    private var lastSent: UInt64 = 0
    private var update: Update

    /// A reporter for `total` units of work (nil: unknown), named `label`, with a key
    /// figure called `figure` (nil: none).
    public init(_ label: String, total: Int?, unit: String = "step", figure: String? = nil) {
        update = Update(label: label, done: 0, total: total, unit: unit, elapsed: 0, rate: 0, eta: nil,
                        figureName: figure, figure: nil, state: .running)
        start = DispatchTime.now().uptimeNanoseconds
        counted = ProgressReporter.sink != nil
        active = counted && ProgressReporter.depth == 0
        if counted { ProgressReporter.depth += 1 }
    }

    deinit { if !finished { finish() } }

    /// `done` units are complete; `figure` is the key figure's latest value.
    @inline(__always)
    public func update(_ done: Int, figure: Double? = nil) {
        guard active else { return }
        report(done, figure)
    }

    private func report(_ done: Int, _ figure: Double?) {
        update.done = done
        if let figure { update.figure = figure }
        let now = DispatchTime.now().uptimeNanoseconds
        let elapsed = Double(now - start) / 1e9
        guard elapsed >= ProgressReporter.delay, Double(now &- lastSent) / 1e9 >= ProgressReporter.interval || lastSent == 0 else { return }
        lastSent = now
        send(elapsed, .running)
    }

    private func send(_ elapsed: Double, _ state: Update.State) {
        update.elapsed = elapsed
        update.rate = elapsed > 0 ? Double(update.done) / elapsed : 0
        update.eta = update.total.flatMap { t in update.rate > 0 ? Double(max(t - update.done, 0)) / update.rate : nil }
        update.state = state
        shown = true
        ProgressReporter.sink?.show(update)
    }

    /// Ends the line: a last update (marked interrupted when Ctrl-C is what ended it)
    /// if anything was shown. Safe to call more than once.
    public func finish() {
        guard !finished else { return }
        finished = true
        if counted { ProgressReporter.depth = max(ProgressReporter.depth - 1, 0) }
        guard active, shown else { return }
        send(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, Interrupt.isRequested ? .interrupted : .finished)
    }

    /// Takes the progress line off the terminal before other output is written, so
    /// that a `print` inside a reported loop starts on a clean line.
    public static func clearLine() { sink?.clear() }
}

/// Receives progress updates. `show` gets a running update at most every
/// `ProgressReporter.interval` seconds once the computation has run `ProgressReporter.delay`
/// seconds, and one last update (state finished or interrupted) if it got any.
/// `clear` is called before other output is written.
public protocol ProgressSink: AnyObject {
    func show(_ update: ProgressReporter.Update)
    func clear()
}

/// The progress line on standard error: redrawn in place on a terminal; on
/// anything else (LK_PROGRESS=1 in a pipe) one line per second and a last line.
public final class StderrProgressSink: ProgressSink {
    let terminal: Bool
    private var visible = false
    private var lastLine: UInt64 = 0

    public init(terminal: Bool = isatty(2) != 0) { self.terminal = terminal }

    public func show(_ u: ProgressReporter.Update) {
        if terminal {
            var text = "\r" + u.line(width: max(StderrProgressSink.columns() - 1, 20)) + "\u{1b}[K"
            if u.state != .running { text += "\n" }
            write(text)
            visible = u.state == .running
        } else {
            let now = DispatchTime.now().uptimeNanoseconds
            guard u.state != .running || Double(now &- lastLine) / 1e9 >= 1 || lastLine == 0 else { return }
            lastLine = now
            write(u.line(width: 200) + "\n")
        }
    }

    public func clear() {
        guard visible else { return }
        visible = false
        write("\r\u{1b}[K")
    }

    private func write(_ s: String) {
        var bytes = Array(s.utf8)
        bytes.withUnsafeMutableBytes { p in
            var off = 0
            while off < p.count {
                let n = Foundation.write(2, p.baseAddress! + off, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }

    static func columns() -> Int {
        var w = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        return 100
    }
}
