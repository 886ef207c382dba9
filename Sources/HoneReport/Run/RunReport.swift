import Foundation
import HoneCore
import HoneTrain

/// The HTML report of one training run: findings, final metrics, the config, loss and
/// metric curves, the learning rate, per-layer gradient norms, activation statistics,
/// dead units per layer and the confusion matrix.
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
        page.sections.append(FindingsSection.html(findings))
        page.sections.append(summarySection())
        page.sections.append(curvesSection())
        page.sections.append(gradientSection())
        page.sections.append(activationSection())
        if let matrix = records.confusionMatrix {
            let chart = HeatmapChart(
                id: "chart-confusion-matrix", title: "Confusion matrix (\(Markup.value(matrix.counts.joined().reduce(0, +))) samples)",
                rowLabel: "true class", columnLabel: "predicted class", rowNames: matrix.classNames, columnNames: matrix.classNames,
                values: matrix.counts)
            page.sections.append(HTML.section(
                id: "confusion", title: "Confusion matrix", note: "Cells are shaded by their share of the true class's samples.",
                cards: [HTML.card(chart.svg())]))
        }
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
        var cards: [String] = []
        var loss = [ChartSeries(name: "train loss", x: epochs, y: records.epochs.map(\.trainLoss))]
        if records.epochs.contains(where: { $0.validationLoss != nil }) {
            loss.append(ChartSeries(name: "validation loss", x: epochs, y: records.epochs.map { $0.validationLoss ?? .nan }, dashed: true))
        }
        cards.append(HTML.card(XYChart(id: "chart-loss", title: "Loss", xLabel: "epoch", yLabel: "loss", series: loss).svg()))
        let metricNames = Set(records.epochs.flatMap { Array($0.trainMetrics.keys) + Array($0.validationMetrics.keys) }).sorted()
        for metric in metricNames {
            let series = [
                ChartSeries(name: "train \(metric)", x: epochs, y: records.epochs.map { $0.trainMetrics[metric] ?? .nan }),
                ChartSeries(name: "validation \(metric)", x: epochs, y: records.epochs.map { $0.validationMetrics[metric] ?? .nan },
                            dashed: true),
            ].filter { $0.points.contains { $0.y.isFinite } }
            cards.append(HTML.card(XYChart(
                id: "chart-metric-\(HTML.identifier(metric))", title: metric.capitalized, xLabel: "epoch", yLabel: metric,
                series: series).svg()))
        }
        let rates = records.epochs.map(\.learningRate)
        let positive = rates.filter { $0 > 0 }
        let logarithmic = positive.count == rates.count && (positive.max() ?? 1) / (positive.min() ?? 1) >= 10
        cards.append(HTML.card(XYChart(
            id: "chart-learning-rate", title: "Learning rate (end of epoch)", xLabel: "epoch", yLabel: "learning rate",
            series: [ChartSeries(name: "learning rate", x: epochs, y: rates)], yScale: logarithmic ? .logarithmic : .linear).svg()))
        return HTML.section(id: "curves", title: "Training curves", cards: cards)
    }

    private func gradientSection() -> String {
        guard !records.monitors.isEmpty else {
            return HTML.section(
                id: "gradients", title: "Gradients",
                note: "This run recorded no monitor statistics (monitors were off).", cards: [])
        }
        let epochs = records.monitors.map { Double($0.epoch) }
        let names = Set(records.monitors.flatMap { $0.gradients.keys }).sorted()
        let series = names.map { name in
            ChartSeries(name: name, x: epochs, y: records.monitors.map { $0.gradients[name]?.l2Norm ?? .nan })
        }
        let norms = XYChart(
            id: "chart-gradient-norms", title: "Gradient L2 norm per parameter", xLabel: "epoch", yLabel: "L2 norm (mean of samples)",
            series: series, yScale: .logarithmic)
        let nearZero = names.map { name in
            ChartSeries(name: name, x: epochs, y: records.monitors.map { $0.gradients[name]?.fractionNearZero ?? .nan })
        }
        let zeros = XYChart(
            id: "chart-gradient-near-zero", title: "Gradient values near zero", xLabel: "epoch", yLabel: "fraction below 1e-8",
            series: nearZero, yIncludesZero: true)
        return HTML.section(
            id: "gradients", title: "Gradients",
            note: "Norms far below 1e-4 in early layers point to vanishing gradients; a steady climb to large norms to exploding ones.",
            cards: [HTML.card(norms.svg(), wide: names.count > 8), HTML.card(zeros.svg(), wide: names.count > 8)])
    }

    private func activationSection() -> String {
        guard !records.monitors.isEmpty else {
            return HTML.section(id: "activations", title: "Activations", note: "No activation statistics were recorded.", cards: [])
        }
        let epochs = records.monitors.map { Double($0.epoch) }
        let layers = Set(records.monitors.flatMap { $0.activations.keys }).sorted { a, b in
            a.split(separator: ".").lexicographicallyPrecedes(b.split(separator: ".")) { x, y in
                if let i = Int(x), let j = Int(y) { return i < j }
                return x < y
            }
        }
        func layerName(_ layer: String) -> String {
            let type = records.monitors.last?.activations[layer]?.layerType ?? ""
            return type.isEmpty ? layer : "\(layer) (\(type))"
        }
        let standardDeviations = layers.map { layer in
            ChartSeries(name: layerName(layer), x: epochs, y: records.monitors.map { $0.activations[layer]?.standardDeviation ?? .nan })
        }
        let spread = XYChart(
            id: "chart-activation-std", title: "Activation standard deviation per layer", xLabel: "epoch", yLabel: "std (probe batch)",
            series: standardDeviations, yScale: .logarithmic)
        let latest = records.monitors.last!
        let dead = BarChart(
            id: "chart-dead-units", title: "Dead units per layer (epoch \(latest.epoch))", valueLabel: "fraction never positive",
            bars: layers.compactMap { layer in latest.activations[layer]?.deadFraction.map { (layerName(layer), $0) } },
            minimumUpperBound: 1)
        let deadOverTime = XYChart(
            id: "chart-dead-units-over-time", title: "Dead-unit fraction over time", xLabel: "epoch", yLabel: "fraction never positive",
            series: layers.map { layer in
                ChartSeries(name: layerName(layer), x: epochs, y: records.monitors.map { $0.activations[layer]?.deadFraction ?? .nan })
            }, yIncludesZero: true)
        let means = XYChart(
            id: "chart-activation-mean", title: "Activation mean per layer", xLabel: "epoch", yLabel: "mean (probe batch)",
            series: layers.map { layer in
                ChartSeries(name: layerName(layer), x: epochs, y: records.monitors.map { $0.activations[layer]?.mean ?? .nan })
            })
        let wide = layers.count > 8
        return HTML.section(
            id: "activations", title: "Activations",
            note: "Measured on a probe batch at the end of each epoch. A unit never positive over the batch is dead after a ReLU.",
            cards: [HTML.card(dead.svg()), HTML.card(deadOverTime.svg(), wide: wide), HTML.card(spread.svg(), wide: wide),
                    HTML.card(means.svg(), wide: wide)])
    }
}
