import Foundation

/// Per-row attributions as a beeswarm, SHAP's summary plot: one line per feature (the
/// largest mean |attribution| on top), a dot per row at its attribution, coloured by the
/// row's value of that feature (dark low, yellow high), dots that would overlap spread
/// up and down. A feature whose high values push the prediction up shows yellow on the
/// right.
public struct BeeswarmChart: Sendable {
    /// The `id` of the `<svg>` element.
    public var id: String
    /// The title above the plot.
    public var title: String
    /// The x axis title ("attribution").
    public var valueLabel: String
    /// The feature names, in input order.
    public var featureNames: [String]
    /// Per row, one attribution per feature.
    public var values: [[Double]]
    /// Per row, the feature values that colour the dots; nil draws every dot in one colour.
    public var featureValues: [[Double]]?
    /// At most this many features are drawn, the most important ones.
    public var maximumFeatures: Int

    /// A beeswarm of `values` (rows × features).
    public init(id: String, title: String, valueLabel: String, featureNames: [String], values: [[Double]],
                featureValues: [[Double]]? = nil, maximumFeatures: Int = 15) {
        self.id = id
        self.title = title
        self.valueLabel = valueLabel
        self.featureNames = featureNames
        self.values = values
        self.featureValues = featureValues
        self.maximumFeatures = maximumFeatures
    }

    static let rowHeight: Double = 24
    static let labelLimit = 22

    /// The features drawn, top to bottom: by mean |attribution| over the rows, largest first.
    public func featureOrder() -> [Int] {
        let usable = values.filter { $0.count == featureNames.count }
        let meanAbsolute = featureNames.indices.map { feature in
            usable.map { abs($0[feature]) }.filter(\.isFinite).reduce(0, +) / Double(max(usable.count, 1))
        }
        return Array(featureNames.indices.sorted { meanAbsolute[$0] > meanAbsolute[$1] }.prefix(maximumFeatures))
    }

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let top = 34.0
        let order = featureOrder()
        let rows = values.indices.filter { values[$0].count == featureNames.count }
        let placeable = rows.flatMap { row in order.map { values[row][$0] } }.filter(\.isFinite)
        let plotHeight = max(Double(order.count), 1) * Self.rowHeight
        let keyTop = top + plotHeight + 44
        var canvas = SVGCanvas(height: keyTop + (featureValues == nil ? 0 : 22))
        canvas.title(title)
        guard !placeable.isEmpty else {
            canvas.height = max(canvas.height, 120)
            canvas.noData(top: top)
            return canvas.document(id: id, kind: "beeswarm", title: title, empty: true)
        }
        let longest = order.map { Markup.truncated(featureNames[$0], to: Self.labelLimit).count }.max() ?? 1
        let left = min(12 + Double(longest) * ChartStyle.characterWidth, ChartStyle.width * 0.45)
        let right = ChartStyle.width - 16
        let area = PlotArea(left: left, top: top, right: right, bottom: top + plotHeight)
        let scale = AxisScale(kind: .linear, covering: placeable, pixelStart: left, pixelEnd: right, targetTickCount: 4, includingZero: true)
        for tick in scale.ticks where tick.isMajor {
            guard let x = scale.position(of: tick.value) else { continue }
            canvas.line(x, area.top, x, area.bottom, color: ChartStyle.gridColor)
            canvas.text(tick.label, x: x, y: area.bottom + 16, anchor: "middle")
        }
        if let zero = scale.position(of: 0) { canvas.line(zero, area.top, zero, area.bottom) }
        for (line, feature) in order.enumerated() {
            let centre = top + (Double(line) + 0.5) * Self.rowHeight
            let name = featureNames[feature]
            let label = Markup.truncated(name, to: Self.labelLimit)
            canvas.text(label, x: left - 6, y: centre + 4, anchor: "end", tooltip: label != name ? name : nil)
            let column = featureValues.map { table in rows.map { $0 < table.count && feature < table[$0].count ? table[$0][feature] : .nan } }
            let finite = column?.filter(\.isFinite) ?? []
            let low = finite.min() ?? 0, high = finite.max() ?? 0
            var stacked: [Int: Int] = [:]
            for (position, row) in rows.enumerated() {
                let value = values[row][feature]
                guard let x = scale.position(of: value) else { continue }
                // Dots closer than their diameter take turns above and below the line.
                let bucket = Int((x / 4).rounded())
                let count = stacked[bucket, default: 0]
                stacked[bucket] = count + 1
                let offset = min(Double((count + 1) / 2) * 3, Self.rowHeight / 2 - 3) * (count % 2 == 0 ? 1 : -1)
                var color = ChartStyle.color(0)
                var note = "\(name): \(Markup.value(value))"
                if let input = column?[position], input.isFinite {
                    color = ChartStyle.rampColor(high > low ? (input - low) / (high - low) : 0.5)
                    note += " (value \(Markup.value(input)))"
                }
                canvas.circle(x: x, y: centre + offset, radius: 2.5, fill: color, opacity: 0.85, tooltip: note,
                              attributes: "data-feature=\"\(Markup.escaped(name))\" data-value=\"\(value)\"")
            }
        }
        canvas.line(area.left, area.bottom, area.right, area.bottom)
        canvas.text(valueLabel, x: (left + right) / 2, y: area.bottom + 33, anchor: "middle")
        if featureValues != nil {
            canvas.rampKey(low: 0, high: 1, label: "scaled feature value", x: 52, y: keyTop)
        }
        return canvas.document(id: id, kind: "beeswarm", title: title, empty: false)
    }
}
