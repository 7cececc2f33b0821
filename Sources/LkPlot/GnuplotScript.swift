/// A figure turned into gnuplot commands plus the data files they read.
///
/// Data never travels as text: each series is a float64 binary file that the
/// script names (`binary record=(N) format='%float64…'` or `binary array=`).
/// Files rather than inline `'-'` data: when gnuplot rejects a plot command it
/// would otherwise go on to read the inline bytes as commands, and a window
/// can re-read files when the user zooms.
public struct GnuplotScript: Equatable, Sendable {
    /// The commands, ending with a newline; they do not choose the terminal.
    public var text: String
    /// `blocks[i]` must be written to `dataPath(i)` before the script runs.
    public var blocks: [PlotData]

    /// Builds the script; `dataPath(i)` names the file of the i-th data block.
    /// `canvas` measures a panel, for placing legends where they cover nothing.
    public init(_ figure: Figure, canvas: Canvas = .standard, dataPath: (Int) -> String) {
        var lines: [String] = []
        var blocks: [PlotData] = []
        let grid = figure.rows * figure.cols > 1
        if grid {
            var m = "set multiplot layout \(figure.rows),\(figure.cols)"
            if let t = figure.title { m += " title \(gnuplotQuoted(t))" }
            lines.append(m)
        }
        for panel in figure.panels {
            lines.append("reset")
            var p = panel
            if !grid, p.title == nil { p.title = figure.title }
            lines += Self.settings(p, canvas: canvas)
            var clauses: [String] = []
            var cycle = 0
            for (i, s) in p.series.enumerated() {
                let path = dataPath(blocks.count)
                blocks.append(s.data)
                // A band's fill shares the colour of the line that follows it.
                let shared = s.kind == .band && s.color == nil && i + 1 < p.series.count && p.series[i + 1].color == nil
                clauses.append(Self.clause(s, path: path, color: s.color ?? Self.cycle[cycle % Self.cycle.count]))
                if !shared { cycle += 1 }
            }
            if clauses.isEmpty {
                // An empty panel keeps its place in the grid.
                if grid { lines.append("set multiplot next") }
                continue
            }
            lines.append((p.threeD ? "splot " : "plot ") + clauses.joined(separator: ", \\\n     "))
        }
        if grid { lines.append("unset multiplot") }
        text = lines.joined(separator: "\n") + "\n"
        self.blocks = blocks
    }

    /// The line colours, in order: Okabe & Ito's palette for colour-blind
    /// readers (yellow left out: too light on white), ordered so that the
    /// first three also differ in grey (dark blue, light orange, mid green).
    public static let cycle = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000"]

