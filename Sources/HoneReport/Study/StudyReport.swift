import Foundation
import HoneTune

/// The HTML report of a study database: per study, the optimization history with the
/// running best, the Pareto front (several objectives), parallel coordinates, parameter
/// importances, one slice plot per parameter and the trial table.
///
/// ```swift
/// let html = StudyReport(records: try StudyRecords.load(path: "study.db")).html()
/// ```
public struct StudyReport {
    /// The studies read from the database.
    public var records: StudyRecords

    /// A report of `records`.
    public init(records: StudyRecords) {
        self.records = records
    }

    /// The self-contained HTML page.
    public func html() -> String {
        let file = URL(fileURLWithPath: records.path).lastPathComponent
        let count = records.studies.count
        var page = HTMLPage(title: "Study report: \(file)", subtitle: "\(records.path) — \(count) stud\(count == 1 ? "y" : "ies")")
        for study in records.studies {
            page.sections.append(contentsOf: sections(for: study))
        }
        return page.render()
    }

    private func sections(for study: StudyRecord) -> [String] {
        let key = HTML.identifier(study.name)
        let charts = StudyCharts(study: study, key: key)
        let counts = [TrialState.complete, .pruned, .failed, .running, .waiting].compactMap { state -> String? in
            let n = study.trials.filter { $0.state == state }.count
            return n > 0 ? "\(n) \(state.rawValue)" : nil
        }
        let directions = study.directions.map(\.rawValue).joined(separator: ", ")
        var overview = [HTML.card(charts.summaryTable())]
        overview += charts.history().map { HTML.card($0) }
        if study.directions.count >= 2 { overview.append(HTML.card(charts.paretoFront())) }
        var sections = [HTML.section(
            id: "study-\(key)", title: "Study \(study.name)",
            note: "\(directions); \(study.trials.count) trials (\(counts.joined(separator: ", ")))", cards: overview)]
        let parallel = charts.parallelCoordinates()
        sections.append(HTML.section(
            id: "parameters-\(key)", title: "Parameters",
            note: "Parallel coordinates of the complete trials, coloured by the first objective; importances by fANOVA.",
            cards: [HTML.card(parallel.svg, wide: parallel.width > ChartStyle.width,
                              minimumWidth: parallel.width > ChartStyle.width ? parallel.width : nil)]
                + charts.importances().map { HTML.card($0) }))
        sections.append(HTML.section(
            id: "slices-\(key)", title: "Slices", note: "The first objective against each parameter's value.",
            cards: charts.slices().map { HTML.card($0) }))
        sections.append(HTML.section(id: "trials-\(key)", title: "Trials", cards: [HTML.card(charts.trialTable(), wide: true)]))
        return sections
    }
}
