import Foundation
import HoneTestSupport
import HoneDoctor
import HoneTrain
import Testing

@testable import HoneReport

/// Run reports: every chart from a real run's records, and clear errors for bad ones.
struct RunReportTests {
    @Test func aTrainedRunGivesEveryChartAndTable() throws {
        let directory = try TemporaryDirectory()
        let run = try Fixtures.trainedRun(in: directory)
        let written = try Report.write(for: run.path)
        #expect(written == run.appendingPathComponent("report.html"))
        let html = try String(contentsOf: written, encoding: .utf8)
        for id in RunReportTests.chartIDs + ["table-final-metrics", "config", "findings"] {
            #expect(html.contains("id=\"\(id)\""), "missing \(id)")
        }
        // Self-contained: nothing comes from the network, nothing runs.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("@import"))
        // The charts hold the run's numbers: four epochs on the loss chart, one line per
        // parameter (3 Linear layers × weight and bias) on the gradient chart, one column
        // per sample on the histogram timelines.
        let records = try RunRecords.load(from: run)
        let log = try #require(records.monitors)
        #expect(records.epochs.count == 4 && log.steps.count == 24 && log.samples.count >= 8)
        let gradients = try #require(svgElement(id: "chart-gradient-norms", in: html))
        #expect(XMLProbe(gradients).all("polyline").count == 6)
        let loss = try #require(svgElement(id: "chart-loss", in: html))
        #expect(XMLProbe(loss).all("polyline").allSatisfy { $0["points"]!.split(separator: " ").count == 4 })
        #expect(html.contains("<td>val_accuracy</td>"))
        let histogram = try #require(svgElement(id: "chart-activation-histogram-1", in: html))
        let columns = Set(XMLProbe(histogram).all("rect").compactMap { $0["data-step"] })
        #expect(columns == Set(log.samples.map { String($0.step) }))
        let steps = try #require(svgElement(id: "chart-step-loss", in: html))
        #expect(XMLProbe(steps).all("polyline").first?["points"]?.split(separator: " ").count == 24)
    }

    /// The charts every run with monitors gets (the fixture's model: Linear, ReLU, Linear, ReLU, Linear).
    static let chartIDs = [
        "chart-loss", "chart-step-loss", "chart-metric-accuracy", "chart-learning-rate", "chart-throughput",
        "chart-gradient-global-norm", "chart-gradient-norms", "chart-update-ratio", "chart-gradient-histogram-0-weight",
        "chart-gradient-histogram-4-weight", "chart-dead-units", "chart-dead-units-over-time", "chart-activation-std",
        "chart-input-histogram", "chart-activation-histogram-0", "chart-activation-histogram-1", "chart-activation-histogram-4",
    ]