    /// The `set` commands of one panel, after a `reset`.
    static func settings(_ p: Panel, canvas: Canvas = .standard) -> [String] {
        var out: [String] = []
        if let t = p.title { out.append(titleCommand(t, canvas: canvas)) }
        if let t = p.xlabel { out.append("set xlabel \(gnuplotQuoted(t))") }
        if let t = p.ylabel { out.append("set ylabel \(gnuplotQuoted(t))") }
        if let t = p.zlabel { out.append("set zlabel \(gnuplotQuoted(t)) rotate parallel") }
        if p.logx { out.append("set logscale x") }
        if p.logy { out.append("set logscale y") }
        var xr: (Double, Double)? = nil, yr: (Double, Double)? = nil
        if Axes.computesRanges(p), !p.series.isEmpty {
            let e = Axes.extents(p)
            let curves = p.series.allSatisfy { [.lines, .steps, .band].contains($0.kind) }
            let bars = p.series.contains { $0.kind == .boxes || $0.kind == .impulses }
            xr = Axes.range(e.x, log: p.logx, margin: curves ? 0 : 0.04, fixed: p.xrange, zeroBase: false)
            yr = Axes.range(e.y, log: p.logy, margin: 0.05, fixed: p.yrange, zeroBase: bars)
        }
        // The legend first: where it goes may add room on y.
        var key: String? = nil
        let titled = p.series.filter { $0.title != nil }
        if !p.legend || titled.isEmpty {
            key = "unset key"
        } else {
            var pos = p.legendPosition
            if pos == .auto {
                if let x = xr, let y = yr {
                    let chars = titled.map { $0.title!.count }.max() ?? 0
                    let size = Axes.legendSize(entries: titled.count, chars: chars, canvas: canvas,
                                               hasTitle: p.title != nil, hasXLabel: p.xlabel != nil, hasYLabel: p.ylabel != nil)
                    let (place, grow) = Axes.legendPlacement(ink: Axes.ink(p, x: x, y: y), size: size,
                                                             canGrowTop: p.yrange?.hi == nil, canGrowBottom: p.yrange?.lo == nil)
                    pos = place
                    if grow > 0 { yr = Axes.grown(y, by: grow, top: place == .topRight || place == .topLeft, log: p.logy) }
                } else {
                    pos = .outside
                }
            }
            key = keyCommand(pos)
        }
        if let r = xr { out.append("set xrange [\(gnuplotNumber(r.0)):\(gnuplotNumber(r.1))]") } else if let r = p.xrange { out.append("set xrange \(range(r))") }
        if let r = yr { out.append("set yrange [\(gnuplotNumber(r.0)):\(gnuplotNumber(r.1))]") } else if let r = p.yrange { out.append("set yrange \(range(r))") }
        if let r = p.zrange { out.append("set zrange \(range(r))") }
        if let r = p.crange { out.append("set cbrange \(range(r))") }
        if p.matrixOrientation, let first = p.series.first, case .array(_, let rows, let cols) = first.data {
            // Cell centres sit on integer coordinates; row 0 at the top.
            if p.xrange == nil { out.append("set xrange [-0.5:\(gnuplotNumber(Double(cols) - 0.5))]") }
            if p.yrange == nil { out.append("set yrange [\(gnuplotNumber(Double(rows) - 0.5)):-0.5]") }
        }
        if p.equalAspect { out.append("set size ratio -1") }
        if p.bare {
            out.append("unset border"); out.append("unset tics")
        } else if !p.threeD, !canvas.isText {
            // Text plots keep gnuplot's box with tics inside: open axes drawn
            // in characters read worse.
            if !p.matrixOrientation { out.append("set border 3 back lc rgb '#404040'") }
            out.append("set tics nomirror out scale 0.6")
        }
        if !p.xticLabels.isEmpty { out.append("set xtics (" + p.xticLabels.map(tic).joined(separator: ", ") + ")") }
        else if p.logx, let r = xr, !Axes.logTics(lo: r.0, hi: r.1).isEmpty { out.append("set xtics (" + Axes.logTics(lo: r.0, hi: r.1).map(tic).joined(separator: ", ") + ")") }
        if p.logy, let r = yr, !Axes.logTics(lo: r.0, hi: r.1).isEmpty { out.append("set ytics (" + Axes.logTics(lo: r.0, hi: r.1).map(tic).joined(separator: ", ") + ")") }
        if p.grid, !p.bare, !p.threeD, !p.matrixOrientation, !canvas.isText { out.append("set grid back lt 1 lc rgb '#e0e0e0' lw 1 dt solid") }
        if let key { out.append(key) }
        for a in p.annotations { out.append(annotation(a, canvas: canvas)) }
        if let pal = p.palette { out.append(paletteCommand(pal)) }
        out.append(p.colorbar ? "set colorbox" : "unset colorbox")
        if p.threeD {
            out.append("set view 60,30")
            out.append("set pm3d depthorder border lc rgb '#404040' lw 0.5")
            out.append("set xyplane relative 0")
        }
        return out
    }

