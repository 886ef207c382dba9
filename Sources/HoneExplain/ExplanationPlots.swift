import Foundation

/// The two plots of an explanation as standalone SVG documents: a bar chart of global
/// importance and a beeswarm of per-row values.
public enum ExplanationPlots {
    /// Horizontal bars, largest first: `values[i]` for feature `names[i]`, with an optional
    /// error bar of ±`errors[i]` (a confidence half-width).
    public static func bar(names: [String], values: [Double], errors: [Double]? = nil, title: String, maximumBars: Int = 20) -> String {
        let order = values.indices.sorted { abs(values[$0]) > abs(values[$1]) }.prefix(maximumBars)
        let rowHeight = 18.0, left = 190.0, width = 420.0, top = 36.0
        let height = top + rowHeight * Double(order.count) + 30
        let largest = max(order.map { abs(values[$0]) + (errors?[$0] ?? 0) }.max() ?? 1, 1e-12)
        var svg = header(width: left + width + 70, height: height, title: title)
        for (line, feature) in order.enumerated() {
            let y = top + rowHeight * Double(line)
            let length = abs(values[feature]) / largest * width
            svg += text(left - 6, y + 13, names[feature], anchor: "end")
            svg += "<rect x=\"\(f(left))\" y=\"\(f(y + 3))\" width=\"\(f(length))\" height=\"\(f(rowHeight - 6))\" fill=\"\(values[feature] >= 0 ? "#1e88e5" : "#e53935")\"/>\n"
            if let errors {
                let low = (abs(values[feature]) - errors[feature]) / largest * width, high = (abs(values[feature]) + errors[feature]) / largest * width
                svg += "<line x1=\"\(f(left + max(low, 0)))\" x2=\"\(f(left + high))\" y1=\"\(f(y + 9))\" y2=\"\(f(y + 9))\" stroke=\"#333\"/>\n"
            }
            svg += text(left + length + 4, y + 13, String(format: "%.4g", values[feature]), anchor: "start")
        }
        return svg + "</svg>\n"
    }

    /// One dot per row and feature at its attribution (x), features ordered by mean |value|,
    /// dots coloured from blue (low feature value) to red (high), stacked where they crowd.
    ///
    /// - Parameters:
    ///   - values: per row, one attribution per feature.
    ///   - featureValues: per row, the feature values that colour the dots.
    public static func beeswarm(names: [String], values: [[Double]], featureValues: [[Float]], title: String, maximumFeatures: Int = 20) -> String {
        let featureCount = names.count
        let meanAbsolute = (0..<featureCount).map { j in values.reduce(0) { $0 + abs($1[j]) } / Double(max(values.count, 1)) }
        let order = (0..<featureCount).sorted { meanAbsolute[$0] > meanAbsolute[$1] }.prefix(maximumFeatures)
        let rowHeight = 28.0, left = 190.0, width = 420.0, top = 36.0
        let height = top + rowHeight * Double(order.count) + 40
        let extent = max(values.flatMap { $0 }.map(abs).max() ?? 1, 1e-12)
        func x(_ value: Double) -> Double { left + width / 2 + value / extent * width / 2 }
        var svg = header(width: left + width + 30, height: height, title: title)
        svg += "<line x1=\"\(f(x(0)))\" x2=\"\(f(x(0)))\" y1=\"\(f(top))\" y2=\"\(f(height - 34))\" stroke=\"#999\"/>\n"
        for (line, feature) in order.enumerated() {
            let centre = top + rowHeight * (Double(line) + 0.5)
            svg += text(left - 6, centre + 4, names[feature], anchor: "end")
            let column = featureValues.map { Double($0[feature]) }
            let low = column.min() ?? 0, high = column.max() ?? 1
            var occupied: [Int: Int] = [:]
            for (row, attribution) in values.enumerated() {
                let position = x(attribution[feature])
                let bucket = Int(position / 4)
                let stack = occupied[bucket, default: 0]
                occupied[bucket] = stack + 1
                let offset = Double((stack + 1) / 2) * 3 * (stack % 2 == 0 ? 1 : -1)
                let t = high > low ? (column[row] - low) / (high - low) : 0.5
                let colour = "rgb(\(Int(30 + 199 * t)),\(Int(136 - 79 * t)),\(Int(229 - 176 * t)))"
                svg += "<circle cx=\"\(f(position))\" cy=\"\(f(centre + min(max(offset, -11), 11)))\" r=\"2.5\" fill=\"\(colour)\"/>\n"
            }
        }
        svg += text(x(-extent), height - 18, String(format: "%.3g", -extent), anchor: "start")
        svg += text(x(extent), height - 18, String(format: "%.3g", extent), anchor: "end")
        svg += text(x(0), height - 18, "attribution (blue: low feature value, red: high)", anchor: "middle")
        return svg + "</svg>\n"
    }

    private static func header(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + text(10, 20, title, anchor: "start", size: 13)
    }

    private static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, size: Int = 11) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(escaped(content))</text>\n"
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
