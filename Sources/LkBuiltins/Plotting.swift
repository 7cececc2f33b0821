import Foundation
import LkLang
import LkPlot
import LkTensor

/// Keywords every plotting built-in accepts for its axes and destination.
/// The axis and output keywords every one-panel plot takes, declared once and
/// spliced into each plot's signature.
let plotAxisKeywords = "title=, xlabel=, ylabel=, xrange=, yrange=, logx=false, logy=false, grid=true, legend_pos=\"auto\", add=false, update=false, out=, figsize="

/// The keywords that style lines and points, declared once.
let plotLineKeywords = "color=, alpha=, marker=, linestyle=, lw="

let plotWhereItGoes = "With `out=\"f.png\"` (or .svg, .pdf) the figure is written to that file; otherwise it opens in a window (an interactive REPL with a display and gnuplot-qt), or prints as a text plot (`LK_TERM=sixel` for sixel graphics). `figsize=[w, h]` sets the size in pixels (characters for text plots). `add=true` draws onto the current panel instead of starting a figure; `update=true` replaces the figure the previous `update=true` call drew, where it was drawn (the same window, file or text plot), so a loop redraws one figure; the first such call of an input (a REPL line, a notebook cell), or after a plot without it or `show()`, starts a new figure. `legend_pos=` is \"auto\" (the emptiest inside corner, or outside when every corner has data), \"top right\", \"top left\", \"bottom right\", \"bottom left\", \"outside\" or \"below\"; `grid=false` removes the light grid."

