import Foundation
import HoneTestSupport
import Testing

@testable import HoneReport

/// Debian's headless Chromium, the real browser the report pages are checked in.
enum Chromium {
    /// The browser executable; the browser tests fail (not skip) without it.
    static let path: String? = {
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init)
        for directory in searchPath + ["/usr/bin"] {
            for name in ["chromium", "chromium-browser"] {
                let candidate = directory + "/" + name
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// Where the screenshots are kept after the tests, for people to look at.
    static let screenshotDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("hone-report-screenshots")

    /// Runs headless Chromium with its own throwaway profile (other browsers on the
    /// machine keep theirs) and returns what it printed; stopped after two minutes.
    static func run(_ arguments: [String], windowWidth: Int) throws -> String {
        let executable = try #require(path, "chromium is not installed (make test installs Debian's chromium)")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("hone-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--hide-scrollbars", "--user-data-dir=\(profile.path)", "--window-size=\(windowWidth),2000"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return String(decoding: data, as: UTF8.self)
    }

    /// The DOM after the page at `file` loaded and laid out, as Chromium serializes it.
    static func renderedDOM(of file: URL, windowWidth: Int) throws -> String {
        try run(["--virtual-time-budget=5000", "--dump-dom", file.absoluteString], windowWidth: windowWidth)
    }

    /// A PNG screenshot of `file` at `windowWidth` × 2000 pixels.
    static func screenshot(of file: URL, windowWidth: Int, to png: URL) throws {
        try? FileManager.default.removeItem(at: png)
        _ = try run(["--screenshot=\(png.path)", file.absoluteString], windowWidth: windowWidth)
    }
}

/// The reports rendered by a real browser: every chart is in the laid-out DOM, the page
/// fits a phone's width with readable text, and screenshots are taken at both widths.
@Suite(.serialized)
struct BrowserTests {
    /// The page with a measuring script added (the report itself has none): after layout it
    /// sends its parent the page's scroll width, the number of charts, the narrowest chart
    /// and the smallest rendered size of 12-unit chart text.
    func measuringCopy(of page: URL) throws -> URL {
        let probe = """
            <script>
            const charts = [...document.querySelectorAll('svg[data-chart]')];
            const scales = charts.map(s => s.getBoundingClientRect().width / s.viewBox.baseVal.width);
            parent.postMessage('scroll=' + document.documentElement.scrollWidth + ';viewport=' + window.innerWidth +
              ';charts=' + charts.length + ';narrowest=' + Math.min(...charts.map(s => s.getBoundingClientRect().width)) +
              ';text=' + Math.min(...scales) * 12, '*');
            </script>
            """
        let html = try String(contentsOf: page, encoding: .utf8).replacingOccurrences(of: "</body>", with: probe + "</body>")
        let copy = page.deletingLastPathComponent().appendingPathComponent("measured-" + page.lastPathComponent)
        try html.write(to: copy, atomically: true, encoding: .utf8)
        return copy
    }

    /// A page showing `page` in a frame `width` pixels wide (headless Chromium's own window
    /// is at least 500 pixels wide, a phone's is 375) that writes the frame's measurements
    /// onto its `<body>` for the dumped DOM.
    func frame(_ page: URL, width: Int) throws -> URL {
        let html = """
            <!DOCTYPE html><html><body style="margin:0">
            <iframe src="\(page.lastPathComponent)" width="\(width)" height="2000" style="border:0"></iframe>
            <script>addEventListener('message', event => document.body.setAttribute('data-measured', event.data));</script>
            </body></html>
            """
        let url = page.deletingLastPathComponent().appendingPathComponent("frame-\(width)-" + page.lastPathComponent)
        try html.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The measurements the framed page sent, by name.
    func measurements(in dom: String) -> [String: Double] {
        guard let range = dom.range(of: "data-measured=\"") else { return [:] }
        var values: [String: Double] = [:]
        for pair in dom[range.upperBound...].prefix(while: { $0 != "\"" }).split(separator: ";") {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }

    /// Checks `page` in Chromium at desktop and phone width and keeps screenshots named `name`.
    func checkInBrowser(_ page: URL, name: String, chartIDs: [String]) throws {
        let source = try String(contentsOf: page, encoding: .utf8)
        let svgCount = source.components(separatedBy: "<svg ").count - 1
        let measured = try measuringCopy(of: page)
        for width in [1280, 375] {
            let dom = try Chromium.renderedDOM(of: try frame(measured, width: width), windowWidth: max(width, 500) + 20)
            let direct = try Chromium.renderedDOM(of: measured, windowWidth: width)
            #expect(direct.contains("</html>"), "Chromium rendered nothing for \(page.path)")
            for id in chartIDs {
                #expect(direct.range(of: "<svg [^>]*id=\"\(id)\"", options: .regularExpression) != nil, "\(id) missing from the DOM")
            }
            let measured = measurements(in: dom)
            #expect(measured["viewport"] == Double(width), "the frame measured \(measured)")
            #expect(measured["charts"] == Double(svgCount), "every SVG is a chart element in the DOM")
            let scrollWidth = try #require(measured["scroll"])
            #expect(scrollWidth <= Double(width), "the page is \(scrollWidth) px wide in a \(width) px window")
            let narrowest = try #require(measured["narrowest"])
            #expect(narrowest > 250, "a chart is squeezed to \(narrowest) px at \(width) px")
            let smallestText = try #require(measured["text"])
            #expect(smallestText >= 10, "12-unit chart text shows at \(smallestText) px at \(width) px")
        }
        try FileManager.default.createDirectory(at: Chromium.screenshotDirectory, withIntermediateDirectories: true)
        for width in [1280, 375] {
            let png = Chromium.screenshotDirectory.appendingPathComponent("\(name)-\(width).png")
            try Chromium.screenshot(of: page, windowWidth: width, to: png)
            let bytes = try Data(contentsOf: png)
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(png.path) is not a PNG")
            // The IHDR chunk holds the width at bytes 16–19, big-endian.
            let pixelWidth = bytes.count > 24 ? bytes[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
            #expect(pixelWidth == width)
            #expect(bytes.count > 20_000, "a \(bytes.count)-byte screenshot is a blank page")
        }
    }

    @Test func aRunReportRendersEveryChartInChromium() throws {
        let directory = try TemporaryDirectory()
        let run = try Fixtures.trainedRun(in: directory)
        let page = try Report.write(for: run.path)
        try checkInBrowser(page, name: "run", chartIDs: RunReportTests.chartIDs)
    }

    @Test func anExplainedRunReportRendersTheExplanationChartsInChromium() throws {
        let directory = try TemporaryDirectory()
        let run = try ExplanationSectionTests.explainedRun(in: directory)
        let page = try Report.write(for: run.path)
        try checkInBrowser(page, name: "explained-run", chartIDs: [
            "chart-explain-kernelshap-importance", "chart-explain-kernelshap-beeswarm", "chart-explain-permutation-importance",
        ])
    }

    @Test func aStudyReportRendersEveryChartInChromium() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tuning.db").path
        try Fixtures.study(at: path)
        let page = try Report.write(for: path)
        try checkInBrowser(page, name: "study", chartIDs: [
            "chart-history-demo-0", "chart-parallel-demo", "chart-importance-demo-0", "chart-slice-demo-x",
            "chart-slice-demo-learning_rate", "chart-slice-demo-optimizer",
        ])
        let paretoPath = directory.file("tradeoff.db").path
        try Fixtures.twoObjectiveStudy(at: paretoPath)
        try checkInBrowser(try Report.write(for: paretoPath), name: "pareto", chartIDs: [
            "chart-history-tradeoff-0", "chart-history-tradeoff-1", "chart-pareto-tradeoff", "chart-parallel-tradeoff",
        ])
    }
}
