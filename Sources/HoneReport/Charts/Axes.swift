import Foundation

/// The rectangle data is drawn in, in view box units.
public struct PlotArea: Equatable, Sendable {
    /// The left edge (where the y axis sits).
    public var left: Double
    /// The top edge.
    public var top: Double
    /// The right edge.
    public var right: Double
    /// The bottom edge (where the x axis sits).
    public var bottom: Double
}

/// Grid lines, tick marks, tick labels and axis titles of a chart with an x and a y axis.
enum Axes {
    /// The left margin that fits the y tick labels and the rotated y axis title.
    static func leftMargin(for ticks: [AxisTick]) -> Double {
        let longest = ticks.map(\.label.count).max() ?? 1
        return max(44, 24 + Double(longest) * ChartStyle.characterWidth + 8)
    }

    /// Draws the grid at major ticks, minor tick marks, the tick labels, the axis lines
    /// and the axis titles. Without `grid`, major ticks are marks outside the area like the
    /// minor ones: a chart that fills its area with cells (a histogram timeline) would
    /// otherwise be criss-crossed by lines that are not data.
    static func draw(into canvas: inout SVGCanvas, area: PlotArea, x: AxisScale, y: AxisScale, xLabel: String, yLabel: String,
                     grid: Bool = true) {
        for tick in y.ticks {
            guard let position = y.position(of: tick.value) else { continue }
            if tick.isMajor && grid {
                canvas.line(area.left, position, area.right, position, color: ChartStyle.gridColor)
            } else if tick.isMajor {
                canvas.line(area.left - 4, position, area.left, position)
            } else {
                canvas.line(area.left - 3, position, area.left, position)
            }
            if !tick.label.isEmpty {
                canvas.text(tick.label, x: area.left - 6, y: position + 4, anchor: "end",
                            size: tick.isMajor ? ChartStyle.textSize : ChartStyle.smallTextSize)
            }
        }
        for tick in x.ticks {
            guard let position = x.position(of: tick.value) else { continue }
            if tick.isMajor {
                if grid { canvas.line(position, area.top, position, area.bottom, color: ChartStyle.gridColor) }
                canvas.line(position, area.bottom, position, area.bottom + 4)
            } else {
                canvas.line(position, area.bottom, position, area.bottom + 3)
            }
            if !tick.label.isEmpty {
                canvas.text(tick.label, x: position, y: area.bottom + 17, anchor: "middle",
                            size: tick.isMajor ? ChartStyle.textSize : ChartStyle.smallTextSize)
            }
        }
        canvas.line(area.left, area.top, area.left, area.bottom)
        canvas.line(area.left, area.bottom, area.right, area.bottom)
        canvas.text(Markup.truncated(xLabel, to: 50), x: (area.left + area.right) / 2, y: area.bottom + 33, anchor: "middle")
        canvas.text(Markup.truncated(yLabel, to: 34), x: 13, y: (area.top + area.bottom) / 2, anchor: "middle", rotation: -90)
    }
}

/// One entry of a chart legend.
struct LegendEntry {
    var name: String
    var color: String
    var dashed = false
    var marker = false
}

/// A legend laid out in rows under the plot, wrapping at the chart's width.
enum Legend {
    static let rowHeight: Double = 18

    /// The rows the entries take in a chart `width` wide.
    static func rows(_ entries: [LegendEntry], width: Double) -> [[(entry: LegendEntry, x: Double)]] {
        var rows: [[(entry: LegendEntry, x: Double)]] = [[]]
        var x = 12.0
        for entry in entries {
            let itemWidth = 22 + Double(label(entry).count) * ChartStyle.characterWidth + 12
            if x + itemWidth > width - 8 && !rows[rows.count - 1].isEmpty {
                rows.append([])
                x = 12
            }
            rows[rows.count - 1].append((entry, x))
            x += itemWidth
        }
        return entries.isEmpty ? [] : rows
    }

    /// The height the legend needs.
    static func height(_ entries: [LegendEntry], width: Double) -> Double {
        Double(rows(entries, width: width).count) * rowHeight
    }

    /// Draws the legend with its first row's centre line at `top + 9`.
    static func draw(_ entries: [LegendEntry], into canvas: inout SVGCanvas, top: Double) {
        for (row, items) in rows(entries, width: canvas.width).enumerated() {
            let y = top + Double(row) * rowHeight + 9
            for (entry, x) in items {
                if entry.marker {
                    canvas.circle(x: x + 8, y: y, radius: 3.5, fill: entry.color)
                } else {
                    canvas.line(x, y, x + 16, y, color: entry.color, width: 2.5, dashed: entry.dashed)
                }
                canvas.text(label(entry), x: x + 22, y: y + 4, tooltip: entry.name.count > 28 ? entry.name : nil,
                            attributes: "data-role=\"legend\"")
            }
        }
    }

    private static func label(_ entry: LegendEntry) -> String { Markup.truncated(entry.name, to: 28) }
}
