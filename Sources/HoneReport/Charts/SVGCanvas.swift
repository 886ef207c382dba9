import Foundation

/// Sizes and colours every chart shares.
///
/// Charts are drawn in a 360-unit-wide view box scaled to the width of their container:
/// at a phone's 375 px (about 330 px left for the chart) a unit is 0.92 px, so the
/// 12-unit tick labels still show at 11 px.
public enum ChartStyle {
    /// The view box width of a chart.
    public static let width: Double = 360
    /// The height of the plotting area of an x–y chart.
    public static let plotHeight: Double = 190
    static let titleSize: Double = 14
    static let textSize: Double = 12
    static let smallTextSize: Double = 10
    /// An estimate of a character's width at `textSize`, for fitting labels in margins.
    static let characterWidth: Double = 6.6
    static let axisColor = "#555"
    static let gridColor = "#e3e3e3"
    static let textColor = "#222"
    static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    /// Okabe & Ito's colour-blind-safe palette (black dropped), then Tableau's darker hues.
    public static let palette = [
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D31", "#7F7F7F", "#393B79", "#637939",
    ]

    /// The colour of the `index`th series.
    public static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// A colour on a perceptually ordered ramp (viridis stops) for `fraction` in 0…1.
    public static func rampColor(_ fraction: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let t = min(max(fraction.isFinite ? fraction : 0, 0), 1) * Double(stops.count - 1)
        let index = min(Int(t), stops.count - 2)
        let local = t - Double(index)
        let (a, b) = (stops[index], stops[index + 1])
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * local).rounded()) }
        return String(format: "#%02x%02x%02x", channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }

    /// A blue of strength `fraction` (0 white … 1 dark blue), for heatmap cells.
    public static func blueColor(_ fraction: Double) -> String {
        let t = min(max(fraction.isFinite ? fraction : 0, 0), 1)
        func channel(_ light: Double, _ dark: Double) -> Int { Int((light + (dark - light) * t).rounded()) }
        return String(format: "#%02x%02x%02x", channel(247, 8), channel(251, 48), channel(255, 107))
    }
}

/// The elements of one SVG chart, collected in drawing order, and the document around them.
struct SVGCanvas {
    let width: Double
    var height: Double
    private(set) var elements: [String] = []

