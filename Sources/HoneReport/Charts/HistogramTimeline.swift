import Foundation

/// One histogram: bin edges and the count in each bin, taken at one step.
public struct HistogramSnapshot: Equatable, Sendable {
    /// The step (or epoch) the histogram was taken at.
    public var step: Double
    /// `counts.count + 1` increasing bin edges.
    public var edges: [Double]
    /// The number of values in each bin.
    public var counts: [Double]

    /// A histogram at `step`.
    public init(step: Double, edges: [Double], counts: [Double]) {
        self.step = step
        self.edges = edges
        self.counts = counts
    }
}

/// Histograms over time as a heatmap, TensorBoard's "distributions" view flattened:
/// x is the step, y the value, and each column's cells are shaded by the bin's share of
/// that column's largest bin, so the shape of every snapshot shows however many values
/// it counted. Used for activation and gradient distributions.
public struct HistogramTimeline: Sendable {
    /// The `id` of the `<svg>` element.
    public var id: String
    /// The title above the plot.
    public var title: String
    /// The x axis title ("step").
    public var xLabel: String
    /// The y axis title ("activation").
    public var yLabel: String
    /// The snapshots, in any order.
    public var snapshots: [HistogramSnapshot]

    /// A timeline of `snapshots`.
    public init(id: String, title: String, xLabel: String, yLabel: String, snapshots: [HistogramSnapshot]) {
        self.id = id
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.snapshots = snapshots
    }

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let usable = snapshots.filter { snapshot in
            snapshot.step.isFinite && snapshot.edges.count == snapshot.counts.count + 1 && !snapshot.counts.isEmpty
                && snapshot.edges.allSatisfy(\.isFinite)
        }.sorted { $0.step < $1.step }
        let top = 34.0, bottom = top + ChartStyle.plotHeight
        var canvas = SVGCanvas(height: bottom + 42)
        canvas.title(title)
        guard !usable.isEmpty else {
            canvas.noData(top: top)
            return canvas.document(id: id, kind: "histogram-timeline", title: title, empty: true)
        }
        let y = AxisScale(kind: .linear, covering: usable.flatMap { [$0.edges.first!, $0.edges.last!] }, pixelStart: bottom, pixelEnd: top)
        let left = Axes.leftMargin(for: y.ticks)
        let right = ChartStyle.width - 16
        let steps = usable.map(\.step)
        // Each column reaches halfway to its neighbours; the outer ones as far out as inward.
        var boundaries: [Double] = []
        for index in 0...steps.count {
            if steps.count == 1 {
                boundaries = [steps[0] - 0.5, steps[0] + 0.5]
                break
            }
            if index == 0 { boundaries.append(steps[0] - (steps[1] - steps[0]) / 2) }
            else if index == steps.count { boundaries.append(steps[index - 1] + (steps[index - 1] - steps[index - 2]) / 2) }
            else { boundaries.append((steps[index - 1] + steps[index]) / 2) }
        }
        // Steps count from 0: a first column reaching below 0 would put a "-50" on the axis.
        if steps[0] >= 0 { boundaries[0] = max(boundaries[0], 0) }
        let x = AxisScale(kind: .linear, covering: [boundaries.first!, boundaries.last!], pixelStart: left, pixelEnd: right)
        let area = PlotArea(left: left, top: top, right: right, bottom: bottom)
        canvas.rect(x: left, y: top, width: right - left, height: bottom - top, fill: ChartStyle.rampColor(0))
        for (index, snapshot) in usable.enumerated() {
            guard let x0 = x.position(of: boundaries[index]), let x1 = x.position(of: boundaries[index + 1]) else { continue }
            let largest = snapshot.counts.filter(\.isFinite).max() ?? 0
            for (bin, count) in snapshot.counts.enumerated() where count.isFinite && count > 0 && largest > 0 {
                guard let yLow = y.position(of: snapshot.edges[bin]), let yHigh = y.position(of: snapshot.edges[bin + 1]) else { continue }
                // A histogram of one repeated value (a dead layer's zeros) has empty-width bins: draw them 2 units tall.
                let height = max(abs(yLow - yHigh), 2)
                canvas.rect(x: x0, y: (yLow + yHigh) / 2 - height / 2, width: x1 - x0 + 0.3, height: height + 0.3,
                            fill: ChartStyle.rampColor(count / largest), attributes: "data-step=\"\(Markup.value(snapshot.step))\"")
            }
        }
        Axes.draw(into: &canvas, area: area, x: x, y: y, xLabel: xLabel, yLabel: yLabel, grid: false)
        return canvas.document(id: id, kind: "histogram-timeline", title: title, empty: false)
    }
}
