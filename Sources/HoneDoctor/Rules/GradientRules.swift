import Foundation
import HoneTrain

/// One check over a run's statistics; every finding it returns names this rule's id.
///
/// Thresholds are stated in each rule with the reason they sit where they do: they are
/// orders of magnitude on scale-free quantities (ratios, fractions), not values fitted to
/// particular runs.
public protocol DiagnosisRule: Sendable {
    /// The rule's identifier, in snake case.
    var id: String { get }
    /// What the rule finds in `run` (empty when it is healthy or the data is missing).
    func findings(in run: RunStatistics) -> [Finding]
}

/// The gradient norm of each weight layer relative to its weight norm, input side first,
/// for every sample: how fast each layer learns, independent of its size.
func relativeGradients(_ run: RunStatistics) -> [(step: Int, epoch: Int, values: [(name: String, ratio: Double)])] {
    let names = run.weightParameterNames
    return run.monitors.samples.map { sample in
        let byName = Dictionary(sample.parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let values = names.compactMap { name -> (name: String, ratio: Double)? in
            guard let parameter = byName[name], parameter.weightNorm > 0 else { return nil }
            return (name, parameter.gradientNorm / parameter.weightNorm)
        }
        return (sample.step, sample.epoch, values)
    }
}

/// Gradients that shrink on their way back to the input: the first weight layer's
/// relative gradient (‖∇W‖/‖W‖) is below 1/100 of the last layer's, as the median over
/// the samples, in a model with at least three weight layers.
///
/// Rationale: with a sound initialization the relative gradients of all layers stay
/// within about an order of magnitude of each other (Glorot & Bengio 2010); a factor of
/// 100 means the early layers learn a hundred times slower than the head, which is what
/// saturating activations (Sigmoid′ ≤ 1/4 per layer) or missing normalization produce in
/// deep stacks.
public struct VanishingGradientsRule: DiagnosisRule {
    /// The first-to-last ratio below which gradients vanish.
    public var threshold = 0.01

    public var id: String { "vanishing_gradients" }

    /// The rule with its default threshold.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        let series = relativeGradients(run).filter { $0.values.count >= 3 }
        let ratios = series.compactMap { sample -> Double? in
            guard let first = sample.values.first?.ratio, let last = sample.values.last?.ratio, last > 0 else { return nil }
            return first / last
        }
        guard let typical = median(ratios), typical < threshold, let example = series.last else { return [] }
        let usesSaturating = run.layerTypes.values.contains { $0 == "Sigmoid" || $0 == "Tanh" }
        var fixes: [ConfigFix] = [.normalizeBeforeActivations]
        if usesSaturating { fixes.append(.replaceActivations(["sigmoid", "tanh"], by: "relu")) }
        return [Finding(
            rule: id, severity: .warning,
            summary: "gradients vanish toward the input: \(example.values.first!.name) learns \(Finding.format(1 / typical))× slower than \(example.values.last!.name)",
            layer: example.values.first!.name, epoch: example.epoch, step: example.step,
            evidence: ["first_to_last_relative_gradient": typical, "threshold": threshold,
                       "first_relative_gradient": example.values.first!.ratio, "last_relative_gradient": example.values.last!.ratio,
                       "weight_layers": Double(example.values.count)],
            remedy: "add BatchNorm between layers, use ReLU-family activations with He initialization instead of Sigmoid/Tanh, or residual connections",
            fixes: fixes)]
    }
}

/// Gradients that blow up: the global gradient norm grows a hundredfold from the start
/// of training to its end (medians of the first and last quarters of the step records),
/// or the first weight layer's relative gradient is over 100× the last's.
///
/// Rationale: as training converges gradient norms shrink or level off; a hundredfold
/// growth is the unstable regime Pascanu et al. 2013 describe, which norm clipping
/// bounds. The layer ratio mirrors ``VanishingGradientsRule``.
public struct ExplodingGradientsRule: DiagnosisRule {
    /// The growth factor that counts as exploding.
    public var growthThreshold = 100.0

    public var id: String { "exploding_gradients" }

