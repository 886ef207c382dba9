import Foundation
import HoneCore
import HoneTrain

/// The HTML report of one training run: findings, final metrics, the config, loss and
/// metric curves, the learning rate, gradient norms (global and per parameter),
/// activation histograms over time, dead units per layer, the confusion matrix and the
/// explanations `hone explain` wrote.
///
/// ```swift
/// let records = try RunRecords.load(from: runDirectory)
/// let html = RunReport(records: records, findings: doctorFindings).html()
/// ```
public struct RunReport {
    /// What the run directory records.
    public var records: RunRecords
    /// Diagnoses to show at the top.
    public var findings: [ReportFinding]

    /// A report of `records` with `findings`.
    public init(records: RunRecords, findings: [ReportFinding] = []) {
        self.records = records
        self.findings = findings
    }

    /// The self-contained HTML page.
    public func html() -> String {
        let name = records.directory.standardizedFileURL.lastPathComponent
        let finished = !records.finalMetrics.isEmpty
        let status = finished ? "finished" : "not finished (no final_metrics.json yet)"
        var page = HTMLPage(
            title: "Run \(name)",
            subtitle: "\(records.directory.path) — \(records.epochs.count) epoch\(records.epochs.count == 1 ? "" : "s") recorded, \(status)")
        if let failure = records.monitors?.failure {
            page.sections.append(HTML.section(
                id: "failure", title: "Training failed",
                note: "Epoch \(failure.epoch), step \(failure.step): \(failure.message)", cards: []))
        }
        page.sections.append(FindingsSection.html(findings))
        page.sections.append(summarySection())
        page.sections.append(curvesSection())
        let monitors = MonitorSections(log: records.monitors)
        page.sections.append(monitors.gradientSection())
        page.sections.append(monitors.activationSection())
        if let matrix = records.confusionMatrix {
            let chart = HeatmapChart(
                id: "chart-confusion-matrix", title: "Confusion matrix (\(Markup.value(matrix.counts.joined().reduce(0, +))) samples)",
                rowLabel: "true class", columnLabel: "predicted class", rowNames: matrix.classNames, columnNames: matrix.classNames,
                values: matrix.counts)
            page.sections.append(HTML.section(
                id: "confusion", title: "Confusion matrix", note: "Cells are shaded by their share of the true class's samples.",
                cards: [HTML.card(chart.svg())]))
        }
        page.sections += ExplanationSections.html(records.explanations)
        return page.render()
    }

    private func summarySection() -> String {
        var cards: [String] = []
        if !records.finalMetrics.isEmpty {
            let rows = records.finalMetrics.map { [$0.name, Markup.value($0.value)] }
            cards.append(HTML.card(HTML.table(id: "table-final-metrics", headers: ["final metric", "value"], rows: rows)))
        }
        if let config = records.config {
            cards.append(HTML.card(HTML.preformatted(id: "config", config.serialized())))
        }
        return HTML.section(
            id: "summary", title: "Final metrics and config",
            note: records.finalMetrics.isEmpty ? "The run has not written its final metrics yet." : nil, cards: cards)
    }

    private func curvesSection() -> String {
        let epochs = records.epochs.map { Double($0.epoch) }
        let steps = records.monitors?.steps ?? []
        var cards: [String] = []
        var loss = [ChartSeries(name: "train loss", x: epochs, y: records.epochs.map(\.trainLoss))]
        if records.epochs.contains(where: { $0.validationLoss != nil }) {
            loss.append(ChartSeries(name: "validation loss", x: epochs, y: records.epochs.map { $0.validationLoss ?? .nan }, dashed: true))
        }
        cards.append(HTML.card(XYChart(id: "chart-loss", title: "Loss per epoch", xLabel: "epoch", yLabel: "loss", series: loss).svg()))
        if !steps.isEmpty {
            let stepLoss = ChartSeries(name: "train loss", x: steps.map { Double($0.step) }, y: steps.map(\.loss))
            cards.append(HTML.card(XYChart(
                id: "chart-step-loss", title: "Training loss per step", xLabel: "step", yLabel: "loss (mean over the stretch)",
                series: [stepLoss]).svg()))
        }
        let metricNames = Set(records.epochs.flatMap { Array($0.trainMetrics.keys) + Array($0.validationMetrics.keys) }).sorted()
        for metric in metricNames {
            let series = [
                ChartSeries(name: "train \(metric)", x: epochs, y: records.epochs.map { $0.trainMetrics[metric] ?? .nan }),
                ChartSeries(name: "validation \(metric)", x: epochs, y: records.epochs.map { $0.validationMetrics[metric] ?? .nan },
                            dashed: true),
            ].filter { $0.points.contains { $0.y.isFinite } }
            cards.append(HTML.card(XYChart(
                id: "chart-metric-\(HTML.identifier(metric))", title: metric.replacingOccurrences(of: "_", with: " ").capitalized,
                xLabel: "epoch", yLabel: metric, series: series).svg()))
        }
        // Per step when the monitors recorded it (warm-up and per-batch schedules show), else per epoch.
        let rates = steps.isEmpty ? records.epochs.map(\.learningRate) : steps.map(\.learningRate)
        let rateSteps = steps.isEmpty ? epochs : steps.map { Double($0.step) }
        let positive = rates.filter { $0 > 0 }
        let logarithmic = positive.count == rates.count && (positive.max() ?? 1) / (positive.min() ?? 1) >= 10
        cards.append(HTML.card(XYChart(
            id: "chart-learning-rate", title: "Learning rate", xLabel: steps.isEmpty ? "epoch" : "step", yLabel: "learning rate",
            series: [ChartSeries(name: "learning rate", x: rateSteps, y: rates)], yScale: logarithmic ? .logarithmic : .linear).svg()))
        if !steps.isEmpty {
            cards.append(HTML.card(XYChart(
                id: "chart-throughput", title: "Throughput", xLabel: "step", yLabel: "samples/s",
                series: [ChartSeries(name: "samples/s", x: steps.map { Double($0.step) }, y: steps.map(\.samplesPerSecond))],
                yIncludesZero: true).svg()))
        }
        return HTML.section(id: "curves", title: "Training curves", cards: cards)
    }
}
