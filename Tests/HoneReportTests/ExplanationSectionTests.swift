import Foundation
import HoneTestSupport
import Testing

@testable import HoneReport

/// The run report's explanation sections, made by the real `hone explain` and `hone
/// report`: the charts hold the numbers of `explanation.json`, read back independently
/// here, and a damaged file stops the report with one line.
@Suite(.serialized)
struct ExplanationSectionTests {
    /// A trained run explained by KernelSHAP (rows 0–9) and permutation importance.
    static func explainedRun(in directory: TemporaryDirectory) throws -> URL {
        let run = try Fixtures.trainedRun(in: directory)
        for arguments in [["--method", "kernelshap", "--rows", "0-9"], ["--method", "permutation"]] {
            let result = try HoneExecutable.run(["explain", "run"] + arguments, in: directory.url)
            #expect(result.status == 0, "hone explain \(arguments): \(result.error)")
        }
        return run
    }

    /// `explanation.json` of `method`, parsed with Foundation (not the report's decoder).
    func document(_ run: URL, _ method: String) throws -> [String: Any] {
        let data = try Data(contentsOf: run.appendingPathComponent("explain/\(method)/explanation.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The `<svg>` element with `id` in `html`.
    func chart(_ id: String, in html: String) throws -> String {
        let start = try #require(html.range(of: "<svg [^>]*id=\"\(id)\"", options: .regularExpression), "no chart \(id)")
        let end = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// The values of attribute `name` on the elements named `element`, in document order.
    func attribute(_ name: String, of element: String, in svg: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "<\(element) [^>]*\(name)=\"([^\"]*)\"")
        return pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map {
            String(svg[Range($0.range(at: 1), in: svg)!])
        }
    }

    /// Equal to parsing precision: Foundation's JSON parser can miss a double's last bit.
    func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(abs($0), abs($1), 1e-300) }
    }

    @Test func explainedRunShowsImportanceBarsAndABeeswarmPerMethod() throws {
        let directory = try TemporaryDirectory()
        let run = try Self.explainedRun(in: directory)
        let result = try HoneExecutable.run(["report", "run", "--out", "page.html"], in: directory.url)
        #expect(result.status == 0, "stderr: \(result.error)")
        let html = try String(contentsOf: directory.file("page.html"), encoding: .utf8)
        #expect(html.contains("id=\"explain-kernelshap\"") && html.contains("id=\"explain-permutation\""))

        for method in ["kernelshap", "permutation"] {
            let json = try document(run, method)
            let importance = try #require(json["global_importance"] as? [[String: Any]])
            let expected = importance.map { ($0["feature"] as! String, $0["value"] as! Double) }.sorted { abs($0.1) > abs($1.1) }
            let bars = try chart("chart-explain-\(method)-importance", in: html)
            let values = attribute("data-value", of: "rect", in: bars).compactMap(Double.init)
            #expect(close(values, expected.map(\.1)), "\(method): bars \(values), file \(expected)")
            let titles = try NSRegularExpression(pattern: "<rect [^>]*><title>([^<]*): [^<]*</title>")
            let labels = titles.matches(in: bars, range: NSRange(bars.startIndex..., in: bars)).map { String(bars[Range($0.range(at: 1), in: bars)!]) }
            #expect(labels == expected.map(\.0), "\(method): bars labelled \(labels)")
            // Bar lengths follow the importance order (bars start at zero: longest first).
            let widths = attribute("width", of: "rect", in: bars).compactMap(Double.init)
            #expect(widths.count == values.count && widths == widths.sorted(by: >), "\(method): widths \(widths)")
            #expect(widths.first! > widths.last!)
        }
        #expect(!html.contains("id=\"chart-explain-permutation-beeswarm\""), "permutation importance has no rows to draw")

        // The beeswarm: one dot per explained row and feature at its attribution, features
        // ordered by mean |attribution|, the row with the feature's largest value brightest.
        let json = try document(run, "kernelshap")
        let rows = try #require(json["rows"] as? [[String: Any]])
        let names = try #require(json["feature_names"] as? [String])
        #expect(rows.count == 10)
        let attributions = rows.map { $0["values"] as! [Double] }
        let inputs = rows.map { $0["feature_values"] as! [Double] }
        let meanAbsolute = names.indices.map { j in attributions.map { abs($0[j]) }.reduce(0, +) / Double(rows.count) }
        let order = names.indices.sorted { meanAbsolute[$0] > meanAbsolute[$1] }
        let swarm = try chart("chart-explain-kernelshap-beeswarm", in: html)
        let dotFeatures = attribute("data-feature", of: "circle", in: swarm)
        let dotValues = attribute("data-value", of: "circle", in: swarm).compactMap(Double.init)
        let dotColors = attribute("fill", of: "circle", in: swarm)
        #expect(dotFeatures == order.flatMap { Array(repeating: names[$0], count: rows.count) })
        #expect(close(dotValues, order.flatMap { j in attributions.map { $0[j] } }))
        for (line, j) in order.enumerated() {
            let column = inputs.map { $0[j] }
            let brightest = column.indices.max { column[$0] < column[$1] }!, darkest = column.indices.min { column[$0] < column[$1] }!
            #expect(dotColors[line * rows.count + brightest] == ChartStyle.rampColor(1), "feature \(names[j])")
            #expect(dotColors[line * rows.count + darkest] == ChartStyle.rampColor(0), "feature \(names[j])")
        }
    }

    @Test func damagedExplanationIsOneLineANonZeroExitAndNoPage() throws {
        let directory = try TemporaryDirectory()
        let run = try Self.explainedRun(in: directory)
        let file = run.appendingPathComponent("explain/kernelshap/explanation.json")
        let original = try String(contentsOf: file, encoding: .utf8)
        let damages = [
            ("{\"method\": \"kernelshap\", ", "truncated"),
            (original.replacingOccurrences(of: "\"global_importance\"", with: "\"importance\""), "global_importance"),
        ]
        for (index, (text, part)) in damages.enumerated() {
            try text.write(to: file, atomically: true, encoding: .utf8)
            let page = "page-\(index).html"
            let result = try HoneExecutable.run(["report", "run", "--out", page], in: directory.url)
            #expect(result.status != 0)
            #expect(result.error.split(separator: "\n").count == 1, "stderr: \(result.error)")
            #expect(result.error.contains("explain/kernelshap/explanation.json"), "stderr: \(result.error)")
            if part != "truncated" { #expect(result.error.contains(part), "stderr: \(result.error)") }
            #expect(!FileManager.default.fileExists(atPath: directory.file(page).path), "\(page) was written")
        }
        // Fields the report does not know are ignored: a newer file still loads.
        let extended = original.replacingOccurrences(of: "\"method\"", with: "\"written_by\" : {\"version\": 2}, \"method\"")
        try extended.write(to: file, atomically: true, encoding: .utf8)
        let result = try HoneExecutable.run(["report", "run", "--out", "page.html"], in: directory.url)
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(try String(contentsOf: directory.file("page.html"), encoding: .utf8).contains("id=\"chart-explain-kernelshap-beeswarm\""))
    }
}