    /// The rule with its default threshold.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        var findings: [Finding] = []
        let norms = run.monitors.steps.map(\.gradientNorm)
        if norms.count >= 8, let start = median(Array(norms.prefix(norms.count / 4))), let end = median(Array(norms.suffix(norms.count / 4))),
            start > 0, end.isFinite, end / start > growthThreshold
        {
            let last = run.monitors.steps.last!
            findings.append(Finding(
                rule: id, severity: .warning, summary: "the gradient norm grew \(Finding.format(end / start))× during training",
                epoch: last.epoch, step: last.step,
                evidence: ["gradient_norm_start": start, "gradient_norm_end": end, "growth_threshold": growthThreshold],
                remedy: "clip gradients by global norm, lower the learning rate, add BatchNorm",
                fixes: [.setIfAbsent(path: "callbacks.gradient_clipping.max_norm", value: ConfigFix.number(max(start, 1e-3)))]))
        }
        let series = relativeGradients(run).filter { $0.values.count >= 3 }
        let ratios = series.compactMap { sample -> Double? in
            guard let first = sample.values.first?.ratio, let last = sample.values.last?.ratio, last > 0 else { return nil }
            return first / last
        }
        if let typical = median(ratios), typical > growthThreshold, typical.isFinite, let example = series.last {
            findings.append(Finding(
                rule: id, severity: .warning,
                summary: "gradients grow toward the input: \(example.values.first!.name) gets \(Finding.format(typical))× the relative gradient of \(example.values.last!.name)",
                layer: example.values.first!.name, epoch: example.epoch, step: example.step,
                evidence: ["first_to_last_relative_gradient": typical, "threshold": growthThreshold],
                remedy: "clip gradients by global norm, add BatchNorm, check the initialization (He for ReLU)",
                fixes: [.setIfAbsent(path: "callbacks.gradient_clipping.max_norm", value: ConfigFix.number(1))]))
        }
        return findings
    }
}

/// NaN or infinity in the loss, a gradient, or the recorded statistics.
///
/// Rationale: no threshold; one non-finite value ends training (the trainer stops) or
/// poisons every weight it reaches.
public struct NonFiniteRule: DiagnosisRule {
    public var id: String { "non_finite" }

    /// The rule.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        let remedy = "lower the learning rate (or add warm-up), clip gradients by global norm, standardize the inputs"
        let fixes: [ConfigFix] = [.setIfAbsent(path: "callbacks.gradient_clipping.max_norm", value: ConfigFix.number(1))]
        if let failure = run.monitors.failure {
            return [Finding(
                rule: id, severity: .error, summary: "training stopped: \(failure.message)", epoch: failure.epoch, step: failure.step,
                evidence: ["value": failure.value ?? .nan], remedy: remedy, fixes: fixes)]
        }
        if let step = run.monitors.steps.first(where: { !$0.loss.isFinite || !$0.gradientNorm.isFinite }) {
            return [Finding(
                rule: id, severity: .error, summary: "a non-finite loss or gradient norm was recorded", epoch: step.epoch, step: step.step,
                evidence: ["loss": step.loss, "gradient_norm": step.gradientNorm], remedy: remedy, fixes: fixes)]
        }
        for sample in run.monitors.samples {
            if let layer = sample.layers.first(where: { $0.histogram.nonFiniteCount > 0 }) {
                return [Finding(
                    rule: id, severity: .error, summary: "layer \(layer.name) output NaN or infinity", layer: layer.name,
                    epoch: sample.epoch, step: sample.step, evidence: ["non_finite_values": Double(layer.histogram.nonFiniteCount)],
                    remedy: remedy, fixes: fixes)]
            }
        }
        if let epoch = run.epochs.first(where: { !$0.trainLoss.isFinite || !($0.validationLoss ?? 0).isFinite }) {
            return [Finding(
                rule: id, severity: .error, summary: "a non-finite epoch loss was recorded", epoch: epoch.epoch,
                evidence: ["train_loss": epoch.trainLoss, "val_loss": epoch.validationLoss ?? .nan], remedy: remedy, fixes: fixes)]
        }
        return []
    }
}
