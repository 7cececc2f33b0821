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
    public init(_ figure: Figure, dataPath: (Int) -> String) {
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
            lines += Self.settings(p)
            var clauses: [String] = []
            for s in p.series {
                let path = dataPath(blocks.count)
                blocks.append(s.data)
                clauses.append(Self.clause(s, path: path))
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

    /// The `set` commands of one panel, after a `reset`.
    static func settings(_ p: Panel) -> [String] {
        var out: [String] = []
        if let t = p.title { out.append("set title \(gnuplotQuoted(t))") }
        if let t = p.xlabel { out.append("set xlabel \(gnuplotQuoted(t))") }
        if let t = p.ylabel { out.append("set ylabel \(gnuplotQuoted(t))") }
        if let t = p.zlabel { out.append("set zlabel \(gnuplotQuoted(t)) rotate parallel") }
        if p.logx { out.append("set logscale x") }
        if p.logy { out.append("set logscale y") }
        if let r = p.xrange { out.append("set xrange \(range(r))") }
        if let r = p.yrange { out.append("set yrange \(range(r))") }
        if let r = p.zrange { out.append("set zrange \(range(r))") }
        if let r = p.crange { out.append("set cbrange \(range(r))") }
        if p.matrixOrientation, let first = p.series.first, case .array(_, let rows, let cols) = first.data {
            // Cell centres sit on integer coordinates; row 0 at the top.
            if p.xrange == nil { out.append("set xrange [-0.5:\(gnuplotNumber(Double(cols) - 0.5))]") }
            if p.yrange == nil { out.append("set yrange [\(gnuplotNumber(Double(rows) - 0.5)):-0.5]") }
        }
        if p.equalAspect { out.append("set size ratio -1") }
        if p.bare { out.append("unset border"); out.append("unset tics") }
        if p.grid { out.append("set grid") }
        if !p.legend || !p.series.contains(where: { $0.title != nil }) { out.append("unset key") }
        if let pal = p.palette { out.append(paletteCommand(pal)) }
        out.append(p.colorbar ? "set colorbox" : "unset colorbox")
        if p.threeD {
            out.append("set view 60,30")
            out.append("set pm3d depthorder border lc rgb '#404040' lw 0.5")
            out.append("set xyplane relative 0")
        }
        return out
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

    /// `'file' binary … using … with … title …` for one series.
    static func clause(_ s: Series, path: String) -> String {
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
        switch s.kind {
        case .lines: c += " with lines"
        case .points: c += " with points pt 7"
        case .linespoints: c += " with linespoints pt 7"
        case .steps: c += " with steps"
        case .impulses: c += " with impulses"
        case .boxes:
            c += " with boxes"
            let alpha = s.fillOpacity ?? 0.5
            c += " fill transparent solid \(gnuplotNumber(alpha)) border lc rgb '#303030'"
        case .image: c += " with image"
        case .surface: c += " with pm3d"
        }
        if let w = s.lineWidth { c += " lw \(gnuplotNumber(w))" } else if s.kind == .lines || s.kind == .linespoints || s.kind == .steps {
            c += " lw 1.5"
        }
        if let d = s.dash {
            c += " dt " + ["solid": "1", "dashed": "2", "dotted": "3", "dashdot": "4"][d.rawValue]!
        }
        if let ps = s.pointSize { c += " ps \(gnuplotNumber(ps))" }
        if s.colorFromData { c += " lc palette" } else if let color = s.color { c += " lc rgb \(gnuplotQuoted(color))" }
        c += s.title.map { " title \(gnuplotQuoted($0))" } ?? " notitle"
        return c
    }
}
