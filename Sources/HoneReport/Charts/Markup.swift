import Foundation

/// Text and number formatting shared by the SVG charts and the HTML pages.
public enum Markup {
    /// `text` safe inside XML/HTML character data and attribute values: `&`, `<`, `>`,
    /// `"` and `'` become entities, and control characters XML 1.0 forbids (everything
    /// below U+0020 except tab, newline and carriage return) become U+FFFD, so a user's
    /// layer name or parameter value can never break the document or inject markup.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no trailing zeros (`12.5`, `3`, `-0.25`):
    /// a hundredth of a pixel is below what any screen shows, and short numbers keep the
    /// report small.
    public static func coordinate(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// A value for people to read: four significant digits, scientific notation outside
    /// 1e-3 … 1e6 (`0.1235`, `1234`, `1.5e-05`), `NaN`/`inf` spelled out.
    public static func value(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e6 || magnitude < 1e-3 { return String(format: "%.3g", value) }
        if value == value.rounded() && magnitude < 1e6 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }

    /// `text` cut to `limit` characters with an ellipsis, for labels that must fit a margin.
    public static func truncated(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(limit - 1, 1))) + "…"
    }
}
