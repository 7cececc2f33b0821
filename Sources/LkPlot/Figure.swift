/// A figure as plain data: panels on a grid, each with axes settings and
/// series. Nothing here talks to gnuplot; `GnuplotScript` turns a figure into
/// commands and binary data, so tests can check the script without running it.
public struct Figure: Equatable, Sendable {
    public var panels: [Panel]
    /// The grid the panels fill row by row (1×1 for a single plot).
    public var rows: Int
    public var cols: Int
    /// A title over the whole grid (a single panel uses its own title).
    public var title: String?
    /// Size in pixels for image files (characters for text plots); nil picks
    /// one from the grid.
    public var width: Int?
    public var height: Int?
    /// Pixels per panel for picture files when no size is given (pictures
    /// want small square panels, not the wide default).
    public var panelWidth: Int?
    public var panelHeight: Int?

    public init(panels: [Panel] = [], rows: Int = 1, cols: Int = 1, title: String? = nil,
                width: Int? = nil, height: Int? = nil) {
        self.panels = panels
        self.rows = rows
        self.cols = cols
        self.title = title
        self.width = width
        self.height = height
    }

    /// A one-panel figure.
    public init(_ panel: Panel, width: Int? = nil, height: Int? = nil) {
        self.init(panels: [panel], width: width, height: height)
    }

    public var isFull: Bool { panels.count >= rows * cols }
}

/// One set of axes and what is drawn on them.
public struct Panel: Equatable, Sendable {
    public var title: String?
    public var xlabel: String?
    public var ylabel: String?
    public var zlabel: String?
    public var logx = false
    public var logy = false
    public var xrange: AxisRange?
    public var yrange: AxisRange?
    public var zrange: AxisRange?
    /// The range the colour palette spans (heatmaps, colour-coded points).
    public var crange: AxisRange?
    /// Show the legend (titles of series that have one).
    public var legend = true
    /// Where the legend goes; `.auto` picks the emptiest inside corner from
    /// the data, or outside on the right when every corner holds data.
    public var legendPosition = LegendPosition.auto
    /// Draw a colour bar beside the plot.
    public var colorbar = false
    public var palette: Palette?
    /// One unit on x as long as one unit on y (pictures, heatmaps).
    public var equalAspect = false
    /// Row 0 at the top, as a matrix is printed (heatmaps, pictures).
    public var matrixOrientation = false
    /// No tics or border (pictures).
    public var bare = false
    /// A 3-D panel (`splot`).
    public var threeD = false
    /// A light grid behind the data (on by default for 2-D axes).
    public var grid = true
    /// Named tic positions on x (bar categories), replacing the automatic ones.
    public var xticLabels: [Tick] = []
    public var series: [Series] = []
    /// Reference lines and text drawn over the data.
    public var annotations: [Annotation] = []

    public init(series: [Series] = []) { self.series = series }

    /// A matrix drawn as cells (heatmap or picture), which text plots draw themselves.
    public var isMatrix: Bool {
        matrixOrientation && series.count == 1 && series[0].kind == .image
    }
}

/// A named tic mark.
public struct Tick: Equatable, Sendable {
    public var value: Double
    public var label: String
    /// 0 a major tic (labelled), 1 a minor one.
    public var minor = false
    public init(_ value: Double, _ label: String, minor: Bool = false) { self.value = value; self.label = label; self.minor = minor }
}

/// Where a panel's legend goes.
public enum LegendPosition: String, Equatable, Sendable, CaseIterable {
    case auto
    case topRight = "top right", topLeft = "top left", bottomRight = "bottom right", bottomLeft = "bottom left"
    /// Outside the axes, on the right.
    case outside
    /// Outside the axes, under the x label.
    case below
}

/// Something drawn over a panel's data that is not a data series.
public enum Annotation: Equatable, Sendable {
    /// A horizontal line across the axes at y.
    case hline(Double, LineLook)
    /// A vertical line across the axes at x.
    case vline(Double, LineLook)
    /// Text at (x, y) in data coordinates.
    case text(x: Double, y: Double, String, TextLook)
}