extension BuiltinTable {
    static let plotting: [Builtin] = [
        def("plot(y) / plot(x, y, legend=, style=\"lines\", \(plotLineKeywords), \(plotAxisKeywords))",
            "Line plot of y against x; `plot(y)` uses 0, 1, 2, … for x. A matrix y draws one line per column (x a vector of its row count, or a matrix of its shape); `legend=[\"train\", \"test\"]` names the lines (`legend=false` hides the key; an empty name \"\" leaves that line out of it). `style=` is \"lines\", \"points\", \"linespoints\", \"steps\", \"impulses\", \"dashed\", \"dotted\" or \"dashdot\"; `color=` a colour name or \"#rrggbb\" (default: the colour-blind-safe Okabe–Ito cycle); `marker=` \"o\", \"s\", \"^\", \"v\", \"d\", \"x\", \"+\", \"*\", \".\" or \"none\"; `linestyle=` \"-\", \"--\", \":\", \"-.\" (or \"solid\", \"dashed\", \"dotted\", \"dashdot\") or \"none\" (markers only); each one value or a list with one per line; `alpha=` the opacity (0–1) and `lw=` the line width. `logx=true`/`logy=true` use log axes, labelled 10ᵏ; `xrange=[lo, hi]`, `yrange=` fix the ranges (`none` or nan leaves an end automatic; by default the ranges fit the data). \(plotWhereItGoes)") { a in
            try a.expect(1...2)
            let y = try a.plotTensor(a.count - 1, "y", ranks: [1, 2])
            var x: Tensor? = nil
            if a.count == 2 {
                let xt = try a.plotTensor(0, "x", ranks: [1, 2])
                if xt.rank == 1, xt.count != y.shape[0] {
                    throw a.error("x has \(xt.count) points but y has \(y.shape[0]) \(y.rank == 2 ? "rows" : "points")", at: 0)
                }
                if xt.rank == 2, xt.shape != y.shape {
                    throw a.error("a matrix x must have y's shape \(shapeString(y.shape)), got \(shapeString(xt.shape))", at: 0)
                }
                x = xt
            }
            var panel = Plots.lines(x: x, y: y)
            try a.applyLineStyles(&panel)
            try a.applyLegend(&panel)
            return try a.draw(panel)
        },
        def("scatter(y) / scatter(x, y, color=, palette=, pointsize=, marker=, alpha=, legend=, \(plotAxisKeywords))",
            "Points at (x, y); `scatter(P)` takes the two columns of an N×2 matrix (e.g. `pca` output). `color=` a vector of N values colours points through a palette with a colour bar (`palette=\"viridis\"`, \"rdbu\" or \"grey\"); a list of N strings colours them by label with one legend entry per label; one string colours them all. `pointsize=` scales the markers (default 1), `marker=` picks their shape as in `plot`, `alpha=` their opacity. Takes the axis keywords of `plot`. \(plotWhereItGoes)") { a in
            try a.expect(1...2)
            let xs: [Double], ys: [Double]
            if a.count == 1 {
                let p = try a.plotTensor(0, "P", ranks: [2])
                guard p.shape[1] == 2 else { throw a.error("a single argument must be an N×2 matrix of points, got \(shapeString(p.shape))", at: 0) }
                xs = Plots.column(p, 0); ys = Plots.column(p, 1)
            } else {
                let xt = try a.plotTensor(0, "x", ranks: [1]), yt = try a.plotTensor(1, "y", ranks: [1])
                guard xt.count == yt.count else { throw a.error("x has \(xt.count) points but y has \(yt.count)", at: 1) }
                xs = xt.scalars; ys = yt.scalars
            }
            var values: [Double]? = nil, labels: [String]? = nil, single: String? = nil
            if let c = a.keyword("color") {
                if case .string(let s) = c { single = s }
                else if case .list(let items) = c, items.contains(where: { if case .string = $0 { return true }; return false }) {
                    labels = try items.map { v in
                        guard case .string(let s) = v else { throw a.keywordError("color= labels must all be strings", "color") }
                        return s
                    }
                } else if let t = Arguments.asTensor(c) {
                    values = t.scalars
                } else {
                    throw a.keywordError("color must be a vector of values, a list of labels or a colour name, got \(c.describedKind)", "color")
                }
                if let n = values?.count ?? labels?.count, n != xs.count {
                    throw a.keywordError("color has \(n) entries but there are \(xs.count) points", "color")
                }
            }
            var panel = Plots.scatter(x: xs, y: ys, values: values, labels: labels)
            if let single { for i in panel.series.indices { panel.series[i].color = single } }
            if let ps = a.keyword("pointsize") {
                guard let v = Arguments.asTensor(ps), v.count == 1, v.pointer[0] > 0 else { throw a.keywordError("pointsize must be a positive number", "pointsize") }
                for i in panel.series.indices { panel.series[i].pointSize = v.pointer[0] }
            }
            if a.keyword("palette") != nil { panel.palette = try a.palette(default: .viridis) }
            if let m = try a.markers(1)?.first { for i in panel.series.indices { panel.series[i].marker = m ?? .dot } }
            if let al = try a.alpha() { for i in panel.series.indices { panel.series[i].alpha = al } }
            if a.keyword("legend") != nil { try a.applyLegend(&panel) }
            return try a.draw(panel)
        },
        def("heatmap(M, palette=, crange=, \(plotAxisKeywords.replacingOccurrences(of: "grid=true", with: "grid=false")))",
            "A matrix as coloured cells with a colour bar, row 0 at the top as the matrix prints (kernel, Gram and RSA matrices). `palette=` is \"viridis\" (default), \"rdbu\" (diverging, centred on zero) or \"grey\"; `crange=[lo, hi]` fixes the colour scale. Takes the axis keywords of `plot`. \(plotWhereItGoes)") { a in
            try a.expect(1...1)
            let m = try a.plotTensor(0, "M", ranks: [2])
            var panel = Plots.heatmap(m, palette: try a.palette(default: .viridis), crange: try a.rangeKeyword("crange"))
            panel.grid = false
            return try a.draw(panel)
        },
        def("image(img, titles=, cols=, crange=, title=, update=false, out=, figsize=)",
            "A grey-scale picture (a matrix, row 0 at the top, black for its smallest value and white for its largest). Several pictures side by side: a stack n×h×w or a list of matrices, in a grid of `cols=` columns (all in one row by default), with `titles=` a list of captions and `title=` one over the grid. `crange=[lo, hi]` fixes the grey scale (e.g. [0, 1] to compare reconstructions). \(plotWhereItGoes)") { a in
            var pictures: [Tensor] = []
            switch a.positional[0] {
            case .list(let items):
                for v in items {
                    guard let t = Arguments.asTensor(v), t.rank == 2 else { throw a.error("a list of pictures must hold matrices, got \(v.describedKind)", at: 0) }
                    pictures.append(t)
                }
            default:
                let t = try a.plotTensor(0, "img", ranks: [2, 3])
                if t.rank == 2 { pictures = [t] } else {
                    let h = t.shape[1], w = t.shape[2]
                    for k in 0..<t.shape[0] {
                        pictures.append(try Tensor.build(shape: [h, w]) { p, n in p.update(from: t.pointer + k * n, count: n) })
                    }
                }
            }
            guard !pictures.isEmpty else { throw a.error("no pictures to show", at: 0) }
            for p in pictures where p.count == 0 { throw a.error("a picture is empty", at: 0) }
            var titles: [String] = []
            if let t = a.keyword("titles") { titles = try a.stringList(t, "titles") }
            if !titles.isEmpty, titles.count != pictures.count {
                throw a.keywordError("titles has \(titles.count) entries for \(pictures.count) pictures", "titles")
            }
            let crange = try a.rangeKeyword("crange")
            let panels = pictures.enumerated().map { Plots.picture($1, crange: crange, title: titles.isEmpty ? nil : titles[$0]) }
            let cols = try a.keywordInt("cols", default: min(pictures.count, 8), min: 1)
            let title = try a.optionalString("title")
            if panels.count == 1 {
                var p = panels[0]
                if p.title == nil { p.title = title }
                return try a.draw(p, applyAxes: false)
            }
            let rows = (panels.count + cols - 1) / cols
            let size = try a.figsize()
            var figure = Figure(panels: panels, rows: rows, cols: cols, title: title, width: size.0, height: size.1)
            figure.panelWidth = 240
            figure.panelHeight = 260
            return try a.show(figure, update: try a.keywordBool("update", default: false))
        },
        def("hist(v, bins=10, density=false, legend=, color=, alpha=, \(plotAxisKeywords))",
            "Histogram of the values of v (nan ignored); a matrix draws one translucent histogram per column over shared bins. `bins=` is a number of equal bins over the data's range or a vector of edges (each bin [a, b), the last one closed, as NumPy); `density=true` scales each histogram to integrate to 1. Takes the axis keywords of `plot`. \(plotWhereItGoes)") { a in
            try a.expect(1...1)
            let v = try a.plotTensor(0, "v", ranks: [1, 2])
            let columns = (0..<Plots.lineCount(v)).map { Plots.column(v, $0) }
            guard columns.joined().contains(where: { $0.isFinite }) else { throw a.error("v has no finite values to count", at: 0) }
            var edges: [Double]
            if let b = a.keyword("bins"), let t = Arguments.asTensor(b), t.rank == 1 {
                edges = t.scalars
                guard edges.count >= 2, zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }), edges.allSatisfy({ $0.isFinite }) else {
                    throw a.keywordError("bins edges must be at least two finite, increasing numbers", "bins")
                }
            } else {
                let bins = try a.keywordInt("bins", default: 10, min: 1)
                // Edges, counts and four corners per bar and column: checked before they are built.
                do { _ = try Memory.checkedCount([bins + 1, 4 * (columns.count + 1)], what: "\(bins) bins") } catch let e as TensorError { throw a.keywordError(e.message, "bins") }
                edges = Plots.edges(columns, count: bins)
            }
            var panel = Plots.histogram(columns, edges: edges, density: try a.keywordBool("density", default: false))
            if let c = try a.perSeries("color", panel.series.count) { for (i, c) in c.enumerated() { panel.series[i].color = c } }
            if let al = try a.alpha() { for i in panel.series.indices { panel.series[i].fillOpacity = al } }
            try a.applyLegend(&panel)
            return try a.draw(panel)
        },
        def("surface(Z, x=, y=, zlabel=, zrange=, palette=, \(plotAxisKeywords.replacingOccurrences(of: "grid=true", with: "grid=false")))",
            "A 3-D surface of height Z[i, j] over a grid, coloured by height with a colour bar; `x=` (one value per column) and `y=` (one per row) place the grid (0, 1, 2, … by default). In a window it can be rotated with the mouse. `zlabel=`, `zrange=[lo, hi]` and `palette=` as in `heatmap`; takes the axis keywords of `plot`. \(plotWhereItGoes)") { a in
            try a.expect(1...1)
            let z = try a.plotTensor(0, "Z", ranks: [2])
            guard z.shape[0] >= 2, z.shape[1] >= 2 else { throw a.error("Z must have at least 2 rows and 2 columns, got \(shapeString(z.shape))", at: 0) }
            func axis(_ name: String, _ n: Int) throws -> [Double]? {
                guard let v = a.keyword(name) else { return nil }
                guard let t = Arguments.asTensor(v), t.rank == 1, t.count == n else {
                    throw a.keywordError("\(name) must be a vector of \(n) values (one per \(name == "x" ? "column" : "row") of Z)", name)
                }
                return t.scalars
            }
            var panel = Plots.surface(z, x: try axis("x", z.shape[1]), y: try axis("y", z.shape[0]))
            panel.zlabel = try a.optionalString("zlabel")
            panel.zrange = try a.rangeKeyword("zrange")
            panel.palette = try a.palette(default: .viridis)
            panel.grid = false
            return try a.draw(panel)
        },
        def("subplot() / subplot(rows, cols, title=, update=false, out=, figsize=)",
            "Starts a figure of rows×cols panels: the next plotting calls fill it row by row (an `image` of several pictures takes one panel each; `add=true`, `hline`, `vline` and `text` draw on the panel filled last), and it is drawn when full, to `out=` if given. `subplot()` (or `show()`) ends a grid: it is drawn as far as it was filled, and the next plot is a figure of its own. `update=true` draws the grid where the last figure was (a loop redrawing a grid). `savefig(path)` saves it.") { a in
            if a.count == 0 { return try a.plotting { try Plotter.shared.end() } }
            try a.expect(2...2)
            let rows = try a.int(0, "rows", min: 1), cols = try a.int(1, "cols", min: 1)
            guard rows * cols <= 64 else { throw a.error("at most 64 panels, got \(rows)×\(cols)", at: 1) }
            let size = try a.figsize()
            let out = try a.optionalString("out")
            let update = try a.keywordBool("update", default: false)
            return try a.plotting { try Plotter.shared.beginGrid(rows: rows, cols: cols, title: try a.optionalString("title"), width: size.0, height: size.1, out: out, update: update) }
        },
        def("show()", "Draws the `subplot` grid being filled even though it is not full, and ends it (as `subplot()`); the next `update=true` starts a new figure.") { a in
            return try a.plotting { try Plotter.shared.end() }
        },
        def("savefig(path)", "Writes the last figure drawn (or the `subplot` grid being filled) to a file, its type chosen by the extension: .png, .svg or .pdf.") { a in
            let path = try a.string(0, "path")
            return try a.plotting { try Plotter.shared.save(path) }
        },
    ] + plotKinds
}