    /// `set title`, in a slightly smaller font or on two lines when the
    /// title is wider than the panel at the figure's font.
    static func titleCommand(_ t: String, canvas: Canvas) -> String {
        let width = Double(t.count) * canvas.charWidth
        let room = canvas.panelWidth * 0.96
        guard canvas.fontSize > 0, width > room, !t.contains("\n") else { return "set title \(gnuplotQuoted(t))" }
        var text = t, scale = room / width
        if scale < 0.85, let cut = splitPoint(t) {
            text = String(t[..<cut]) + "\n" + String(t[t.index(after: cut)...])
            let longest = Double(max(t.distance(from: t.startIndex, to: cut), t.distance(from: cut, to: t.endIndex) - 1))
            scale = min(1, room / (longest * canvas.charWidth))
        }
        let pt = max(canvas.fontSize * 0.75, (canvas.fontSize * min(scale, 1)).rounded(.down))
        let font = pt < canvas.fontSize ? " font \(gnuplotQuoted(",\(gnuplotNumber(pt))"))" : ""
        return "set title \(gnuplotQuoted(text))" + font
    }

    /// The space nearest the middle of a text, if any.
    static func splitPoint(_ t: String) -> String.Index? {
        let mid = t.count / 2
        return t.indices.filter { t[$0] == " " }.min { abs(t.distance(from: t.startIndex, to: $0) - mid) < abs(t.distance(from: t.startIndex, to: $1) - mid) }
    }

    static func tic(_ t: Tick) -> String {
        "\(gnuplotQuoted(t.label)) \(gnuplotNumber(t.value))" + (t.minor ? " 1" : "")
    }

    static func keyCommand(_ pos: LegendPosition) -> String {
        let style = "Left reverse samplen 2 spacing 1.1 nobox"
        switch pos {
        case .auto, .topRight: return "set key inside top right \(style)"
        case .topLeft: return "set key inside top left \(style)"
        case .bottomRight: return "set key inside bottom right \(style)"
        case .bottomLeft: return "set key inside bottom left \(style)"
        case .outside: return "set key outside right top vertical \(style)"
        case .below: return "set key below horizontal \(style)"
        }
    }

    static func annotation(_ a: Annotation, canvas: Canvas) -> String {
        func look(_ l: LineLook) -> String {
            var s = "nohead front lc rgb \(gnuplotQuoted(l.color)) lw \(gnuplotNumber(l.width))"
            if let d = l.dash { s += " dt \(dashType(d))" }
            return s
        }
        switch a {
        case .hline(let y, let l):
            var c = "set arrow from graph 0, first \(gnuplotNumber(y)) to graph 1, first \(gnuplotNumber(y)) \(look(l))"
            if let t = l.label { c += "\nset label \(gnuplotQuoted(t)) at graph 0.99, first \(gnuplotNumber(y)) right offset 0,0.6 front tc rgb \(gnuplotQuoted(l.color))" }
            return c
        case .vline(let x, let l):
            var c = "set arrow from first \(gnuplotNumber(x)), graph 0 to first \(gnuplotNumber(x)), graph 1 \(look(l))"
            if let t = l.label { c += "\nset label \(gnuplotQuoted(t)) at first \(gnuplotNumber(x)), graph 0.98 left offset 0.5,0 front tc rgb \(gnuplotQuoted(l.color))" }
            return c
        case .text(let x, let y, let t, let look):
            var c = "set label \(gnuplotQuoted(t)) at first \(gnuplotNumber(x)), first \(gnuplotNumber(y)) \(look.align.rawValue) front"
            if let col = look.color { c += " tc rgb \(gnuplotQuoted(col))" }
            if look.scale != 1, canvas.fontSize > 0 { c += " font \(gnuplotQuoted(",\(gnuplotNumber((canvas.fontSize * look.scale).rounded()))"))" }
            return c
        }
    }

    static func dashType(_ d: Series.Dash) -> String {
        ["solid": "1", "dashed": "2", "dotted": "3", "dashdot": "4"][d.rawValue]!
    }

