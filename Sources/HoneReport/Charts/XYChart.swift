import Foundation

/// One point of a chart.
public struct ChartPoint: Equatable, Sendable {
    /// The horizontal value.
    public var x: Double
    /// The vertical value.
    public var y: Double
    /// Shown when the pointer rests on a marker (a trial's number and parameters).
    public var note: String?

    /// A point at (x, y).
    public init(x: Double, y: Double, note: String? = nil) {
        self.x = x
        self.y = y
        self.note = note
    }
}

/// A named sequence of points drawn in one colour.
public struct ChartSeries: Sendable {
    /// How a series is drawn.
    public enum Style: String, Sendable {
        /// Connected by a line; a point that cannot be placed leaves a gap.
        case line
        /// A dot per point.
        case markers
        /// Dots joined by a line.
        case lineAndMarkers
    }

    /// The legend entry.
    public var name: String
    /// The points, in drawing order.
    public var points: [ChartPoint]
    /// Line, dots, or both.
    public var style: Style
    /// A dashed line (validation beside training, say).
    public var dashed: Bool
    /// The colour; nil takes the series' place in ``ChartStyle/palette``.
    public var color: String?

    /// A series named `name`.
    public init(name: String, points: [ChartPoint], style: Style = .line, dashed: Bool = false, color: String? = nil) {
        self.name = name
        self.points = points
        self.style = style
        self.dashed = dashed
        self.color = color
    }

    /// A series from parallel `x` and `y` arrays.
    public init(name: String, x: [Double], y: [Double], style: Style = .line, dashed: Bool = false, color: String? = nil) {
        self.init(name: name, points: zip(x, y).map { ChartPoint(x: $0, y: $1) }, style: style, dashed: dashed, color: color)
    }
}

/// A chart of series over an x and a y axis: line charts (training curves, learning rate,
/// gradient norms over time) and scatter plots (trial values, slices, Pareto fronts).
///
/// Points that cannot be placed — NaN, ±inf, or ≤ 0 on a logarithmic axis — are skipped:
/// a line breaks into separate polylines around them instead of dropping to zero.
///
/// ```swift
/// let chart = XYChart(id: "loss", title: "Loss", xLabel: "epoch", yLabel: "loss",
///                     series: [ChartSeries(name: "train", x: [1, 2, 3], y: [0.9, 0.5, 0.4])])
/// let svg = chart.svg()
/// ```
public struct XYChart: Sendable {
    /// The `id` of the `<svg>` element.
    public var id: String
    /// The title above the plot.
    public var title: String
    /// The x axis title.
    public var xLabel: String
    /// The y axis title.
    public var yLabel: String
    /// The series, drawn in order (later ones on top).
    public var series: [ChartSeries]
    /// Linear or logarithmic x axis.
    public var xScale: ScaleKind
    /// Linear or logarithmic y axis.
    public var yScale: ScaleKind
    /// `line` or `scatter`: the `data-chart` attribute, for readers of the page.
    public var kind: String
    /// Whether the y axis must show zero (bar-like quantities such as fractions).
    public var yIncludesZero: Bool
    /// Names of x values 0, 1, …: the x axis shows these instead of numbers.
    public var xCategories: [String]?

    /// A chart; `kind` defaults to `scatter` when no series draws a line.
    public init(id: String, title: String, xLabel: String, yLabel: String, series: [ChartSeries],
                xScale: ScaleKind = .linear, yScale: ScaleKind = .linear, kind: String? = nil, yIncludesZero: Bool = false,
                xCategories: [String]? = nil) {
        self.id = id
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xScale = xScale
        self.yScale = yScale
        self.kind = kind ?? (series.allSatisfy { $0.style == .markers } && !series.isEmpty ? "scatter" : "line")
        self.yIncludesZero = yIncludesZero
        self.xCategories = xCategories
    }

    private var legendEntries: [LegendEntry] {
        series.enumerated().map { index, series in
            LegendEntry(name: series.name, color: series.color ?? ChartStyle.color(index), dashed: series.dashed,
                        marker: series.style == .markers)
        }
    }

    /// The axes and plotting area the chart uses (what ``svg()`` draws with).
    public func layout() -> (area: PlotArea, x: AxisScale, y: AxisScale) {
        let top = 34.0
        let bottom = top + ChartStyle.plotHeight
        let placeable = series.flatMap(\.points).filter { point in
            point.x.isFinite && point.y.isFinite && (xScale == .linear || point.x > 0) && (yScale == .linear || point.y > 0)
        }
        let yProbe = AxisScale(kind: yScale, covering: placeable.map(\.y), pixelStart: bottom, pixelEnd: top,
                               includingZero: yIncludesZero)
        let left = Axes.leftMargin(for: yProbe.ticks)
        let right = ChartStyle.width - 16
        let x = xCategories.map { AxisScale(categories: $0, pixelStart: left, pixelEnd: right) }
            ?? AxisScale(kind: xScale, covering: placeable.map(\.x), pixelStart: left, pixelEnd: right)
        return (PlotArea(left: left, top: top, right: right, bottom: bottom), x, yProbe)
    }

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let (area, x, y) = layout()
        let entries = series.count > 1 ? legendEntries : []
        let legendTop = area.bottom + 42
        var canvas = SVGCanvas(height: legendTop + Legend.height(entries, width: ChartStyle.width) + 6)
        canvas.title(title)
        let placed = series.map { series in series.points.map { point in (x.position(of: point.x), y.position(of: point.y)) } }
        let empty = !placed.joined().contains { $0.0 != nil && $0.1 != nil }
        if empty {
            canvas.noData(top: 34)
            return canvas.document(id: id, kind: kind, title: title, empty: true)
        }
        Axes.draw(into: &canvas, area: area, x: x, y: y, xLabel: xLabel, yLabel: yLabel)
        for (index, series) in series.enumerated() {
            let color = series.color ?? ChartStyle.color(index)
            let seriesAttribute = "data-series=\"\(Markup.escaped(series.name))\""
            if series.style != .markers {
                var run: [(x: Double, y: Double)] = []
                func flush() {
                    if run.count > 1 {
                        canvas.polyline(run, color: color, dashed: series.dashed, attributes: seriesAttribute)
                    } else if let point = run.first, series.style == .line {
                        // A lone point between gaps would vanish as a one-point line.
                        canvas.circle(x: point.x, y: point.y, radius: 2, fill: color)
                    }
                    run = []
                }
                for (px, py) in placed[index] {
                    if let px, let py { run.append((px, py)) } else { flush() }
                }
                flush()
            }
            if series.style != .line {
                for (point, position) in zip(series.points, placed[index]) {
                    guard let px = position.0, let py = position.1 else { continue }
                    let note = point.note ?? "\(series.name): (\(Markup.value(point.x)), \(Markup.value(point.y)))"
                    canvas.circle(x: px, y: py, radius: 3, fill: color, opacity: 0.8, tooltip: note)
                }
            }
        }
        Legend.draw(entries, into: &canvas, top: legendTop)
        return canvas.document(id: id, kind: kind, title: title, empty: false)
    }
}