extension Arguments {
    /// A non-empty tensor of one of the given ranks.
    func plotTensor(_ i: Int, _ name: String, ranks: [Int]) throws -> Tensor {
        let t = try tensor(i, name)
        guard ranks.contains(t.rank) else {
            let want = ranks.map { ["a number", "a vector", "a matrix", "an n×h×w stack"][$0] }.joined(separator: " or ")
            throw error("\(name) must be \(want), got \(t.rank == 0 ? "a number" : "shape \(shapeString(t.shape))")", at: i)
        }
        guard t.count > 0 else { throw error("\(name) is empty: nothing to plot", at: i) }
        return t
    }

    func optionalString(_ name: String) throws -> String? {
        guard let v = keyword(name) else { return nil }
        if case .none = v { return nil }
        guard case .string(let s) = v else { throw keywordError("\(name) must be a string, got \(v.describedKind)", name) }
        return s
    }

    func stringList(_ v: Value, _ name: String) throws -> [String] {
        if case .string(let s) = v { return [s] }
        guard case .list(let items) = v else { throw keywordError("\(name) must be a list of strings, got \(v.describedKind)", name) }
        return try items.map { item in
            guard case .string(let s) = item else { throw keywordError("\(name) must be a list of strings, got a \(item.describedKind) in it", name) }
            return s
        }
    }

