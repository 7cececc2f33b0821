import Foundation
import LkLang
import LkPlot
import LkTensor

/// The plot kinds a paper figure needs beyond lines and points: error bars,
/// shaded bands over runs, bar charts, and annotations.
extension BuiltinTable {
    static let plotKinds: [Builtin] = [
        def("errorbar(x, y, err) / errorbar(x, y, lo, hi, legend=, \(plotLineKeywords), \(plotAxisKeywords))",
            "Markers at (x, y) with vertical error bars, joined by a line (`linestyle=\"none\"` for bars and markers only): `err` gives symmetric bars y ± err, `lo` and `hi` the bars' ends themselves. y may be a matrix with one series per column (err, lo, hi then of its shape). Takes the line keywords and axis keywords of `plot`. \(plotWhereItGoes)") { a in
            try a.expect(3...4)
            let x = try a.plotTensor(0, "x", ranks: [1])
            let y = try a.plotTensor(1, "y", ranks: [1, 2])
            guard y.shape[0] == x.count else { throw a.error("y has \(y.shape[0]) rows but x has \(x.count) points", at: 1) }
            let cols = (0..<Plots.lineCount(y)).map { Plots.column(y, $0) }
            func same(_ i: Int, _ name: String) throws -> [[Double]] {
                let t = try a.plotTensor(i, name, ranks: [1, 2])
                guard t.shape == y.shape || (t.rank == 1 && y.rank == 2 && y.shape[1] == 1 && t.count == y.shape[0]) else {
                    throw a.error("\(name) must have y's shape \(shapeString(y.shape)), got \(shapeString(t.shape))", at: i)
                }
                return (0..<cols.count).map { Plots.column(t, $0) }
            }
            var lo: [[Double]], hi: [[Double]]
            if a.count == 3 {
                let e = try same(2, "err")
                if e.joined().contains(where: { $0 < 0 }) { throw a.error("err must not be negative (bars reach y − err to y + err)", at: 2) }
                lo = zip(cols, e).map { zip($0, $1).map { $0 - $1 } }
                hi = zip(cols, e).map { zip($0, $1).map { $0 + $1 } }
            } else {
                lo = try same(2, "lo"); hi = try same(3, "hi")
            }
            var panel = Plots.errorbars(x: x.scalars, y: cols, lo: lo, hi: hi)
            try a.applyLineStyles(&panel)
            for i in panel.series.indices where panel.series[i].kind == .points {
                panel.series[i].kind = .errorbars   // linestyle="none": bars and markers, no line
            }
            try a.applyLegend(&panel)
            return try a.draw(panel)
        },
        def("band(x, Y) / band(x, lo, hi) / band(x, y, lo, hi, spread=\"std\", legend=, \(plotLineKeywords), \(plotAxisKeywords))",
            "A shaded band, the figure of a quantity over seeds. `band(x, Y)`: Y holds one run per column (N×S, rows matching x; `stack(runs, axis=1)` builds it from a list of run vectors), drawn as the mean over runs with a band of `spread=` \"std\" (mean ± standard deviation, ddof 0 as `std`), \"sem\" (± std/√S, ddof 1), \"ci95\" (± 1.96 standard errors) or \"minmax\" (the smallest to the largest run); a list of such matrices draws one band each (`legend=` names them). `band(x, lo, hi)` shades between two curves; `band(x, y, lo, hi)` adds the line y. The line takes the line keywords of `plot`; `alpha=` is the band's opacity (default 0.25). Non-finite values are left out of a row's mean and spread. Takes the axis keywords of `plot`. \(plotWhereItGoes)") { a in
            try a.expect(2...4)
            let x = try a.plotTensor(0, "x", ranks: [1])
            func vector(_ i: Int, _ name: String) throws -> [Double] {
                let t = try a.plotTensor(i, name, ranks: [1])
                guard t.count == x.count else { throw a.error("\(name) has \(t.count) points but x has \(x.count)", at: i) }
                return t.scalars
            }
            var groups: [[Series]] = []
            if a.count == 2 {
                var runs: [Tensor] = []
                if case .list(let items) = a.positional[1] {
                    for v in items {
                        guard let t = Arguments.asTensor(v), t.rank == 2 else { throw a.error("a list of runs must hold matrices (N×S, one run per column), got \(v.describedKind)", at: 1) }
                        runs.append(t)
                    }
                    guard !runs.isEmpty else { throw a.error("the list of runs is empty", at: 1) }
                } else {
                    let t = try a.plotTensor(1, "Y", ranks: [2, 3])
                    if t.rank == 2 { runs = [t] } else {
                        // [Y1, Y2] of one shape arrives stacked: K×N×S.
                        let n = t.shape[1] * t.shape[2]
                        for k in 0..<t.shape[0] {
                            runs.append(try Tensor.build(shape: [t.shape[1], t.shape[2]]) { p, _ in p.update(from: t.pointer + k * n, count: n) })
                        }
                    }
                }
                let spread = Plots.Spread(rawValue: try a.keywordString("spread", default: "std", allowed: Plots.Spread.allCases.map(\.rawValue)))!
                for r in runs {
                    guard r.count > 0 else { throw a.error("Y is empty: nothing to plot", at: 1) }
                    guard r.shape[0] == x.count else {
                        let hint = r.shape[1] == x.count ? " (rows must be the x points and columns the runs: use Y.T)" : ""
                        throw a.error("Y has \(r.shape[0]) rows but x has \(x.count) points\(hint)", at: 1)
                    }
                    let rows = (0..<r.shape[0]).map { i in (0..<r.shape[1]).map { r.pointer[i * r.shape[1] + $0] } }
                    let s = Plots.summary(rows, spread: spread)
                    groups.append(Plots.band(x: x.scalars, y: s.mean, lo: s.lo, hi: s.hi))
                }
            } else if a.count == 3 {
                groups = [Plots.band(x: x.scalars, y: nil, lo: try vector(1, "lo"), hi: try vector(2, "hi"))]
            } else {
                groups = [Plots.band(x: x.scalars, y: try vector(1, "y"), lo: try vector(2, "lo"), hi: try vector(3, "hi"))]
            }
            // Line keywords style the lines; colours and opacity the whole band.
            var lines = Panel(series: groups.compactMap { $0.count > 1 ? $0[1] : nil })
            let alpha = try a.alpha()
            if !lines.series.isEmpty {
                try a.applyLineStyles(&lines)
                for i in lines.series.indices { lines.series[i].alpha = nil }
            }
            let colors = try a.perSeries("color", groups.count)
            var panel = Panel()
            var li = 0
            for (g, group) in groups.enumerated() {
                var fill = group[0]
                if let alpha { fill.fillOpacity = alpha }
                fill.color = colors?[g]
                panel.series.append(fill)
                if group.count > 1 { panel.series.append(lines.series[li]); li += 1 }
            }
            if let v = a.keyword("legend") {
                if case .bool = v.normalized { try a.applyLegend(&panel) } else {
                    let names = try a.stringList(v, "legend")
                    guard names.count == groups.count else {
                        throw a.keywordError("legend has \(names.count) name\(names.count == 1 ? "" : "s") for \(groups.count) band\(groups.count == 1 ? "" : "s")", "legend")
                    }
                    // The name goes on the line when there is one, else on the band.
                    var k = 0
                    for (g, group) in groups.enumerated() {
                        panel.series[k + group.count - 1].title = names[g].isEmpty ? nil : names[g]
                        k += group.count
                    }
                }
            }
            return try a.draw(panel)
        },
        def("bar(h) / bar(x, h, err=, width=0.8, legend=, color=, alpha=, \(plotAxisKeywords))",
            "A bar chart: one bar per value of the vector h, at x (numbers, or a list of strings naming the bars; 0, 1, 2, … by default). A matrix h (N×k) draws N groups of k bars side by side, one colour per column, named by `legend=`. `err=` (h's shape) adds error bars h ± err; `width=` is the width a group takes (of the spacing 1 between categories); `alpha=` the bars' opacity (default 0.85). The y axis starts at zero. Takes the axis keywords of `plot`. \(plotWhereItGoes)") { a in
            try a.expect(1...2)
            let h = try a.plotTensor(a.count - 1, "h", ranks: [1, 2])
            let n = h.shape[0]
            var positions = (0..<n).map(Double.init)
            var names: [String] = []
            if a.count == 2 {
                if case .list(let items) = a.positional[0], items.contains(where: { if case .string = $0 { return true }; return false }) {
                    names = try a.stringList(a.positional[0], "x")
                } else {
                    let xt = try a.plotTensor(0, "x", ranks: [1])
                    positions = xt.scalars
                }
                let count = names.isEmpty ? positions.count : names.count
                guard count == n else { throw a.error("x has \(count) entries but h has \(n) \(h.rank == 2 ? "rows" : "values")", at: 0) }
            }
            let cols = (0..<Plots.lineCount(h)).map { Plots.column(h, $0) }
            var err: [[Double]]? = nil
            if let e = a.keyword("err"), e.describedKind != "none" {
                guard let t = Arguments.asTensor(e), t.shape == h.shape else {
                    throw a.keywordError("err must have h's shape \(shapeString(h.shape))", "err")
                }
                guard !t.scalars.contains(where: { $0 < 0 }) else { throw a.keywordError("err must not be negative", "err") }
                err = (0..<cols.count).map { Plots.column(t, $0) }
            }
            let width = try a.keywordNumber("width", default: 0.8)
            guard width > 0, width <= 1 else { throw a.keywordError("width must be in (0, 1], got \(formatNumber(width))", "width") }
            let spacing = names.isEmpty && positions.count > 1 ? zip(positions, positions.dropFirst()).map { abs($1 - $0) }.min()! : 1
            guard spacing > 0 else { throw a.error("x has repeated positions", at: 0) }
            var panel = Plots.bars(positions: positions, heights: cols, err: err, width: width * spacing)
            if !names.isEmpty { panel.xticLabels = names.enumerated().map { Tick(Double($0), $1) } }
            if let c = try a.perSeries("color", cols.count) { for (i, c) in c.enumerated() { panel.series[i].color = c } }
            if let al = try a.alpha() { for i in 0..<cols.count { panel.series[i].fillOpacity = al } }
            if let v = a.keyword("legend") {
                if case .bool(let b) = v.normalized { panel.legend = b } else {
                    let names = try a.stringList(v, "legend")
                    guard names.count == cols.count else {
                        throw a.keywordError("legend has \(names.count) name\(names.count == 1 ? "" : "s") for \(cols.count) column\(cols.count == 1 ? "" : "s") of bars", "legend")
                    }
                    for i in names.indices { panel.series[i].title = names[i].isEmpty ? nil : names[i] }
                }
            }
            return try a.draw(panel)
        },
        def("hline(y, color=\"#555555\", linestyle=\"--\", lw=1.2, label=)",
            "A horizontal reference line across the current panel (the last plot drawn, or the `subplot` panel filled last) at y, a number or a vector of several; `label=` writes text at its right end. The line is part of the data range, so it is always in view. It is drawn again where the plot was (the same window, file or text plot).") { a in
            try a.referenceLines(vertical: false)
        },
        def("vline(x, color=\"#555555\", linestyle=\"--\", lw=1.2, label=)",
            "A vertical reference line across the current panel at x (a number or a vector of several), as `hline`; `label=` writes text at its top.") { a in
            try a.referenceLines(vertical: true)
        },
        def("text(x, y, s, align=\"left\", color=, size=1)",
            "Writes the string s at (x, y) in data coordinates on the current panel (as `hline`). `align=` is \"left\", \"center\" or \"right\" (which end of the text sits at x); `size=` scales the font (1 the figure's); `color=` a colour name or \"#rrggbb\".") { a in
            try a.expect(3...3)
            let x = try a.number(0, "x"), y = try a.number(1, "y")
            let s = try a.string(2, "s")
            var look = TextLook()
            look.align = TextLook.Align(rawValue: try a.keywordString("align", default: "left", allowed: TextLook.Align.allCases.map(\.rawValue)))!
            look.color = try a.optionalString("color")
            look.scale = try a.keywordNumber("size", default: 1)
            guard look.scale > 0, look.scale <= 10 else { throw a.keywordError("size must be a font scale in (0, 10], got \(formatNumber(look.scale))", "size") }
            guard x.isFinite, y.isFinite else { throw a.error("the position must be finite, got (\(formatNumber(x)), \(formatNumber(y)))", at: x.isFinite ? 1 : 0) }
            try a.needsPanel()
            return try a.layer([], [.text(x: x, y: y, s, look)])
        },
    ]
}

