import Foundation
import HoneTrain

/// Inputs far from zero mean and unit scale, as the model sees them: a standard
/// deviation above 5 or below 1/5, or a mean more than 5 from zero.
///
/// Rationale: He and Glorot initializations assume inputs of unit variance; inputs 5×
/// larger make first-layer pre-activations 5× larger (saturating Sigmoid/Tanh, killing
/// ReLUs) and first-layer gradients 5× larger, so one learning rate cannot suit all
/// layers. Raw 8-bit pixels (0–255) are about a hundred times off; images scaled to
/// [0, 1] are within bounds.
public struct UnscaledInputsRule: DiagnosisRule {
    /// The factor away from unit scale that counts as unscaled.
    public var factor = 5.0

    public var id: String { "unscaled_inputs" }

    /// The rule with its default threshold.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        guard let sample = run.monitors.samples.first, sample.input.count > 1 else { return [] }
        let mean = sample.input.mean, deviation = sample.input.standardDeviation
        let tooLarge = deviation > factor || abs(mean) > factor
        let tooSmall = deviation < 1 / factor && sample.input.max > sample.input.min
        guard tooLarge || tooSmall else { return [] }
        return [Finding(
            rule: id, severity: .warning,
            summary: "inputs have mean \(Finding.format(mean)) and standard deviation \(Finding.format(deviation)), far from 0 and 1",
            epoch: sample.epoch, step: sample.step,
            evidence: ["input_mean": mean, "input_std": deviation, "input_min": sample.input.min, "input_max": sample.input.max,
                       "factor": factor],
            remedy: "standardize the inputs (zero mean, unit variance) or normalize them to [0, 1]",
            fixes: [.set(path: "data.scaling", value: .string("standardize"))])]
    }
}

/// Imbalanced classes: over the sampled batches, the most frequent class is more than
/// three times as frequent as the least frequent one.
///
/// Rationale: beyond 3:1 a classifier can reach high accuracy by favoring the majority
/// classes, so accuracy stops measuring what matters; the counts come from hundreds of
/// sampled inputs, enough for a 3:1 ratio not to be chance.
public struct ClassImbalanceRule: DiagnosisRule {
    /// The majority-to-minority ratio that counts as imbalanced.
    public var ratio = 3.0
    /// The sampled labels needed before judging.
    public var minimumSamples = 200

    public var id: String { "class_imbalance" }

    /// The rule with its default thresholds.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        var totals: [Int] = []
        for sample in run.monitors.samples {
            guard let counts = sample.labelCounts else { continue }
            if totals.count < counts.count { totals += [Int](repeating: 0, count: counts.count - totals.count) }
            for (label, count) in counts.enumerated() { totals[label] += count }
        }
        let classes = max(run.classCount ?? 0, totals.count)
        if totals.count < classes { totals += [Int](repeating: 0, count: classes - totals.count) }
        let total = totals.reduce(0, +)
        guard classes > 1, total >= minimumSamples, let most = totals.max(), let least = totals.min() else { return [] }
        let observed = least > 0 ? Double(most) / Double(least) : .infinity
        guard observed > ratio else { return [] }
        let minority = totals.firstIndex(of: least)!, majority = totals.firstIndex(of: most)!
        return [Finding(
            rule: id, severity: .warning,
            summary: "class \(majority) is \(Finding.format(observed))× as frequent as class \(minority) in the sampled batches",
            evidence: ["imbalance_ratio": observed, "threshold": ratio, "majority_fraction": Double(most) / Double(total),
                       "minority_fraction": Double(least) / Double(total), "sampled_labels": Double(total)],
            remedy: "report macro-F1 rather than accuracy, resample or select the classes (data.classes), collect more minority data")]
    }
}