    /// `[lo, hi]`; `none` or nan leaves an end automatic.
    func rangeKeyword(_ name: String) throws -> AxisRange? {
        guard let v = keyword(name) else { return nil }
        if case .none = v { return nil }
        var ends: [Double?] = []
        if case .list(let items) = v {
            for item in items {
                if case .none = item { ends.append(nil) } else if let t = Arguments.asTensor(item), t.count == 1 { ends.append(t.pointer[0].isNaN ? nil : t.pointer[0]) } else { ends = []; break }
            }
        } else if case .tensor(let t) = v, t.rank == 1 {
            ends = t.scalars.map { $0.isNaN ? nil : $0 }
        }
        guard ends.count == 2 else { throw keywordError("\(name) must be [lo, hi], got \(v.describedKind)", name) }
        if let lo = ends[0], let hi = ends[1], !(lo < hi) {
            throw keywordError("\(name) must have lo < hi, got [\(formatNumber(lo)), \(formatNumber(hi))]", name)
        }
        return AxisRange(ends[0], ends[1])
    }

    func palette(default d: Palette) throws -> Palette {
        let name = try keywordString("palette", default: d.rawValue, allowed: Palette.allCases.map(\.rawValue))
        return Palette(rawValue: name)!
    }

    /// `figsize=[w, h]`.
    func figsize() throws -> (Int?, Int?) {
        guard let v = keyword("figsize") else { return (nil, nil) }
        guard let t = Arguments.asTensor(v), t.rank == 1, t.count == 2,
              t.scalars.allSatisfy({ $0 >= 10 && $0 <= 20000 && $0 == $0.rounded() }) else {
            throw keywordError("figsize must be [width, height], whole numbers from 10 to 20000", "figsize")
        }
        return (Int(t.pointer[0]), Int(t.pointer[1]))  // checked: 10 … 20000
    }