extension Arguments {
    /// Annotations need something drawn to go on.
    func needsPanel() throws {
        guard Plotter.shared.hasCurrentPanel else {
            throw BuiltinError("\(callee): there is no plot to draw on yet: draw one first (plot, scatter, …)")
        }
    }

    /// `hline` and `vline`.
    func referenceLines(vertical: Bool) throws -> Value {
        try expect(1...1)
        let t = try tensor(0, vertical ? "x" : "y")
        guard t.rank <= 1, t.count > 0, t.scalars.allSatisfy({ $0.isFinite }) else {
            throw error("\(vertical ? "x" : "y") must be a finite number or a vector of them", at: 0)
        }
        var look = LineLook()
        look.color = try keywordString("color", default: look.color)
        if let styles = try lineStyles(1) {
            guard let d = styles[0] else { throw keywordError("linestyle must be a line style, not \"none\", for a reference line", "linestyle") }
            look.dash = d == .solid ? nil : d
        }
        look.width = try keywordNumber("lw", default: 1.2)
        guard look.width > 0, look.width <= 100 else { throw keywordError("lw must be a positive line width", "lw") }
        look.label = try optionalString("label")
        try needsPanel()
        return try layer([], t.scalars.map { vertical ? .vline($0, look) : .hline($0, look) })
    }
}
