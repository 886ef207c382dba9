import Foundation

/// Horizontal bars, one per labelled value, largest first when asked: parameter
/// importances, dead-unit fractions per layer.
public struct BarChart: Sendable {
    /// The `id` of the `<svg>` element.
    public var id: String
    /// The title above the bars.
    public var title: String
    /// The value axis title.
    public var valueLabel: String
    /// The bars in drawing order, top to bottom.
    public var bars: [(label: String, value: Double)]
    /// The value axis ends at least here (1 for fractions, so 0.3 looks like 30 %).
    public var minimumUpperBound: Double?

    /// A chart of `bars`; non-finite values are drawn as empty bars marked "n/a".
    public init(id: String, title: String, valueLabel: String, bars: [(label: String, value: Double)],
                minimumUpperBound: Double? = nil) {
        self.id = id
        self.title = title
        self.valueLabel = valueLabel
        self.bars = bars
        self.minimumUpperBound = minimumUpperBound
    }

    static let barHeight: Double = 20
    static let labelLimit = 22

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let top = 34.0
        let plotHeight = max(Double(bars.count), 1) * Self.barHeight
        var canvas = SVGCanvas(height: top + plotHeight + 44)
        canvas.title(title)
        let values = bars.map(\.value).filter(\.isFinite)
        guard !values.isEmpty else {
            canvas.height = max(canvas.height, 120)
            canvas.noData(top: top)
            return canvas.document(id: id, kind: "bar", title: title, empty: true)
        }
        let longest = bars.map { Markup.truncated($0.label, to: Self.labelLimit).count }.max() ?? 1
        let left = min(12 + Double(longest) * ChartStyle.characterWidth, ChartStyle.width * 0.48)
        let right = ChartStyle.width - 40
        let area = PlotArea(left: left, top: top, right: right, bottom: top + plotHeight)
        let scale = AxisScale(kind: .linear, covering: values + [minimumUpperBound ?? 0], pixelStart: left, pixelEnd: right,
                              targetTickCount: 4, includingZero: true)
        for tick in scale.ticks {
            guard let x = scale.position(of: tick.value) else { continue }
            canvas.line(x, area.top, x, area.bottom, color: ChartStyle.gridColor)
            canvas.text(tick.label, x: x, y: area.bottom + 16, anchor: "middle")
        }
        let zero = scale.position(of: 0) ?? left
        for (row, bar) in bars.enumerated() {
            let y = top + Double(row) * Self.barHeight
            let label = Markup.truncated(bar.label, to: Self.labelLimit)
            canvas.text(label, x: left - 6, y: y + Self.barHeight / 2 + 4, anchor: "end",
                        tooltip: label != bar.label ? bar.label : nil)
            guard let end = scale.position(of: bar.value) else {
                canvas.text("n/a", x: zero + 4, y: y + Self.barHeight / 2 + 4, color: "#777")
                continue
            }
            canvas.rect(x: min(zero, end), y: y + 3, width: abs(end - zero), height: Self.barHeight - 6, fill: ChartStyle.color(0),
                        tooltip: "\(bar.label): \(Markup.value(bar.value))", attributes: "data-value=\"\(bar.value)\"")
            canvas.text(Markup.value(bar.value), x: max(zero, end) + 4, y: y + Self.barHeight / 2 + 4, size: ChartStyle.smallTextSize)
        }
        canvas.line(zero, area.top, zero, area.bottom)
        canvas.text(valueLabel, x: (left + right) / 2, y: area.bottom + 33, anchor: "middle")
        return canvas.document(id: id, kind: "bar", title: title, empty: false)
    }
}