    /// `legend=`: false hides the key; a string or list names the series in order.
    func applyLegend(_ panel: inout Panel) throws {
        guard let v = keyword("legend") else { return }
        switch v.normalized {
        case .bool(let b): panel.legend = b; return
        case .none: panel.legend = false; return
        default: break
        }
        let names = try stringList(v, "legend")
        guard names.count == panel.series.count else {
            throw keywordError("legend has \(names.count) name\(names.count == 1 ? "" : "s") for \(panel.series.count) line\(panel.series.count == 1 ? "" : "s")", "legend")
        }
        for i in names.indices { panel.series[i].title = names[i].isEmpty ? nil : names[i] }
    }

    /// One string for every series, or one per series, from a string or a list.
    func perSeries(_ name: String, _ n: Int) throws -> [String]? {
        guard let v = keyword(name) else { return nil }
        if case .none = v { return nil }
        let list = try stringList(v, name)
        guard list.count == 1 || list.count == n else {
            throw keywordError("\(name) has \(list.count) entries for \(n) lines", name)
        }
        return list.count == 1 ? Array(repeating: list[0], count: n) : list
    }

    /// `marker=`, one per series; nil entries mean "none".
    func markers(_ n: Int) throws -> [Series.Marker?]? {
        guard let names = try perSeries("marker", n) else { return nil }
        return try names.map { m in
            if m == "none" || m == "" { return nil }
            guard let k = Series.Marker(rawValue: m) else {
                throw keywordError("marker must be one of \(Series.Marker.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")) or \"none\", got \"\(m)\"", "marker")
            }
            return k
        }
    }

    /// `linestyle=`, one per series; nil entries mean no line.
    func lineStyles(_ n: Int) throws -> [Series.Dash?]? {
        guard let names = try perSeries("linestyle", n) else { return nil }
        let table: [String: Series.Dash?] = ["-": .solid, "solid": .solid, "--": .dashed, "dashed": .dashed, ":": .dotted, "dotted": .dotted,
                                             "-.": .dashdot, "dashdot": .dashdot, "none": nil, "": nil]
        return try names.map { s in
            guard let d = table[s] else {
                throw keywordError("linestyle must be \"-\", \"--\", \":\", \"-.\" (or \"solid\", \"dashed\", \"dotted\", \"dashdot\") or \"none\", got \"\(s)\"", "linestyle")
            }
            return d
        }
    }

    /// `alpha=`: an opacity from 0 to 1.
    func alpha() throws -> Double? {
        guard keyword("alpha") != nil else { return nil }
        let v = try keywordNumber("alpha", default: 1)
        guard v >= 0, v <= 1 else { throw keywordError("alpha must be an opacity from 0 to 1, got \(formatNumber(v))", "alpha") }
        if v < 1 {
            for c in (try perSeries("color", 1)) ?? [] where !PlotColors.knows(c) {
                throw keywordError("alpha= needs colours given as \"#rrggbb\" or a plotAxisKeywords name (black, grey, red, blue, …), got \"\(c)\"", "alpha")
            }
        }
        return v
    }

    /// `style=`, `color=`, `marker=`, `linestyle=`, `alpha=`, `lw=` of `plot`:
    /// one value for all lines or one per line.
    func applyLineStyles(_ panel: inout Panel) throws {
        let n = panel.series.count
        if declares("style"), let styles = try perSeries("style", n) {
            for (i, s) in styles.enumerated() {
                switch s {
                case "lines": panel.series[i].kind = .lines
                case "points": panel.series[i].kind = .points
                case "linespoints": panel.series[i].kind = .linespoints
                case "steps": panel.series[i].kind = .steps
                case "impulses": panel.series[i].kind = .impulses
                case "dashed", "dotted", "dashdot": panel.series[i].dash = Series.Dash(rawValue: s)
                default:
                    throw keywordError("style must be \"lines\", \"points\", \"linespoints\", \"steps\", \"impulses\", \"dashed\", \"dotted\" or \"dashdot\", got \"\(s)\"", "style")
                }
            }
        }
        if let colors = try perSeries("color", n) {
            for (i, c) in colors.enumerated() { panel.series[i].color = c }
        }
        let marks = try markers(n)
        if let marks { for (i, m) in marks.enumerated() { panel.series[i].marker = m } }
        if let dashes = try lineStyles(n) {
            for (i, d) in dashes.enumerated() {
                if let d { panel.series[i].dash = d == .solid ? nil : d } else {
                    // No line: markers only (a filled circle unless marker= chose one).
                    panel.series[i].kind = .points
                    if panel.series[i].marker == nil { panel.series[i].marker = .circle }
                }
            }
        }
        if let al = try alpha() { for i in panel.series.indices { panel.series[i].alpha = al } }
        if keyword("lw") != nil {
            let w = try keywordNumber("lw", default: 1.5)
            guard w > 0, w <= 100 else { throw keywordError("lw must be a positive line width", "lw") }
            for i in panel.series.indices { panel.series[i].lineWidth = w }
        }
    }

    /// Whether the callee's signature declares a keyword (shared helpers read
    /// only what the calling built-in declares).
    func declares(_ name: String) -> Bool { declaration?.keywords.contains(name) ?? false }

    /// `legend_pos=`.
    func legendPosition() throws -> LegendPosition? {
        guard declares("legend_pos"), keyword("legend_pos") != nil else { return nil }
        let names = LegendPosition.allCases.map(\.rawValue)
        return LegendPosition(rawValue: try keywordString("legend_pos", default: "auto", allowed: names))!
    }

    /// Applies the plotAxisKeywords axis keywords and draws a one-panel figure; with
    /// `add=true`, draws the panel's series and annotations onto the current
    /// panel instead, setting only the axis keywords the call gives.
    func draw(_ panel: Panel, applyAxes: Bool = true) throws -> Value {
        var p = panel
        if declares("add"), try keywordBool("add", default: false) {
            return try layer(p.series, p.annotations)
        }
        if applyAxes {
            p.title = try optionalString("title")
            p.xlabel = try optionalString("xlabel")
            p.ylabel = try optionalString("ylabel")
            p.xrange = try rangeKeyword("xrange")
            p.yrange = try rangeKeyword("yrange") ?? p.yrange
            p.logx = try keywordBool("logx", default: false)
            p.logy = try keywordBool("logy", default: false)
            p.grid = try keywordBool("grid", default: p.grid)
            if let pos = try legendPosition() { p.legendPosition = pos }
        }
        let size = try figsize()
        var figure = Figure(p, width: size.0, height: size.1)
        if p.isMatrix, !p.bare {
            // A heatmap is about square: a 520×460 picture, not the wide default.
            figure.panelWidth = 520; figure.panelHeight = 460
        }
        return try show(figure, update: declares("update") ? try keywordBool("update", default: false) : false)
    }

    /// Adds series and annotations to the current panel (see `Plotter.add`),
    /// with whatever axis keywords this call gives.
    func layer(_ series: [Series], _ annotations: [Annotation]) throws -> Value {
        // Annotations (hline, text) declare none of the axis keywords: read only what the callee declares.
        func string(_ name: String) throws -> String? { declares(name) ? try optionalString(name) : nil }
        func range(_ name: String) throws -> AxisRange? { declares(name) ? try rangeKeyword(name) : nil }
        func flag(_ name: String) throws -> Bool? { declares(name) && keyword(name) != nil ? try keywordBool(name, default: false) : nil }
        let out = try string("out")
        let title = try string("title"), xlabel = try string("xlabel"), ylabel = try string("ylabel")
        let xr = try range("xrange"), yr = try range("yrange")
        let logx = try flag("logx"), logy = try flag("logy")
        let grid = declares("grid") && keyword("grid") != nil ? try keywordBool("grid", default: true) : nil
        let pos = try legendPosition()
        return try plotting(at: out == nil ? .call : .keyword("out")) {
            try Plotter.shared.add(out: out) { p in
                p.series += series
                p.annotations += annotations
                if let title { p.title = title }
                if let xlabel { p.xlabel = xlabel }
                if let ylabel { p.ylabel = ylabel }
                if let xr { p.xrange = xr }
                if let yr { p.yrange = yr }
                if let logx { p.logx = logx }
                if let logy { p.logy = logy }
                if let grid { p.grid = grid }
                if let pos { p.legendPosition = pos }
            }
        }
    }

    func show(_ figure: Figure, update: Bool = false) throws -> Value {
        let out = try optionalString("out")
        return try plotting(at: out == nil ? .call : .keyword("out")) { try Plotter.shared.show(figure, out: out, update: update) }
    }

    /// Runs a plotting step, prints what it produced (a text plot, gnuplot's
    /// warnings) and turns plot errors into errors at the call.
    func plotting(at place: BuiltinError.Where = .call, _ body: () throws -> Rendered) throws -> Value {
        let r: Rendered
        do { r = try body() } catch let e as PlotError {
            if e == .interrupted { throw Interrupted() }
            if case .usage = e { throw BuiltinError("\(callee): \(e.description)", at: place) }
            throw BuiltinError("\(callee): \(e.description)", at: .call)
        }
        for w in r.warnings where !w.isEmpty { interpreter?.output("\(callee): \(w)\n") }
        if let t = r.text, let interpreter { LiveText.print(t, redraw: r.redraw, on: interpreter) }
        return .none
    }
}
