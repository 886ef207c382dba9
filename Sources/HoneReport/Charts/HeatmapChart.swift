import Foundation

/// A matrix of counts as coloured cells with the count written in each: a confusion
/// matrix (rows the true class, columns the predicted one).
///
/// Each cell is shaded by its share of its row, so a class's errors stand out even when
/// the classes have very different sizes; the count itself is written in the cell.
public struct HeatmapChart: Sendable {
    /// The `id` of the `<svg>` element.
    public var id: String
    /// The title above the matrix.
    public var title: String
    /// The row axis title ("true class").
    public var rowLabel: String
    /// The column axis title ("predicted class").
    public var columnLabel: String
    /// The name of each row.
    public var rowNames: [String]
    /// The name of each column.
    public var columnNames: [String]
    /// `values[row][column]`.
    public var values: [[Double]]

    /// A heatmap of `values`, one row per row name.
    public init(id: String, title: String, rowLabel: String, columnLabel: String, rowNames: [String], columnNames: [String],
                values: [[Double]]) {
        self.id = id
        self.title = title
        self.rowLabel = rowLabel
        self.columnLabel = columnLabel
        self.rowNames = rowNames
        self.columnNames = columnNames
        self.values = values
    }

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let top = 34.0
        let columns = values.map(\.count).max() ?? 0
        guard !values.isEmpty, columns > 0 else {
            var canvas = SVGCanvas(height: 120)
            canvas.title(title)
            canvas.noData(top: top)
            return canvas.document(id: id, kind: "heatmap", title: title, empty: true)
        }
        let longest = rowNames.map { Markup.truncated($0, to: 14).count }.max() ?? 1
        let left = 26 + Double(longest) * ChartStyle.characterWidth * 0.85 + 6
        let cell = min((ChartStyle.width - left - 12) / Double(columns), 44)
        let gridTop = top + 8
        let gridHeight = cell * Double(values.count)
        var canvas = SVGCanvas(height: gridTop + gridHeight + 62)
        canvas.title(title)
        let fontSize = min(ChartStyle.textSize, max(cell * 0.34, 7))
        for (row, rowValues) in values.enumerated() {
            let rowTotal = rowValues.filter(\.isFinite).reduce(0, +)
            let y = gridTop + Double(row) * cell
            let name = row < rowNames.count ? rowNames[row] : String(row)
            canvas.text(Markup.truncated(name, to: 14), x: left - 5, y: y + cell / 2 + 4, anchor: "end",
                        size: ChartStyle.textSize * 0.85, tooltip: name.count > 14 ? name : nil)
            for (column, value) in rowValues.enumerated() {
                let x = left + Double(column) * cell
                let share = rowTotal > 0 && value.isFinite ? value / rowTotal : 0
                let columnName = column < columnNames.count ? columnNames[column] : String(column)
                canvas.rect(x: x, y: y, width: cell, height: cell, fill: ChartStyle.blueColor(share), stroke: "#fff",
                            tooltip: "\(name) → \(columnName): \(Markup.value(value))",
                            attributes: "data-row=\"\(row)\" data-column=\"\(column)\"")
                canvas.text(Markup.value(value), x: x + cell / 2, y: y + cell / 2 + fontSize * 0.35, anchor: "middle",
                            size: fontSize, color: share > 0.5 ? "#fff" : ChartStyle.textColor, attributes: "data-role=\"cell-count\"")
            }
        }
        let gridBottom = gridTop + gridHeight
        for column in 0..<columns {
            let name = column < columnNames.count ? columnNames[column] : String(column)
            let x = left + (Double(column) + 0.5) * cell
            canvas.text(Markup.truncated(name, to: 10), x: x, y: gridBottom + 8, anchor: "end", size: ChartStyle.smallTextSize,
                        rotation: -45, tooltip: name.count > 10 ? name : nil)
        }
        canvas.text(columnLabel, x: left + cell * Double(columns) / 2, y: gridBottom + 56, anchor: "middle")
        canvas.text(rowLabel, x: 13, y: gridTop + gridHeight / 2, anchor: "middle", rotation: -90)
        return canvas.document(id: id, kind: "heatmap", title: title, empty: false)
    }
}
