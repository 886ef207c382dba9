import Foundation
import HoneTrain

/// The step losses smoothed over `window` records (a running mean).
func smoothedLosses(_ run: RunStatistics, window: Int = 3) -> [(step: Int, epoch: Int, loss: Double)] {
    let steps = run.monitors.steps
    guard steps.count >= window else { return [] }
    return (window - 1..<steps.count).map { end in
        let slice = steps[(end - window + 1)...end]
        return (steps[end].step, steps[end].epoch, slice.reduce(0) { $0 + $1.loss } / Double(window))
    }
}

/// The step losses cut into eight consecutive segments (four for fewer than 24 records,
/// none for fewer than 8), each summarized by its median and its last step: a loss curve
/// robust to a lucky or unlucky stretch of batches.
func segmentMedians(_ run: RunStatistics) -> [(step: Int, epoch: Int, loss: Double)] {
    let steps = run.monitors.steps
    guard steps.count >= 8 else { return [] }
    let count = steps.count >= 24 ? 8 : 4
    return (0..<count).compactMap { index in
        let slice = steps[(index * steps.count / count)..<((index + 1) * steps.count / count)]
        guard let last = slice.last, let middle = median(slice.map(\.loss)) else { return nil }
        return (last.step, last.epoch, middle)
    }
}

/// Each weight layer's median update-to-weight ratio over the samples: how far a step
/// moves its weights, relative to their size.
func layerUpdateRatios(_ run: RunStatistics) -> [Double] {
    let names = Set(run.weightParameterNames)
    var ratios: [String: [Double]] = [:]
    for sample in run.monitors.samples {
        for parameter in sample.parameters where names.contains(parameter.name) {
            if let ratio = parameter.updateRatio { ratios[parameter.name, default: []].append(ratio) }
        }
    }
    return ratios.values.compactMap(median)
}

/// The update ratio of the fastest-learning weight layer.
func fastestUpdateRatio(_ run: RunStatistics) -> Double? { layerUpdateRatios(run).max() }

/// The learning-rate fix: `factor` times the configured rate (the optimizer's default
/// rate when the config leaves it out: 0.01 for SGD, 0.001 for the others).
func learningRateFix(_ run: RunStatistics, factor: Double) -> ConfigFix {
    let name = ConfigFix.value(at: "optimizer.name", in: run.config)
    return .scale(path: "optimizer.learning_rate", factor: factor, default: name == .string("sgd") ? 0.01 : 0.001)
}

/// A learning rate too high: the loss diverges (it becomes non-finite, or the median of
/// the last eighth of the step losses ends 50% above the lowest eighth's), oscillates (consecutive running means of 10-step
/// stretches differ by half the loss while it no longer falls), or stays at chance level
/// while the weights change by over 1% per step.
///
/// Rationale: the loss is averaged over stretches of steps, so batch noise is already
/// smoothed away; a training loss that climbs 50% back up, or jumps by half its value
/// from one stretch to the next, comes from steps that overshoot. Healthy updates move
/// the weights by about 0.1% per step (update-to-weight ratio near 1e-3, Karpathy's rule
/// of thumb from CS231n); ten times that with no progress means the steps are too long.
public struct LearningRateTooHighRule: DiagnosisRule {
    /// How far above the lowest segment median the last one must end to count as diverging.
    public var divergenceFactor = 1.5
    /// The jump between stretches, relative to the loss, that counts as oscillation.
    public var oscillationFraction = 0.5
    /// The update-to-weight ratio above which steps are too long.
    public var updateRatioThreshold = 0.01

    public var id: String { "learning_rate_too_high" }

