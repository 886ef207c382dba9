import Foundation

/// One vertical axis of a parallel coordinates chart.
public struct ParallelAxis: Sendable {
    /// How values on the axis are placed.
    public enum Kind: Sendable {
        /// Numbers, linear or logarithmic.
        case numeric(ScaleKind)
        /// Choice indices 0, 1, … named by these labels, evenly spaced.
        case categorical([String])
    }

    /// The axis name (a parameter, or the objective).
    public var name: String
    /// Numeric or categorical.
    public var kind: Kind
    /// One value per line; nil where the line has none (a conditional parameter).
    public var values: [Double?]

    /// An axis named `name`.
    public init(name: String, kind: Kind, values: [Double?]) {
        self.name = name
        self.kind = kind
        self.values = values
    }
}

/// Parallel coordinates: one vertical axis per parameter and one for the objective, each
/// trial a line across them coloured by its objective value (dark low, yellow high), so
/// the regions good trials share stand out.
public struct ParallelCoordinatesChart: Sendable {
    /// The `id` of the `<svg>` element.
    public var id: String
    /// The title above the chart.
    public var title: String
    /// The axes, left to right; all with the same number of values.
    public var axes: [ParallelAxis]
    /// The value that colours each line (the objective).
    public var colorValues: [Double]
    /// The name of the colouring value, for the colour key.
    public var colorLabel: String

    /// A chart of `axes`, lines coloured by `colorValues`.
    public init(id: String, title: String, axes: [ParallelAxis], colorValues: [Double], colorLabel: String) {
        self.id = id
        self.title = title
        self.axes = axes
        self.colorValues = colorValues
        self.colorLabel = colorLabel
    }

    /// Axes are at least this far apart; more axes widen the chart (the page lets it scroll).
    static let minimumSpacing: Double = 62

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let lineCount = colorValues.count
        let top = 48.0, bottom = top + ChartStyle.plotHeight
        let width = max(ChartStyle.width, 52 + Self.minimumSpacing * Double(max(axes.count - 1, 1)) + 40)
        var canvas = SVGCanvas(width: width, height: bottom + 58)
        canvas.title(title)
        guard axes.count >= 2, lineCount > 0, axes.allSatisfy({ $0.values.count == lineCount }) else {
            canvas.noData(top: 34)
            return canvas.document(id: id, kind: "parallel-coordinates", title: title, empty: true)
        }
        let left = 52.0, right = width - 40
        let spacing = (right - left) / Double(axes.count - 1)
        var placers: [(Double?) -> Double?] = []
        // Tick and choice labels sit where lines cross the axes: drawn after the lines, with a halo.
        var axisLabels: [(text: String, y: Double, x: Double, tooltip: String?)] = []
        for (index, axis) in axes.enumerated() {
            let x = left + Double(index) * spacing
            canvas.line(x, top, x, bottom, color: ChartStyle.axisColor)
            switch axis.kind {
            case .numeric(let kind):
                let scale = AxisScale(kind: kind, covering: axis.values.compactMap { $0 }, pixelStart: bottom, pixelEnd: top, targetTickCount: 4)
                for tick in scale.ticks where tick.isMajor && !tick.label.isEmpty {
                    guard let y = scale.position(of: tick.value) else { continue }
                    canvas.line(x - 3, y, x, y)
                    axisLabels.append((tick.label, y, x, nil))
                }
                placers.append { $0.flatMap(scale.position(of:)) }
            case .categorical(let labels):
                let count = max(labels.count, 1)
                func position(_ index: Double) -> Double { bottom - (index + 0.5) / Double(count) * (bottom - top) }
                for (choice, label) in labels.enumerated() {
                    let y = position(Double(choice))
                    canvas.line(x - 3, y, x, y)
                    axisLabels.append((Markup.truncated(label, to: 8), y, x, label.count > 8 ? label : nil))
                }
                placers.append { value in value.flatMap { $0.isFinite && $0 >= 0 && $0 < Double(count) ? position($0) : nil } }
            }
            canvas.text(Markup.truncated(axis.name, to: 11), x: x, y: bottom + 17, anchor: "middle", size: ChartStyle.smallTextSize + 1,
                        tooltip: axis.name.count > 11 ? axis.name : nil, attributes: "data-role=\"axis-name\"")
        }
        let finite = colorValues.filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 1
        // Best lines last, so they are drawn on top: sort by colour value.
        let order = colorValues.indices.sorted { (colorValues[$0].isFinite ? colorValues[$0] : -.infinity) < (colorValues[$1].isFinite ? colorValues[$1] : -.infinity) }
        for line in order {
            let fraction = high > low ? (colorValues[line] - low) / (high - low) : 0.5
            let color = colorValues[line].isFinite ? ChartStyle.rampColor(fraction) : "#bbb"
            var run: [(x: Double, y: Double)] = []
            for (index, axis) in axes.enumerated() {
                if let y = placers[index](axis.values[line]) {
                    run.append((left + Double(index) * spacing, y))
                } else {
                    if run.count > 1 { canvas.polyline(run, color: color, width: 1.2, opacity: 0.75, attributes: "data-line=\"\(line)\"") }
                    run = []
                }
            }
            if run.count > 1 { canvas.polyline(run, color: color, width: 1.2, opacity: 0.75, attributes: "data-line=\"\(line)\"") }
        }
        for label in axisLabels {
            canvas.text(label.text, x: label.x - 5, y: label.y + 3.5, anchor: "end", size: ChartStyle.smallTextSize, tooltip: label.tooltip,
                        halo: true, attributes: "data-role=\"axis-label\"")
        }
        canvas.rampKey(low: low, high: high, label: colorLabel, x: 52, y: bottom + 34)
        return canvas.document(id: id, kind: "parallel-coordinates", title: title, empty: false)
    }
}
