import Foundation
import HoneTrain

/// ReLU-family layers whose units never fire: at the last sample of the last epoch, at
/// least half of a ReLU or PReLU layer's units (a quarter for an info) were not positive
/// for any sample of any batch sampled in that epoch.
///
/// Rationale: a unit that is never positive passes no gradient to the weights feeding it,
/// so it cannot recover; over several sampled batches (hundreds of inputs) a healthy unit
/// fires for some input. Losing half a layer halves its capacity. LeakyReLU units still
/// pass gradient, so they are reported as info only.
public struct DeadUnitsRule: DiagnosisRule {
    /// The dead fraction that makes a warning.
    public var warningFraction = 0.5
    /// The dead fraction that makes an info.
    public var infoFraction = 0.25

    public var id: String { "dead_relu" }

    /// The rule with its default thresholds.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        guard let sample = run.lastEpochSamples.last else { return [] }
        return sample.layers.compactMap { layer -> Finding? in
            guard let fraction = layer.deadFraction, fraction >= infoFraction, let dead = layer.deadCount else { return nil }
            let severity: Severity = fraction >= warningFraction && layer.type != "LeakyReLU" ? .warning : .info
            return Finding(
                rule: id, severity: severity,
                summary: "\(dead) of \(layer.unitCount) units of \(layer.type) layer \(layer.name) never fire",
                layer: layer.name, epoch: sample.epoch, step: sample.step,
                evidence: ["dead_fraction": fraction, "dead_units": Double(dead), "units": Double(layer.unitCount),
                           "threshold": severity == .warning ? warningFraction : infoFraction],
                remedy: "use LeakyReLU or PReLU, He initialization, a lower learning rate; BatchNorm before the activation",
                fixes: severity == .warning ? [.replaceActivations(["relu"], by: "leaky_relu")] : [])
        }
    }
}

/// Sigmoid or Tanh layers stuck at their ends: the median over the last epoch's samples of
/// the fraction of outputs within 1% of the range's ends is at least one half (a quarter
/// for an info).
///
/// Rationale: there the derivative is under 4% of its peak (σ′ ≤ 0.0099 against 0.25),
/// so a layer with half its outputs saturated passes back a fraction of the gradient and
/// learns little (LeCun et al. 1998, "Efficient BackProp").
public struct SaturationRule: DiagnosisRule {
    /// The saturated fraction that makes a warning.
    public var warningFraction = 0.5
    /// The saturated fraction that makes an info.
    public var infoFraction = 0.25

    public var id: String { "saturated_activations" }

    /// The rule with its default thresholds.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        let samples = run.lastEpochSamples
        guard let last = samples.last else { return [] }
        return last.layers.compactMap { layer -> Finding? in
            let fractions = samples.compactMap { sample in sample.layers.first { $0.name == layer.name }?.saturatedFraction }
            guard let fraction = median(fractions), fraction >= infoFraction else { return nil }
            let severity: Severity = fraction >= warningFraction ? .warning : .info
            return Finding(
                rule: id, severity: severity,
                summary: "\(Finding.format(fraction * 100))% of \(layer.type) layer \(layer.name)'s outputs are saturated",
                layer: layer.name, epoch: last.epoch, step: last.step,
                evidence: ["saturated_fraction": fraction, "threshold": severity == .warning ? warningFraction : infoFraction],
                remedy: "standardize the inputs, add BatchNorm before the activation, or use ReLU-family activations",
                fixes: severity == .warning ? [.normalizeBeforeActivations, .set(path: "data.scaling", value: .string("standardize"))] : [])
        }
    }
}