    /// The rule with its default thresholds.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        let remedy = "lower the learning rate, add warm-up or a decaying schedule, clip gradients by global norm"
        if let failure = run.monitors.failure, failure.message.contains("loss") || failure.message.contains("gradient") {
            return [Finding(
                rule: id, severity: .error, summary: "the loss diverged to a non-finite value", epoch: failure.epoch, step: failure.step,
                evidence: ["value": failure.value ?? .nan], remedy: remedy, fixes: [learningRateFix(run, factor: 0.01)])]
        }
        let segments = segmentMedians(run)
        if let lowest = segments.min(by: { $0.loss < $1.loss }), let last = segments.last, lowest.step < last.step,
            last.loss > divergenceFactor * lowest.loss
        {
            return [Finding(
                rule: id, severity: .warning,
                summary: "the training loss climbed from \(Finding.format(lowest.loss)) (step \(lowest.step)) to \(Finding.format(last.loss))",
                epoch: last.epoch, step: last.step,
                evidence: ["lowest_loss": lowest.loss, "final_loss": last.loss, "divergence_factor": divergenceFactor],
                remedy: remedy, fixes: [learningRateFix(run, factor: 0.1)])]
        }
        let steps = run.monitors.steps
        if steps.count >= 8 {
            let half = Array(steps.suffix(steps.count / 2))
            let jumps = zip(half, half.dropFirst()).map { abs($1.loss - $0.loss) }
            let quarter = half.count / 2
            let earlier = half.prefix(quarter).reduce(0) { $0 + $1.loss } / Double(quarter)
            let later = half.suffix(quarter).reduce(0) { $0 + $1.loss } / Double(quarter)
            if let jump = median(jumps), let level = median(half.map(\.loss)), level > 0, jump > oscillationFraction * level, later >= earlier {
                return [Finding(
                    rule: id, severity: .warning, summary: "the training loss oscillates without falling",
                    epoch: half.last!.epoch, step: half.last!.step,
                    evidence: ["median_jump": jump, "median_loss": level, "oscillation_fraction": oscillationFraction],
                    remedy: remedy, fixes: [learningRateFix(run, factor: 0.1)])]
            }
        }
        // The typical layer, not the fastest: when gradients vanish only the head moves,
        // and that is not the learning rate's doing.
        if let classes = run.classCount, classes > 1, let typical = median(layerUpdateRatios(run)), typical > updateRatioThreshold,
            steps.count >= 4
        {
            let late = steps.suffix(steps.count / 2).map(\.loss)
            let mean = late.reduce(0, +) / Double(late.count)
            let chance = log(Double(classes))
            if mean >= 0.9 * chance {
                return [Finding(
                    rule: id, severity: .warning,
                    summary: "the loss stays at chance level (\(Finding.format(mean)) vs ln \(classes) = \(Finding.format(chance))) while weights change \(Finding.format(typical * 100))% per step",
                    epoch: steps.last!.epoch, step: steps.last!.step,
                    evidence: ["loss": mean, "chance_loss": chance, "median_layer_update_ratio": typical, "update_ratio_threshold": updateRatioThreshold],
                    remedy: remedy, fixes: [learningRateFix(run, factor: 0.01)])]
            }
        }
        return []
    }
}

/// A learning rate too low: the training loss falls by less than 10% from the first
/// stretch of steps to the last, while even the fastest layer moves its weights by less
/// than 0.01% per step.
///
/// Rationale: an update-to-weight ratio a hundred times below the healthy 1e-3 means
/// hundreds of thousands of steps to change a weight noticeably; together with a flat
/// loss it is the learning rate, not the model, that limits training.
public struct LearningRateTooLowRule: DiagnosisRule {
    /// The relative loss decrease below which the loss counts as flat.
    public var flatFraction = 0.1
    /// The update-to-weight ratio below which steps are too short.
    public var updateRatioThreshold = 1e-4

    public var id: String { "learning_rate_too_low" }

    /// The rule with its default thresholds.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        let smoothed = smoothedLosses(run)
        guard smoothed.count >= 4, let first = smoothed.first, let last = smoothed.last, first.loss > 0,
            let fastest = fastestUpdateRatio(run), fastest < updateRatioThreshold
        else { return [] }
        let drop = (first.loss - last.loss) / first.loss
        guard drop < flatFraction else { return [] }
        return [Finding(
            rule: id, severity: .warning,
            summary: "the loss is flat (\(Finding.format(drop * 100))% lower) and weights move \(Finding.format(fastest * 100))% per step at most",
            epoch: last.epoch, step: last.step,
            evidence: ["loss_decrease_fraction": drop, "flat_fraction": flatFraction, "update_ratio": fastest,
                       "update_ratio_threshold": updateRatioThreshold],
            remedy: "raise the learning rate (or find it with a learning-rate range test), use Adam",
            fixes: [learningRateFix(run, factor: 10)])]
    }
}
