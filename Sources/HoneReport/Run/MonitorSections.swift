import Foundation
import HoneTrain

/// The gradient and activation sections of a run report, drawn from `monitors.jsonl`.
struct MonitorSections {
    /// The run's monitor records, nil when it recorded none.
    let log: MonitorLog?

    /// Histogram timelines keep at most this many snapshots (evenly spaced, first and last
    /// included), so a long run's report stays a few megabytes.
    static let maximumSnapshots = 60
    /// Histogram timelines are drawn for at most this many layers or parameters.
    static let maximumTimelines = 12

    private var samples: [SampleRecord] { log?.samples ?? [] }

    private static let noMonitors = "This run recorded no monitor statistics (monitors were off)."

    /// Global gradient norm per step, per-parameter gradient norms, update-to-weight
    /// ratios and gradient histograms of the weights.
    func gradientSection() -> String {
        guard let log, !(log.steps.isEmpty && log.samples.isEmpty) else {
            return HTML.section(id: "gradients", title: "Gradients", note: Self.noMonitors, cards: [])
        }
        var cards: [String] = []
        let steps = log.steps.map { Double($0.step) }
        var global = [ChartSeries(name: "before clipping", x: steps, y: log.steps.map(\.gradientNorm))]
        if log.steps.contains(where: { $0.clippedGradientNorm != $0.gradientNorm }) {
            global.append(ChartSeries(name: "after clipping", x: steps, y: log.steps.map(\.clippedGradientNorm), dashed: true))
        }
        cards.append(HTML.card(XYChart(
            id: "chart-gradient-global-norm", title: "Gradient global norm", xLabel: "step", yLabel: "L2 norm of all gradients",
            series: global, yScale: .logarithmic).svg()))
        let names = parameterNames()
        let sampleSteps = samples.map { Double($0.step) }
        func perParameter(_ value: @escaping (ParameterSample) -> Double?) -> [ChartSeries] {
            names.map { name in
                ChartSeries(name: name, x: sampleSteps, y: samples.map { sample in
                    sample.parameters.first { $0.name == name }.flatMap(value) ?? .nan
                })
            }
        }
        cards.append(HTML.card(XYChart(
            id: "chart-gradient-norms", title: "Gradient L2 norm per parameter", xLabel: "step", yLabel: "L2 norm",
            series: perParameter { $0.gradientNorm }, yScale: .logarithmic).svg()))
        cards.append(HTML.card(XYChart(
            id: "chart-update-ratio", title: "Update-to-weight ratio per parameter", xLabel: "step", yLabel: "‖Δw‖ / ‖w‖",
            series: perParameter { $0.updateRatio }, yScale: .logarithmic).svg()))
        for name in names.filter({ $0.hasSuffix("weight") }).prefix(Self.maximumTimelines) {
            let snapshots = Self.thinned(samples).compactMap { sample in
                sample.parameters.first { $0.name == name }.map { Self.snapshot($0.gradientHistogram, step: sample.step) }
            }
            cards.append(HTML.card(HistogramTimeline(
                id: "chart-gradient-histogram-\(HTML.identifier(name))", title: "Gradients of \(name)", xLabel: "step",
                yLabel: "gradient value", snapshots: snapshots).svg()))
        }
        return HTML.section(
            id: "gradients", title: "Gradients",
            note: "Norms far below 1e-4 in early layers point to vanishing gradients, a climb over orders of magnitude to "
                + "exploding ones; an update-to-weight ratio near 1e-3 is the usual healthy pace.",
            cards: cards)
    }