    @Test func findingsAreShownMostSevereFirstAndEscaped() throws {
        let directory = try TemporaryDirectory()
        let run = try writeRecords(in: directory, epochs: 3)
        let findings = [
            ReportFinding(severity: .info, title: "Class balance is fine", evidence: "10 classes", remedy: "nothing"),
            ReportFinding(severity: .error, title: "Loss <diverged>", evidence: "loss 1e9 at epoch 2", remedy: "lower the learning rate & clip"),
            ReportFinding(severity: .warning, title: "Dead ReLUs", evidence: "layer 1: 62% dead", remedy: "LeakyReLU"),
        ]
        let html = RunReport(records: try RunRecords.load(from: run), findings: findings).html()
        let severities = html.components(separatedBy: "data-severity=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(severities == ["error", "warning", "info"])
        #expect(html.contains("Loss &lt;diverged&gt;") && html.contains("lower the learning rate &amp; clip"))
        let none = RunReport(records: try RunRecords.load(from: run)).html()
        #expect(none.contains("No findings"))
    }

    @Test func aPartialLastLineIsARecordStillBeingWritten() throws {
        let directory = try TemporaryDirectory()
        let run = try writeRecords(in: directory, epochs: 3)
        let metrics = run.appendingPathComponent("metrics.jsonl")
        let handle = try FileHandle(forWritingTo: metrics)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"epoch":4,"train_lo"#.utf8))
        try handle.close()
        let records = try RunRecords.load(from: run)
        #expect(records.epochs.map(\.epoch) == [1, 2, 3])
    }

    @Test func garbageInTheMiddleNamesTheFileAndLine() throws {
        let directory = try TemporaryDirectory()
        let run = try writeRecords(in: directory, epochs: 3)
        let metrics = run.appendingPathComponent("metrics.jsonl")
        var lines = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = "this is not json"
        try (lines.joined(separator: "\n") + "\n").write(to: metrics, atomically: true, encoding: .utf8)
        expectRecordError(at: metrics, line: 2) { try RunRecords.load(from: run) }
        // A complete last line (newline-terminated) that is damaged is an error too.
        lines[1] = try EpochRecord(epoch: 2, trainLoss: 0.5).jsonLine()
        lines.append(#"{"epoch": "three"}"#)
        try (lines.joined(separator: "\n") + "\n").write(to: metrics, atomically: true, encoding: .utf8)
        expectRecordError(at: metrics, line: 4) { try RunRecords.load(from: run) }
    }

    @Test func aDamagedMonitorFileIsNamed() throws {
        let directory = try TemporaryDirectory()
        let run = try writeRecords(in: directory, epochs: 2)
        let monitors = run.appendingPathComponent("monitors.jsonl")
        var lines = try String(contentsOf: monitors, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[0] = #"{"type": "step", "step": 1}"#
        try (lines.joined(separator: "\n") + "\n").write(to: monitors, atomically: true, encoding: .utf8)
        expectRecordError(at: monitors, line: 1) { try RunRecords.load(from: run) }
        // A partial last monitor record is a run still writing: skipped.
        lines[0] = String(lines[1])
        try (lines.joined(separator: "\n") + "\n" + #"{"type": "sample", "st"#).write(to: monitors, atomically: true, encoding: .utf8)
        #expect(try RunRecords.load(from: run).monitors?.skippedPartialRecord == true)
    }

    @Test func missingPathsAndNonRunsAreRefusedAndNothingIsWritten() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("nowhere").path
        #expect(throws: ReportError.notFound(path: missing)) { try Report.write(for: missing) }
        let empty = directory.file("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try directory.write("hello", as: "empty/notes.txt")
        #expect(throws: ReportError.notARun(path: empty.path)) { try Report.write(for: empty.path) }
        #expect(!FileManager.default.fileExists(atPath: empty.appendingPathComponent("report.html").path))
        // A damaged record: the error comes before any byte of the page is written.
        let run = try writeRecords(in: directory, epochs: 2)
        try "{\"epoch\": 1}\n{}\n".write(to: run.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        let out = directory.file("out.html")
        #expect(throws: TrainingError.self) { try Report.write(for: run.path, to: out.path) }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test func aConfusionMatrixInTheFinalMetricsIsDrawn() throws {
        let directory = try TemporaryDirectory()
        let run = try writeRecords(in: directory, epochs: 2)
        try #"{"test_accuracy": 0.8, "confusion_matrix": [[8, 2], [2, 8]]}"#.write(
            to: run.appendingPathComponent("final_metrics.json"), atomically: true, encoding: .utf8)
        var html = RunReport(records: try RunRecords.load(from: run)).html()
        #expect(html.contains("id=\"chart-confusion-matrix\""))
        try #"{"confusion_matrix": {"counts": [[3, 1], [0, 4]], "class_names": ["cat", "dog"]}}"#.write(
            to: run.appendingPathComponent("final_metrics.json"), atomically: true, encoding: .utf8)
        let records = try RunRecords.load(from: run)
        #expect(records.confusionMatrix == RecordedConfusionMatrix(classNames: ["cat", "dog"], counts: [[3, 1], [0, 4]]))
        html = RunReport(records: records).html()
        #expect(html.contains(">dog<"))
        // Without one the report simply has no confusion section.
        try #"{"test_accuracy": 0.8}"#.write(to: run.appendingPathComponent("final_metrics.json"), atomically: true, encoding: .utf8)
        #expect(!RunReport(records: try RunRecords.load(from: run)).html().contains("chart-confusion-matrix"))
        // A ragged matrix is an error naming the field.
        try #"{"confusion_matrix": [[1, 2], [3]]}"#.write(to: run.appendingPathComponent("final_metrics.json"), atomically: true, encoding: .utf8)
        #expect(throws: ReportError.self) { try RunRecords.load(from: run) }
    }

    @Test func aRunWithoutMonitorsSaysSo() throws {
        let directory = try TemporaryDirectory()
        let run = try writeRecords(in: directory, epochs: 2)
        try FileManager.default.removeItem(at: run.appendingPathComponent("monitors.jsonl"))
        let html = RunReport(records: try RunRecords.load(from: run)).html()
        #expect(html.contains("monitors were off"))
        #expect(!html.contains("chart-gradient-norms"))
        #expect(XMLProbe(try #require(svgElement(id: "chart-loss", in: html))).isWellFormed)
    }
}

/// A run directory written through the library's record types: `epochs` lines of
/// metrics, two step records and one sample record per epoch, and a config.
func writeRecords(in directory: TemporaryDirectory, epochs: Int) throws -> URL {
    let run = directory.file("records")
    try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
    var metrics = "", monitors = Data()
    let histogram = Histogram(min: -1, max: 1, count: 4, sum: 0, sumOfSquares: 2, counts: [1, 2, 1])
    for epoch in 1...epochs {
        let record = EpochRecord(
            epoch: epoch, trainLoss: 1 / Double(epoch), trainMetrics: ["accuracy": 0.5 + 0.1 * Double(epoch)],
            validationLoss: 1.2 / Double(epoch), validationMetrics: ["accuracy": 0.45 + 0.1 * Double(epoch)], learningRate: 0.1)
        metrics += try record.jsonLine() + "\n"
        for step in [2 * epoch - 1, 2 * epoch] {
            monitors += try JSONLines.line(MonitorRecord.step(StepRecord(
                step: step, epoch: epoch, loss: 1 / Double(step), learningRate: 0.1, gradientNorm: 2 / Double(step),
                clippedGradientNorm: 2 / Double(step), samplesPerSecond: 1000)))
        }
        let layer = LayerSample(name: "1", type: "ReLU", histogram: histogram, unitCount: 8, deadCount: 2)
        let parameter = ParameterSample(name: "0.weight", gradientNorm: 0.5 / Double(epoch), gradientHistogram: histogram,
                                        weightNorm: 3, updateRatio: 1e-3)
        monitors += try JSONLines.line(MonitorRecord.sample(SampleRecord(
            step: 2 * epoch, epoch: epoch, input: histogram, layers: [layer], parameters: [parameter], labelCounts: [8, 8])))
    }
    try metrics.write(to: run.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
    try monitors.write(to: run.appendingPathComponent("monitors.jsonl"))
    try #"{"epochs": 3, "model": {"zoo": "mlp"}}"#.write(to: run.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    return run
}

/// Expects `body` to throw the run-record error naming `file` and `line`.
func expectRecordError(at file: URL, line: Int, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("no error for a damaged line \(line) of \(file.path)", sourceLocation: sourceLocation)
    } catch let TrainingError.invalidRunRecord(path, number, _) {
        #expect(path == file.path && number == line, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// The `<svg …>…</svg>` element with `id` in `html`.
func svgElement(id: String, in html: String) -> String? {
    guard let idRange = html.range(of: "id=\"\(id)\""),
        let start = html.range(of: "<svg", options: .backwards, range: html.startIndex..<idRange.lowerBound),
        let end = html.range(of: "</svg>", range: idRange.upperBound..<html.endIndex)
    else { return nil }
    return String(html[start.lowerBound..<end.upperBound])
}

/// The doctor's findings as the report shows them.
struct DoctorFindingTests {
    @Test func aDoctorFindingKeepsItsEvidenceAndFix() {
        let finding = Finding(
            rule: "vanishing_gradients", severity: .warning, summary: "Gradients vanish in early layers", layer: "0.weight",
            epoch: 3, step: 120, evidence: ["gradient_norm": 2.5e-7, "threshold": 1e-5], remedy: "add BatchNorm",
            fixes: [.normalizeBeforeActivations])
        let shown = ReportFinding(finding)
        #expect(shown.severity == .warning)
        #expect(shown.title == "Gradients vanish in early layers")
        #expect(shown.evidence == "layer 0.weight, epoch 3, step 120, gradient norm 2.5e-07, threshold 1e-05")
        #expect(shown.remedy == "add BatchNorm (hone doctor --fix: BatchNorm before each hidden activation)")
    }

    @Test func aDivergedRunShowsTheDoctorsFindingInItsReport() throws {
        // The loss climbs by orders of magnitude while the gradient norm explodes.
        let directory = try TemporaryDirectory()
        let run = try writeRecords(in: directory, epochs: 3)
        var lines = Data()
        for step in 1...60 {
            let growth = pow(10, Double(step) / 6)
            lines += try JSONLines.line(MonitorRecord.step(StepRecord(
                step: step, epoch: 1 + (step - 1) / 20, loss: 2 * growth, learningRate: 10, gradientNorm: growth,
                clippedGradientNorm: growth, samplesPerSecond: 1000)))
        }
        lines += try JSONLines.line(MonitorRecord.failure(FailureRecord(step: 61, epoch: 3, message: "loss became inf", value: .infinity)))
        try lines.write(to: run.appendingPathComponent("monitors.jsonl"))
        let records = try RunRecords.load(from: run)
        let findings = RunReport.diagnose(records)
        #expect(findings.contains { $0.severity >= .warning }, "\(findings)")
        let html = RunReport(records: records, findings: findings).html()
        #expect(html.contains("id=\"failure\"") && html.contains("loss became inf"))
        #expect(html.contains("data-severity=\"error\"") || html.contains("data-severity=\"warning\""))
    }
}
