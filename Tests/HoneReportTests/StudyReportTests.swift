import Foundation
import HoneTestSupport
import HoneTune
import Testing

@testable import HoneReport

/// Study reports from real study databases, and refusals of files that are not ones.
struct StudyReportTests {
    @Test func aStudyGivesHistoryParallelCoordinatesImportancesSlicesAndTrials() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tuning.db").path
        try Fixtures.study(at: path)
        let written = try Report.write(for: path)
        #expect(written.path == directory.file("tuning.html").path)
        let html = try String(contentsOf: written, encoding: .utf8)
        for id in ["chart-history-demo-0", "chart-parallel-demo", "chart-importance-demo-0", "chart-slice-demo-x",
                   "chart-slice-demo-learning_rate", "chart-slice-demo-optimizer", "table-trials-demo", "table-summary-demo"] {
            #expect(html.contains("id=\"\(id)\""), "missing \(id)")
        }
        #expect(!html.contains("chart-pareto"), "one objective has no Pareto front")
        let records = try StudyRecords.load(path: path)
        let study = try #require(records.studies.first)
        let complete = study.trials.filter { $0.state == .complete }
        #expect(study.trials.count == 24 && study.trials.contains { $0.state == .failed } && study.trials.contains { $0.state == .pruned })
        // One marker per complete trial; the running best never rises (minimize).
        let history = try #require(svgElement(id: "chart-history-demo-0", in: html))
        #expect(XMLProbe(history).all("circle").filter { $0["r"] == "3" }.count == complete.count)
        let bestLine = try #require(XMLProbe(history).all("polyline").first?["points"])
        let ys = bestLine.split(separator: " ").map { Double($0.split(separator: ",")[1])! }
        #expect(zip(ys, ys.dropFirst()).allSatisfy { $0 <= $1 }, "SVG y grows downwards: a falling best is a non-decreasing pixel y")
        // Importances of the three parameters sum to 1.
        let importances = try #require(study.importances.first)
        #expect(Set(importances.map(\.name)) == ["x", "learning_rate", "optimizer"])
        #expect(abs(importances.map(\.importance).reduce(0, +) - 1) < 1e-9)
        // The table lists every trial with its state, the failure reason included.
        let table = try #require(html.range(of: "id=\"table-trials-demo\"")).upperBound
        #expect(html[table...].components(separatedBy: "<tr class=\"state-").count - 1 == 24)
        #expect(html.contains("deliberate failure for the fixture"))
        #expect(html.contains("pruned after step 0"))
        // The slice of the categorical parameter is labelled by its choices.
        let slice = try #require(svgElement(id: "chart-slice-demo-optimizer", in: html))
        #expect(XMLProbe(slice).text.contains("sgd") && XMLProbe(slice).text.contains("adam"))
    }

    @Test func twoObjectivesGiveAParetoFrontOfTheNonDominatedTrials() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tradeoff.db").path
        try Fixtures.twoObjectiveStudy(at: path)
        let records = try StudyRecords.load(path: path)
        let study = try #require(records.studies.first)
        let charts = StudyCharts(study: study, key: "tradeoff")
        let front = charts.paretoFrontTrials()
        // Brute force: a complete trial is on the front when no other is at least as good
        // in both objectives and better in one.
        let complete = study.trials.filter { $0.state == .complete }
        let expected = complete.filter { a in
            !complete.contains { b in
                b.values![0] <= a.values![0] && b.values![1] <= a.values![1] && (b.values![0] < a.values![0] || b.values![1] < a.values![1])
            }
        }
        #expect(Set(front.map(\.number)) == Set(expected.map(\.number)))
        #expect(!front.isEmpty && front.count < complete.count)
        let html = StudyReport(records: records).html()
        let pareto = try #require(svgElement(id: "chart-pareto-tradeoff", in: html))
        let probe = XMLProbe(pareto)
        #expect(probe.isWellFormed)
        #expect(probe.all("polyline").first.map { $0["points"]!.split(separator: " ").count } == front.count)
        #expect(html.contains("id=\"chart-history-tradeoff-1\""))
    }

    @Test func aNewerSchemaIsRefusedByNameAndNothingIsWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("future.db").path
        try Fixtures.study(at: path)
        try sqliteExec(path, "UPDATE schema_version SET version = 99")
        let out = directory.file("future.html")
        #expect(throws: StorageError.newerSchema(path: path, found: 99, supported: SQLiteStorage.schemaVersion)) {
            try Report.write(for: path)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func filesThatAreNotStudiesAreRefused() throws {
        let directory = try TemporaryDirectory()
        let text = try directory.write("not a database", as: "notes.db")
        #expect(throws: StorageError.self) { try Report.write(for: text.path) }
        let empty = try directory.write("", as: "empty.db")
        #expect(throws: StorageError.notAStudy(path: empty.path, reason: "the file is empty")) { try Report.write(for: empty.path) }
        #expect(try Data(contentsOf: empty).isEmpty, "reading must not lay out a schema in the empty file")
        let noStudy = directory.file("none.db").path
        _ = try SQLiteStorage(path: noStudy)
        #expect(throws: ReportError.emptyStudy(path: noStudy)) { try Report.write(for: noStudy) }
    }
}