    /// A colour with an opacity, as gnuplot's `#AARRGGBB` (AA the transparency).
    static func withAlpha(_ color: String, _ alpha: Double?) -> String {
        guard let alpha, alpha < 1 else { return color }
        guard let hex = PlotColors.hex(color) else { return color }
        let t = Int(((1 - Swift.max(0, alpha)) * 255).rounded())
        return "#" + String(format: "%02x", t) + hex.dropFirst()
    }

    static func range(_ r: AxisRange) -> String {
        "[\(r.lo.map(gnuplotNumber) ?? "*"):\(r.hi.map(gnuplotNumber) ?? "*")]"
    }

    static func paletteCommand(_ p: Palette) -> String {
        switch p {
        case .viridis:
            return "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')"
        case .grey:
            return "set palette grey"
        case .rdbu:
            return "set palette defined (0 '#2166ac', 1 '#67a9cf', 2 '#f7f7f7', 3 '#ef8a62', 4 '#b2182b')"
        }
    }

    /// `'file' binary … using … with … title …` for one series, drawn in
    /// `color` unless its colour comes from the data or the palette.
    static func clause(_ s: Series, path: String, color: String? = nil) -> String {
        let f = gnuplotQuoted(path)
        var c: String
        switch s.data {
        case .records(let cols):
            c = "\(f) binary record=(\(cols.first?.count ?? 0)) format='\(String(repeating: "%float64", count: cols.count))'"
            c += " using " + (1...max(cols.count, 1)).map(String.init).joined(separator: ":")
        case .array(_, let rows, let cols):
            c = "\(f) binary array=(\(cols),\(rows)) format='%float64'"
        case .grid(let columns, let rows, let cols):
            c = "\(f) binary record=(\(cols),\(rows)) format='\(String(repeating: "%float64", count: columns.count))'"
            c += " using " + (1...max(columns.count, 1)).map(String.init).joined(separator: ":")
        }
        let pt = s.marker.map { " pt \($0.pointType)" }
        switch s.kind {
        case .lines: c += s.marker == nil ? " with lines" : " with linespoints" + pt!
        case .points: c += " with points" + (pt ?? " pt 7")
        case .linespoints: c += " with linespoints" + (pt ?? " pt 7")
        case .steps: c += " with steps"
        case .impulses: c += " with impulses"
        case .boxes:
            c += " with boxes"
            let alpha = s.fillOpacity ?? 0.5
            c += " fill transparent solid \(gnuplotNumber(alpha)) border lc rgb '#303030'"
        case .errorbars: c += " with yerrorbars" + (pt ?? " pt 7")
        case .errorlines: c += " with yerrorlines" + (pt ?? " pt 7")
        case .whiskers:
            // Vectors from low to high with flat heads: yerrorbars would leave a gap for a marker.
            c = c.replacingOccurrences(of: " using 1:2:3:4", with: " using 1:3:(0):($4-$3)")
            c += " with vectors heads size screen 0.012,90"
        case .band:
            c += " with filledcurves fs transparent solid \(gnuplotNumber(s.fillOpacity ?? 0.25)) noborder"
        case .image: c += " with image"
        case .surface: c += " with pm3d"
        }
        let stroked: Set<Series.Kind> = [.lines, .linespoints, .steps, .errorbars, .errorlines, .whiskers, .impulses]
        if let w = s.lineWidth { c += " lw \(gnuplotNumber(w))" } else if stroked.contains(s.kind) {
            c += " lw 2"
        }
        if let d = s.dash { c += " dt " + dashType(d) }
        if let ps = s.pointSize { c += " ps \(gnuplotNumber(ps))" }
        if s.colorFromData { c += " lc palette" } else if s.kind == .band || s.kind == .boxes, let color = s.color ?? color {
            c += " fc rgb \(gnuplotQuoted(color))"
        } else if s.kind != .image, s.kind != .surface, let color = s.color ?? color {
            c += " lc rgb \(gnuplotQuoted(withAlpha(color, s.alpha)))"
        }
        c += s.title.map { " title \(gnuplotQuoted($0))" } ?? " notitle"
        return c
    }
}