/// How a reference line looks.
public struct LineLook: Equatable, Sendable {
    public var color: String = "#555555"
    public var width: Double = 1.2
    public var dash: Series.Dash? = .dashed
    /// Text written at the line's end.
    public var label: String?
    public init() {}
}

/// How annotation text looks.
public struct TextLook: Equatable, Sendable {
    public enum Align: String, Equatable, Sendable, CaseIterable { case left, center, right }
    public var align = Align.left
    public var color: String?
    /// Font size relative to the figure's (1 = the same).
    public var scale: Double = 1
    public init() {}
}

/// `[lo:hi]`; a missing end is left to gnuplot's autoscaling.
public struct AxisRange: Equatable, Sendable {
    public var lo: Double?
    public var hi: Double?
    public init(_ lo: Double?, _ hi: Double?) { self.lo = lo; self.hi = hi }
}

public enum Palette: String, Equatable, Sendable, CaseIterable {
    /// Perceptually uniform, dark blue to yellow (matplotlib's default).
    case viridis
    /// Black to white, for pictures.
    case grey
    /// Diverging blue–white–red around zero, for signed matrices.
    case rdbu
}

/// One thing drawn: its data, how it is drawn, and its legend entry.
public struct Series: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case lines, points, linespoints, steps, impulses
        /// Bars from records (centre, height, width).
        case boxes
        /// Markers with vertical error bars from records (x, y, low, high);
        /// `errorlines` also joins the markers by a line.
        case errorbars, errorlines
        /// Bare error bars with caps and no marker (over bars), from records (x, y, low, high).
        case whiskers
        /// A shaded region between two curves, from records (x, low, high).
        case band
        /// A matrix as coloured cells (`with image`).
        case image
        /// A 3-D surface over a grid of records (x, y, z).
        case surface
    }

    public enum Dash: String, Equatable, Sendable, CaseIterable { case solid, dashed, dotted, dashdot }

    /// Point shapes, by matplotlib's one-character names.
    public enum Marker: String, Equatable, Sendable, CaseIterable {
        case circle = "o", square = "s", triangle = "^", down = "v", diamond = "d", cross = "x", plus = "+", star = "*", dot = "."
        /// gnuplot's point type (filled where there is a filled form).
        var pointType: Int {
            switch self {
            case .circle: return 7
            case .square: return 5
            case .triangle: return 9
            case .down: return 11
            case .diamond: return 13
            case .cross: return 2
            case .plus: return 1
            case .star: return 3
            case .dot: return 0
            }
        }
    }

    public var kind: Kind
    public var data: PlotData
    public var title: String?
    /// A gnuplot colour name or `#rrggbb`; nil takes the next colour in the cycle.
    public var color: String?
    public var lineWidth: Double?
    public var dash: Dash?
    public var pointSize: Double?
    /// The last data column picks the colour from the palette (scatter `color=` values).
    public var colorFromData = false
    /// Boxes and bands filled with this opacity (0–1).
    public var fillOpacity: Double?
    /// The point shape (points, linespoints, error bars); nil takes the kind's default.
    public var marker: Marker?
    /// Opacity of lines and points (0–1); nil is opaque.
    public var alpha: Double?

    public init(_ kind: Kind, _ data: PlotData, title: String? = nil) {
        self.kind = kind
        self.data = data
        self.title = title
    }
}

/// Numbers for one series. They reach gnuplot only as float64 binary files.
public enum PlotData: Equatable, Sendable {
    /// Records of one value per column (all columns the same length): x, y, … .
    case records([[Double]])
    /// A row-major matrix of `rows`×`cols` values (`binary array=(cols,rows)`).
    case array(values: [Double], rows: Int, cols: Int)
    /// Records (x, y, z) on a `rows`×`cols` grid, x varying fastest.
    case grid(columns: [[Double]], rows: Int, cols: Int)

    public var count: Int {
        switch self {
        case .records(let c): return c.first?.count ?? 0
        case .array(_, let r, let c): return r * c
        case .grid(_, let r, let c): return r * c
        }
    }

    public var columnCount: Int {
        switch self {
        case .records(let c): return c.count
        case .array: return 1
        case .grid(let c, _, _): return c.count
        }
    }
}
