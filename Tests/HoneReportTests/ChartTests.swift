import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import HoneReport

/// Parses SVG (or XHTML) text with Foundation's XML parser, collecting each element's
/// attributes and the text inside elements.
final class XMLProbe: NSObject, XMLParserDelegate {
    private(set) var elements: [(name: String, attributes: [String: String])] = []
    private(set) var text = ""
    private(set) var error: String?

    /// Parses `markup`; `error` holds the parser's complaint when it is not well formed.
    init(_ markup: String) {
        super.init()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = self
        if !parser.parse() { error = parser.parserError.map { "\($0)" } ?? "parse failed" }
    }

    var isWellFormed: Bool { error == nil }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((elementName, attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    /// The elements named `name`.
    func all(_ name: String) -> [[String: String]] { elements.filter { $0.name == name }.map(\.attributes) }
}

/// One chart of every kind, filled with awkward values: what the well-formedness tests run over.
func everyKindOfChart(named name: String) -> [String] {
    let nasty = [1.0, .nan, 3, .infinity, -2, 0, 5e-9]
    return [
        XYChart(id: "line", title: name, xLabel: name, yLabel: name,
                series: [ChartSeries(name: name, x: [1, 2, 3, 4, 5, 6, 7], y: nasty)], yScale: .logarithmic).svg(),
        XYChart(id: "scatter", title: name, xLabel: "x", yLabel: "y",
                series: [ChartSeries(name: name, points: [ChartPoint(x: 1, y: 2, note: name)], style: .markers)]).svg(),
        XYChart(id: "categories", title: name, xLabel: "x", yLabel: "y",
                series: [ChartSeries(name: "c", x: [0, 1], y: [3, 4], style: .markers)], xCategories: [name, "b"]).svg(),
        BarChart(id: "bars", title: name, valueLabel: name, bars: [(name, 0.5), ("b", .nan), ("c", -0.2)]).svg(),
        HeatmapChart(id: "heat", title: name, rowLabel: name, columnLabel: name, rowNames: [name, "b"], columnNames: [name, "b"],
                     values: [[5, 1], [0, 7]]).svg(),
        HistogramTimeline(id: "histogram", title: name, xLabel: "step", yLabel: name, snapshots: [
            HistogramSnapshot(step: 0, edges: [-1, 0, 1], counts: [3, 4]),
            HistogramSnapshot(step: 10, edges: [-2, 0, 2], counts: [1, 9]),
        ]).svg(),
        ParallelCoordinatesChart(id: "parallel", title: name, axes: [
            ParallelAxis(name: name, kind: .numeric(.logarithmic), values: [0.01, 0.1, nil]),
            ParallelAxis(name: "choice", kind: .categorical([name, "b"]), values: [0, 1, 1]),
            ParallelAxis(name: "objective", kind: .numeric(.linear), values: [3, 2, 1]),
        ], colorValues: [3, 2, 1], colorLabel: name).svg(),
        BeeswarmChart(id: "beeswarm", title: name, valueLabel: name, featureNames: [name, "b"], values: [[1, .nan], [-2, 0.5], [1, 3]],
                      featureValues: [[0, 1], [.infinity, 2], [1, 1]]).svg(),
    ]
}

/// The SVG charts: well formed, escaped, and placed where the scales say.
struct ChartTests {
    @Test func everyChartIsWellFormedXMLEvenWithHostileText() {
        let hostile = "<script>alert(\"x\")</script> & 'quotes' \u{1}\u{7}"
        for svg in everyKindOfChart(named: hostile) {
            let probe = XMLProbe(svg)
            #expect(probe.isWellFormed, "\(probe.error ?? ""): \(svg.prefix(300))")
            #expect(!svg.contains("<script>"))
            #expect(probe.all("script").isEmpty)
            #expect(probe.text.contains("<script>alert(\"x\")</script> & 'quotes'"), "the text survives, escaped, as text")
            let root = probe.elements.first
            #expect(root?.name == "svg")
            #expect(root?.attributes["width"] == "100%")
            #expect(root?.attributes["viewBox"]?.hasPrefix("0 0 ") == true)
        }
    }

    @Test func escapingCoversMarkupCharactersAndForbiddenControls() {
        #expect(Markup.escaped("a<b & c>\"d\" 'e'") == "a&lt;b &amp; c&gt;&quot;d&quot; &#39;e&#39;")
        #expect(Markup.escaped("tab\tnew\nline") == "tab\tnew\nline")
        #expect(Markup.escaped("bell\u{7}") == "bell\u{FFFD}")
    }

    @Test func emptyChartsSayNoData() {
        let charts = [
            XYChart(id: "empty-line", title: "Nothing", xLabel: "x", yLabel: "y", series: []).svg(),
            XYChart(id: "only-nan", title: "NaN", xLabel: "x", yLabel: "y",
                    series: [ChartSeries(name: "s", x: [1, 2], y: [.nan, .infinity])]).svg(),
            XYChart(id: "log-nonpositive", title: "Log", xLabel: "x", yLabel: "y",
                    series: [ChartSeries(name: "s", x: [1, 2], y: [0, -1])], yScale: .logarithmic).svg(),
            BarChart(id: "no-bars", title: "Bars", valueLabel: "v", bars: []).svg(),
            HeatmapChart(id: "no-cells", title: "Heat", rowLabel: "r", columnLabel: "c", rowNames: [], columnNames: [], values: []).svg(),
            HistogramTimeline(id: "no-histograms", title: "H", xLabel: "s", yLabel: "v", snapshots: []).svg(),
            ParallelCoordinatesChart(id: "no-lines", title: "P", axes: [], colorValues: [], colorLabel: "o").svg(),
            BeeswarmChart(id: "no-dots", title: "B", valueLabel: "v", featureNames: ["a"], values: [[.nan]], featureValues: [[1]]).svg(),
        ]
        for svg in charts {
            let probe = XMLProbe(svg)
            #expect(probe.isWellFormed)
            #expect(probe.elements.first?.attributes["data-empty"] == "true")
            #expect(probe.text.contains("no data"))
            #expect(probe.all("polyline").isEmpty && probe.all("circle").isEmpty)
        }
    }

    /// Parses a polyline's `points` attribute.
    func points(_ attribute: String?) -> [(Double, Double)] {
        (attribute ?? "").split(separator: " ").map { pair in
            let parts = pair.split(separator: ",").map { Double($0)! }
            return (parts[0], parts[1])
        }
    }

    @Test func aLineIsDrawnWhereTheScalesPutItsPoints() throws {
        // x 0…2 → nice 0…2 (step 0.5); y 0…10 → nice 0…10 (step 2).
        let chart = XYChart(id: "c", title: "t", xLabel: "x", yLabel: "y", series: [ChartSeries(name: "s", x: [0, 1, 2], y: [0, 5, 10])])
        let (area, x, y) = chart.layout()
        #expect(x.domain == 0...2 && y.domain == 0...10)
        // The longest y label is "10": a left margin of 24 + 2 × 6.6 + 8 = 45.2 units.
        #expect(abs(area.left - 45.2) < 1e-9 && area.top == 34 && area.right == 344 && area.bottom == 224)
        let line = try #require(XMLProbe(chart.svg()).all("polyline").first)
        // By hand: x → 45.2 + x/2 × 298.8, y → 224 − y/10 × 190.
        let expected = [(45.2, 224.0), (194.6, 129.0), (344.0, 34.0)]
        let drawn = points(line["points"])
        #expect(drawn.count == 3)
        for (point, want) in zip(drawn, expected) {
            #expect(abs(point.0 - want.0) < 0.01 && abs(point.1 - want.1) < 0.01, "\(point) vs \(want)")
        }
        #expect(line["data-series"] == "s")
    }

    @Test func unplaceablePointsBreakTheLineInsteadOfDroppingToZero() throws {
        // NaN at x=3 and a non-positive value at x=5 on a log axis leave two gaps: three
        // pieces, [1,2], [4], [6,7]; the lone point becomes a dot.
        let chart = XYChart(id: "c", title: "t", xLabel: "x", yLabel: "y",
                            series: [ChartSeries(name: "s", x: [1, 2, 3, 4, 5, 6, 7], y: [1, 10, .nan, 100, 0, 10, 1])],
                            yScale: .logarithmic)
        let probe = XMLProbe(chart.svg())
        let lines = probe.all("polyline").map { points($0["points"]) }
        #expect(lines.count == 2)
        #expect(lines.map(\.count) == [2, 2])
        #expect(probe.all("circle").count == 1)
        // The y axis spans 1…100 (two decades): 10 sits halfway up the plot.
        let (area, _, _) = chart.layout()
        #expect(abs(lines[0][1].1 - (area.bottom + area.top) / 2) < 0.01)
    }

    @Test func legendsNameEverySeriesAndTruncateLongNames() throws {
        let long = "blocks.12.attention.output_projection.weight"
        let chart = XYChart(id: "c", title: "t", xLabel: "x", yLabel: "y", series: [
            ChartSeries(name: "train", x: [1, 2], y: [1, 2]), ChartSeries(name: long, x: [1, 2], y: [2, 1], dashed: true),
        ])
        let probe = XMLProbe(chart.svg())
        #expect(probe.text.contains("train"))
        #expect(probe.text.contains("blocks.12.attention.output_…"))
        // The full name stays available as the label's tooltip.
        #expect(probe.text.contains(long))
        #expect(probe.all("line").contains { $0["stroke-dasharray"] != nil })
    }

    @Test func confusionMatrixCellsShowTheirCounts() throws {
        let chart = HeatmapChart(id: "m", title: "Confusion", rowLabel: "true", columnLabel: "predicted", rowNames: ["cat", "dog"],
                                 columnNames: ["cat", "dog"], values: [[40, 10], [3, 47]])
        let svg = chart.svg()
        let probe = XMLProbe(svg)
        #expect(probe.isWellFormed)
        #expect(probe.all("rect").filter { $0["data-row"] != nil }.count == 4)
        // The counts appear in row-major order.
        let counts = svg.components(separatedBy: "data-role=\"cell-count\">").dropFirst().map { $0.prefix { $0 != "<" } }
        #expect(counts == ["40", "10", "3", "47"])
    }

    @Test func barsStartAtZeroAndEndAtTheirValue() throws {
        let chart = BarChart(id: "b", title: "Importance", valueLabel: "share", bars: [("lr", 0.75), ("depth", 0.25)], minimumUpperBound: 1)
        let bars = XMLProbe(chart.svg()).all("rect").filter { $0["data-value"] != nil }
        #expect(bars.count == 2)
        let widths = bars.map { Double($0["width"]!)! }
        // Same left edge (zero); widths in the ratio of the values.
        #expect(bars[0]["x"] == bars[1]["x"])
        #expect(abs(widths[0] / widths[1] - 3) < 0.01)
    }

    @Test func parallelCoordinatesBreakLinesAtMissingValues() {
        let chart = ParallelCoordinatesChart(id: "p", title: "P", axes: [
            ParallelAxis(name: "a", kind: .numeric(.linear), values: [1, 2]),
            ParallelAxis(name: "b", kind: .numeric(.linear), values: [nil, 3]),
            ParallelAxis(name: "objective", kind: .numeric(.linear), values: [5, 6]),
        ], colorValues: [5, 6], colorLabel: "objective")
        let probe = XMLProbe(chart.svg())
        // Line 0 has no value on axis b: nothing joins a to the objective through it.
        #expect(probe.all("polyline").filter { $0["data-line"] == "0" }.isEmpty)
        #expect(probe.all("polyline").filter { $0["data-line"] == "1" }.count == 1)
    }

    /// The elements of `svg` in document order, each with its attributes.
    func elements(_ svg: String) -> [(name: String, attributes: [String: String])] { XMLProbe(svg).elements }

    @Test func noLineIsDrawnOverHeatmapCells() throws {
        let timeline = HistogramTimeline(id: "h", title: "Activations", xLabel: "step", yLabel: "value", snapshots: (0..<6).map { step in
            HistogramSnapshot(step: Double(step * 100), edges: [-3, -1.5, 0, 1.5, 3], counts: [1, 5, 9, 2])
        })
        let drawn = elements(timeline.svg())
        let firstCell = try #require(drawn.firstIndex { $0.name == "rect" && $0.attributes["data-step"] != nil })
        let cells = drawn.filter { $0.name == "rect" && $0.attributes["data-step"] != nil }.map(\.attributes)
        let left = cells.map { Double($0["x"]!)! }.min()!, right = cells.map { Double($0["x"]!)! + Double($0["width"]!)! }.max()!
        let top = cells.map { Double($0["y"]!)! }.min()!, bottom = cells.map { Double($0["y"]!)! + Double($0["height"]!)! }.max()!
        // Lines after the cells are the axes and tick marks at the edges, none crossing the cells' interior.
        let laterLines = drawn[firstCell...].filter { $0.name == "line" }.map { line in
            ["x1", "y1", "x2", "y2"].map { Double(line.attributes[$0]!)! }
        }
        #expect(!laterLines.isEmpty, "the axes are drawn")
        for line in laterLines {
            let crossesInterior = max(line[0], line[2]) > left + 1 && min(line[0], line[2]) < right - 1
                && max(line[1], line[3]) > top + 1 && min(line[1], line[3]) < bottom - 1
            #expect(!crossesInterior, "a line \(line) runs over the cells (\(left)…\(right) × \(top)…\(bottom))")
        }
        #expect(!drawn.contains { $0.name == "line" && $0.attributes["stroke"] == ChartStyle.gridColor })
        // The y ticks keep their marks outside the area instead of grid lines.
        #expect(laterLines.contains { $0[1] == $0[3] && max($0[0], $0[2]) <= left + 0.5 && min($0[0], $0[2]) < left - 3 })

        let confusion = elements(HeatmapChart(id: "m", title: "Confusion", rowLabel: "true", columnLabel: "predicted",
                                              rowNames: ["a", "b", "c"], columnNames: ["a", "b", "c"],
                                              values: [[5, 1, 0], [2, 7, 1], [0, 0, 9]]).svg())
        let firstConfusionCell = try #require(confusion.firstIndex { $0.attributes["data-row"] != nil })
        #expect(!confusion[firstConfusionCell...].contains { $0.name == "line" || $0.name == "polyline" })
    }

    @Test func parallelCoordinateLabelsAreDrawnOverTheLinesWithAHalo() throws {
        let chart = ParallelCoordinatesChart(id: "p", title: "P", axes: [
            ParallelAxis(name: "optimizer", kind: .categorical(["adam", "sgd", "rmsprop"]), values: [0, 1, 2, 1]),
            ParallelAxis(name: "learning rate", kind: .numeric(.logarithmic), values: [0.001, 0.01, 0.1, 0.03]),
            ParallelAxis(name: "objective", kind: .numeric(.linear), values: [0.2, 0.5, 0.9, 0.4]),
        ], colorValues: [0.2, 0.5, 0.9, 0.4], colorLabel: "objective")
        let drawn = elements(chart.svg())
        let lastLine = try #require(drawn.lastIndex { $0.name == "polyline" })
        let texts = drawn.indices.filter { drawn[$0].name == "text" }
        let probe = XMLProbe(chart.svg())
        for choice in ["adam", "sgd", "rmsprop"] { #expect(probe.text.contains(choice)) }
        let labels = texts.filter { drawn[$0].attributes["data-role"] == "axis-label" }
        // Three choices plus the numeric ticks of two axes.
        #expect(labels.count > 3)
        for index in labels {
            #expect(index > lastLine, "a label is drawn under the lines")
            let attributes = drawn[index].attributes
            #expect(attributes["stroke"] == "#fff" && attributes["paint-order"] == "stroke" && Double(attributes["stroke-width"] ?? "0")! >= 2)
        }
        // Every label left of a line's crossing: no label is missing its halo.
        #expect(texts.filter { index in index < lastLine && drawn[index].attributes["text-anchor"] == "end" }.isEmpty)
    }
}