    init(width: Double = ChartStyle.width, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func add(_ element: String) { elements.append(element) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String = ChartStyle.axisColor,
                       width strokeWidth: Double = 1, dashed: Bool = false) {
        let c = Markup.coordinate
        add("<line x1=\"\(c(x1))\" y1=\"\(c(y1))\" x2=\"\(c(x2))\" y2=\"\(c(y2))\" stroke=\"\(color)\" stroke-width=\"\(c(strokeWidth))\""
            + (dashed ? " stroke-dasharray=\"4 3\"" : "") + "/>")
    }

    /// Text at (x, y); `anchor` is start, middle or end; `rotation` in degrees about (x, y).
    /// `tooltip` adds a `<title>` child (the full text of a truncated label). A `halo` is a
    /// white outline painted under the glyphs, so a label stays legible over lines.
    mutating func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double = ChartStyle.textSize,
                       color: String = ChartStyle.textColor, bold: Bool = false, rotation: Double? = nil, tooltip: String? = nil,
                       halo: Bool = false, attributes: String = "") {
        let c = Markup.coordinate
        var element = "<text x=\"\(c(x))\" y=\"\(c(y))\" font-size=\"\(c(size))\" fill=\"\(color)\""
        if halo { element += " stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"" }
        if anchor != "start" { element += " text-anchor=\"\(anchor)\"" }
        if bold { element += " font-weight=\"600\"" }
        if let rotation { element += " transform=\"rotate(\(c(rotation)) \(c(x)) \(c(y)))\"" }
        if !attributes.isEmpty { element += " " + attributes }
        element += ">"
        if let tooltip { element += "<title>\(Markup.escaped(tooltip))</title>" }
        add(element + Markup.escaped(content) + "</text>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                       tooltip: String? = nil, attributes: String = "") {
        let c = Markup.coordinate
        var element = "<rect x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(max(width, 0)))\" height=\"\(c(max(height, 0)))\" fill=\"\(fill)\""
        if let stroke { element += " stroke=\"\(stroke)\"" }
        if !attributes.isEmpty { element += " " + attributes }
        if let tooltip {
            add(element + "><title>\(Markup.escaped(tooltip))</title></rect>")
        } else {
            add(element + "/>")
        }
    }

    mutating func circle(x: Double, y: Double, radius: Double, fill: String, opacity: Double = 1, tooltip: String? = nil,
                         attributes: String = "") {
        let c = Markup.coordinate
        let element = "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"\(c(radius))\" fill=\"\(fill)\""
            + (opacity < 1 ? " fill-opacity=\"\(c(opacity))\"" : "") + (attributes.isEmpty ? "" : " " + attributes)
        add(tooltip.map { element + "><title>\(Markup.escaped($0))</title></circle>" } ?? element + "/>")
    }

    /// A polyline through `points`; `attributes` carries data attributes for tests and tools.
    mutating func polyline(_ points: [(x: Double, y: Double)], color: String, width strokeWidth: Double = 1.8,
                           dashed: Bool = false, opacity: Double = 1, attributes: String = "") {
        let c = Markup.coordinate
        let list = points.map { "\(c($0.x)),\(c($0.y))" }.joined(separator: " ")
        var element = "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(c(strokeWidth))\""
            + " stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if dashed { element += " stroke-dasharray=\"5 3\"" }
        if opacity < 1 { element += " stroke-opacity=\"\(c(opacity))\"" }
        if !attributes.isEmpty { element += " " + attributes }
        add(element + "/>")
    }

    /// The "no data" notice in the middle of the area below the title.
    mutating func noData(message: String = "no data", top: Double) {
        let middle = top + (height - top) / 2
        rect(x: 8, y: top, width: width - 16, height: height - top - 8, fill: "#fafafa", stroke: ChartStyle.gridColor)
        text(message, x: width / 2, y: middle, anchor: "middle", color: "#777", attributes: "data-role=\"no-data\"")
    }

    /// A key for ``ChartStyle/rampColor(_:)``: the ramp from `low` to `high` in 12 steps at
    /// (`x`, `y`), then `label`.
    mutating func rampKey(low: Double, high: Double, label: String, x: Double, y: Double) {
        let width = 120.0, steps = 12
        for step in 0..<steps {
            rect(x: x + Double(step) * width / Double(steps), y: y, width: width / Double(steps) + 0.3, height: 10,
                 fill: ChartStyle.rampColor(Double(step) / Double(steps - 1)))
        }
        text(Markup.value(low), x: x - 4, y: y + 9, anchor: "end", size: ChartStyle.smallTextSize)
        text(Markup.value(high) + "  " + Markup.truncated(label, to: 24), x: x + width + 4, y: y + 9, size: ChartStyle.smallTextSize)
    }

    /// The chart's title, centred at the top.
    mutating func title(_ title: String) {
        text(Markup.truncated(title, to: 48), x: width / 2, y: 20, anchor: "middle", size: ChartStyle.titleSize, bold: true,
             tooltip: title.count > 48 ? title : nil)
    }

    /// The complete `<svg>` element: scales to its container's width (`viewBox`,
    /// `width="100%"`), named by `id`, its kind in `data-chart`, `data-empty` when it
    /// shows no data, and an accessible `<title>`.
    func document(id: String, kind: String, title: String, empty: Bool) -> String {
        let c = Markup.coordinate
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(c(width)) \(c(height))\" width=\"100%\""
        out += " id=\"\(Markup.escaped(id))\" data-chart=\"\(kind)\" data-empty=\"\(empty)\" role=\"img\""
        out += " font-family=\"\(ChartStyle.fontFamily)\" preserveAspectRatio=\"xMidYMin meet\">"
        out += "<title>\(Markup.escaped(title))</title>"
        out += elements.joined()
        return out + "</svg>"
    }
}
