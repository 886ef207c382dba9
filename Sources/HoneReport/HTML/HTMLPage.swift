import Foundation

/// A self-contained HTML page: inline CSS, inline SVG, no scripts, no fonts, nothing
/// loaded from the network, so it opens the same from `file://`, a mail attachment or a web server.
///
/// The layout is a CSS grid of cards that fills the width with as many 380-pixel columns
/// as fit and stacks them into one column on a phone.
struct HTMLPage {
    var title: String
    var subtitle: String
    var sections: [String] = []

    /// The whole document.
    func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="hone report">
        <title>\(Markup.escaped(title))</title>
        <style>\(Self.css)</style>
        </head>
        <body>
        <header><h1>\(Markup.escaped(title))</h1><p>\(Markup.escaped(subtitle))</p></header>
        <main>
        \(sections.joined(separator: "\n"))
        </main>
        </body>
        </html>

        """
    }

    static let css = """
        *{box-sizing:border-box}\
        body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;background:#f3f4f6;line-height:1.45}\
        header{padding:14px 20px;background:#1f2d3d;color:#fff}\
        header h1{margin:0;font-size:1.25rem;overflow-wrap:anywhere}\
        header p{margin:4px 0 0;color:#c9d3dd;font-size:.9rem;overflow-wrap:anywhere}\
        main{padding:12px;max-width:1400px;margin:0 auto}\
        section{margin:0 0 18px}\
        h2{font-size:1.1rem;margin:14px 4px 8px}\
        .note{margin:0 4px 8px;color:#555;font-size:.9rem}\
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,380px),1fr));gap:12px}\
        .card{background:#fff;border:1px solid #dfe3e8;border-radius:8px;padding:8px;min-width:0}\
        .card.wide{grid-column:1/-1}\
        .scroll{overflow-x:auto}\
        svg{display:block;height:auto;max-width:100%}\
        .scroll svg{max-width:none}\
        table{border-collapse:collapse;font-size:.85rem;width:100%}\
        th,td{padding:4px 8px;border-bottom:1px solid #eceef1;text-align:left;white-space:nowrap}\
        th{background:#f7f8fa;position:sticky;top:0}\
        td.number{text-align:right;font-variant-numeric:tabular-nums}\
        pre{margin:0;overflow-x:auto;font-size:.8rem;max-height:420px}\
        .state-complete{color:#1b7f3b}.state-pruned{color:#8a6d00}.state-failed{color:#b3261e}\
        .finding{background:#fff;border:1px solid #dfe3e8;border-left:5px solid #1565c0;border-radius:6px;padding:8px 12px;margin:0 0 8px}\
        .finding h3{margin:0 0 4px;font-size:1rem}\
        .finding p{margin:2px 0;font-size:.9rem;overflow-wrap:anywhere}\
        .severity-warning{border-left-color:#e07b00}.severity-error{border-left-color:#c62828}\
        .badge{display:inline-block;font-size:.75rem;padding:1px 6px;border-radius:9px;background:#e8eef6;margin-right:6px;text-transform:uppercase}\
        @media (max-width:600px){main{padding:8px}header{padding:12px}.grid{gap:8px}}
        """
}

/// Pieces of the report pages.
enum HTML {
    /// `text` as an `id` (letters, digits, `-` and `_`; anything else becomes `-`).
    static func identifier(_ text: String) -> String {
        let kept = text.unicodeScalars.map { scalar -> Character in
            CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || scalar == "-" || scalar == "_" ? Character(scalar) : "-"
        }
        return String(kept)
    }

    /// A `<section>` with a heading, an optional note and its cards in the grid.
    static func section(id: String, title: String, note: String? = nil, cards: [String]) -> String {
        var out = "<section id=\"\(identifier(id))\"><h2>\(Markup.escaped(title))</h2>"
        if let note { out += "<p class=\"note\">\(Markup.escaped(note))</p>" }
        if !cards.isEmpty { out += "<div class=\"grid\">" + cards.joined() + "</div>" }
        return out + "</section>"
    }

    /// A card holding `content` (an `<svg>`, a table); `wide` cards span the whole row,
    /// and content wider than `minimumWidth` pixels scrolls sideways instead of shrinking.
    static func card(_ content: String, wide: Bool = false, minimumWidth: Double? = nil) -> String {
        let body = minimumWidth.map { "<div class=\"scroll\"><div style=\"min-width:\(Int($0))px\">\(content)</div></div>" } ?? content
        return "<div class=\"card\(wide ? " wide" : "")\">\(body)</div>"
    }

    /// A table with a header row; cells are escaped, and cells that parse as numbers are
    /// right-aligned. `rowClasses` styles whole rows (trial states).
    static func table(id: String, headers: [String], rows: [[String]], rowClasses: [String]? = nil) -> String {
        var out = "<div class=\"scroll\"><table id=\"\(identifier(id))\"><thead><tr>"
        out += headers.map { "<th>\(Markup.escaped($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (index, row) in rows.enumerated() {
            let rowClass = rowClasses.map { " class=\"\(Markup.escaped($0[index]))\"" } ?? ""
            out += "<tr\(rowClass)>" + row.map { cell in
                Double(cell) != nil ? "<td class=\"number\">\(Markup.escaped(cell))</td>" : "<td>\(Markup.escaped(cell))</td>"
            }.joined() + "</tr>"
        }
        return out + "</tbody></table></div>"
    }

    /// Preformatted text (a config).
    static func preformatted(id: String, _ text: String) -> String {
        "<pre id=\"\(identifier(id))\">\(Markup.escaped(text))</pre>"
    }
}