    /// Input and activation histograms over time, dead units and saturated outputs per layer.
    func activationSection() -> String {
        guard let last = samples.last else {
            return HTML.section(id: "activations", title: "Activations", note: log == nil ? Self.noMonitors : "No sampled statistics yet.",
                                cards: [])
        }
        let layers = layerNames()
        let types = Dictionary(samples.flatMap(\.layers).map { ($0.name, $0.type) }, uniquingKeysWith: { _, latest in latest })
        func label(_ layer: String) -> String { types[layer].map { "\(layer) (\($0))" } ?? layer }
        let sampleSteps = samples.map { Double($0.step) }
        func perLayer(_ value: @escaping (LayerSample) -> Double?) -> [ChartSeries] {
            layers.compactMap { layer in
                let values = samples.map { sample in sample.layers.first { $0.name == layer }.flatMap(value) ?? .nan }
                return values.contains(where: \.isFinite) ? ChartSeries(name: label(layer), x: sampleSteps, y: values) : nil
            }
        }
        var cards: [String] = []
        let deadBars = last.layers.compactMap { layer in layer.deadFraction.map { (label: label(layer.name), value: $0) } }
        cards.append(HTML.card(BarChart(
            id: "chart-dead-units", title: "Dead units per layer (step \(last.step))", valueLabel: "fraction never positive",
            bars: deadBars, minimumUpperBound: 1).svg()))
        cards.append(HTML.card(XYChart(
            id: "chart-dead-units-over-time", title: "Dead-unit fraction over time", xLabel: "step", yLabel: "fraction never positive",
            series: perLayer { $0.deadFraction }, yIncludesZero: true).svg()))
        let saturated = perLayer { $0.saturatedFraction }
        if !saturated.isEmpty {
            cards.append(HTML.card(XYChart(
                id: "chart-saturation", title: "Saturated Sigmoid/Tanh outputs", xLabel: "step", yLabel: "fraction within 1% of the ends",
                series: saturated, yIncludesZero: true).svg()))
        }
        cards.append(HTML.card(XYChart(
            id: "chart-activation-std", title: "Activation standard deviation per layer", xLabel: "step", yLabel: "std",
            series: perLayer { $0.histogram.standardDeviation }, yScale: .logarithmic).svg()))
        let thinned = Self.thinned(samples)
        cards.append(HTML.card(HistogramTimeline(
            id: "chart-input-histogram", title: "Inputs as the model sees them", xLabel: "step", yLabel: "input value",
            snapshots: thinned.map { Self.snapshot($0.input, step: $0.step) }).svg()))
        for layer in layers.prefix(Self.maximumTimelines) {
            let snapshots = thinned.compactMap { sample in
                sample.layers.first { $0.name == layer }.map { Self.snapshot($0.histogram, step: sample.step) }
            }
            cards.append(HTML.card(HistogramTimeline(
                id: "chart-activation-histogram-\(HTML.identifier(layer))", title: "Outputs of \(label(layer))", xLabel: "step",
                yLabel: "activation", snapshots: snapshots).svg()))
        }
        return HTML.section(
            id: "activations", title: "Activations",
            note: "Sampled on training batches with the model in evaluation mode. A ReLU unit never positive over an epoch's "
                + "samples is dead; each histogram column is shaded relative to its own fullest bin.",
            cards: cards)
    }

    /// Parameter names in the model's order, as first sampled.
    private func parameterNames() -> [String] {
        var names: [String] = []
        for sample in samples { for parameter in sample.parameters where !names.contains(parameter.name) { names.append(parameter.name) } }
        return names
    }

    /// Layer names in call order, as first sampled.
    private func layerNames() -> [String] {
        var names: [String] = []
        for sample in samples { for layer in sample.layers where !names.contains(layer.name) { names.append(layer.name) } }
        return names
    }

    /// At most ``maximumSnapshots`` of `samples`, evenly spaced, keeping the first and last.
    static func thinned(_ samples: [SampleRecord]) -> [SampleRecord] {
        guard samples.count > maximumSnapshots else { return samples }
        let last = Double(samples.count - 1)
        return (0..<maximumSnapshots).map { samples[Int((Double($0) * last / Double(maximumSnapshots - 1)).rounded())] }
    }

    /// A monitor histogram as a chart snapshot: equal-width buckets from min to max.
    static func snapshot(_ histogram: Histogram, step: Int) -> HistogramSnapshot {
        let edges = [histogram.min] + histogram.upperEdges
        return HistogramSnapshot(step: Double(step), edges: edges, counts: histogram.counts.map(Double.init))
    }
}
