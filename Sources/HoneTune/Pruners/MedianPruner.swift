import Foundation

/// Prunes a trial whose best intermediate value so far is worse than the given percentile
/// of the values that complete trials reported at the same step.
///
/// Mirrors Optuna's `PercentilePruner`:
/// - nothing is pruned before `startupTrials` trials completed, nor before step `warmupSteps`;
/// - pruning is judged only at the first report of each interval of `intervalSteps` steps
///   after the warm-up;
/// - at least `minTrials` complete trials must have reported the step;
/// - a trial whose intermediate values are all NaN is pruned.
public class PercentilePruner: Pruner {
    public let percentile: Double
    public let startupTrials: Int
    public let warmupSteps: Int
    public let intervalSteps: Int
    public let minTrials: Int

    public init(percentile: Double, startupTrials: Int = 5, warmupSteps: Int = 0, intervalSteps: Int = 1, minTrials: Int = 1) {
        precondition((0...100).contains(percentile), "percentile must be in [0, 100], got \(percentile)")
        precondition(startupTrials >= 0 && warmupSteps >= 0, "startupTrials and warmupSteps must be ≥ 0")
        precondition(intervalSteps >= 1 && minTrials >= 1, "intervalSteps and minTrials must be ≥ 1")
        self.percentile = percentile
        self.startupTrials = startupTrials
        self.warmupSteps = warmupSteps
        self.intervalSteps = intervalSteps
        self.minTrials = minTrials
    }

    public func shouldPrune(study: StudyView, trial: FrozenTrial) -> Bool {
        let completed = study.trials(states: [.complete])
        if completed.isEmpty || completed.count < startupTrials { return false }
        guard let step = trial.lastStep, step >= warmupSteps else { return false }
        guard isFirstInInterval(step: step, steps: trial.intermediateValues.keys) else { return false }
        let minimize = (study.directions.first ?? .minimize) == .minimize
        let own = trial.intermediateValues.values.filter { !$0.isNaN }
        guard !own.isEmpty else { return true }
        let best = minimize ? own.min()! : own.max()!
        let others = completed.compactMap { $0.intermediateValues[step] }
        guard others.count >= minTrials else { return false }
        let q = minimize ? percentile : 100 - percentile
        guard let threshold = Self.nanPercentile(others, q) else { return false }
        return minimize ? best > threshold : best < threshold
    }

    /// Whether `step` is the first report at or after the last pruning point
    /// `warmupSteps + k·intervalSteps` (reports between pruning points are not judged).
    func isFirstInInterval<S: Sequence>(step: Int, steps: S) -> Bool where S.Element == Int {
        let nearestLowerPruningStep = (step - warmupSteps) / intervalSteps * intervalSteps + warmupSteps
        let secondLast = steps.reduce(-1) { acc, s in s > acc && s != step ? s : acc }
        return secondLast < nearestLowerPruningStep
    }

    /// numpy's `nanpercentile` with linear interpolation; `nil` when every value is NaN.
    static func nanPercentile(_ values: [Double], _ q: Double) -> Double? {
        let v = values.filter { !$0.isNaN }.sorted()
        guard !v.isEmpty else { return nil }
        let rank = q / 100 * Double(v.count - 1)
        let lo = Int(rank.rounded(.down)), hi = Int(rank.rounded(.up))
        return v[lo] + (v[hi] - v[lo]) * (rank - Double(lo))
    }
}

/// Prunes a trial whose best intermediate value is worse than the median of the complete
/// trials' values at the same step (Optuna's `MedianPruner`: the 50th percentile).
///
/// ```swift
/// let study = try Study.create(pruner: MedianPruner(startupTrials: 5, warmupSteps: 2))
/// ```
public final class MedianPruner: PercentilePruner {
    public init(startupTrials: Int = 5, warmupSteps: Int = 0, intervalSteps: Int = 1, minTrials: Int = 1) {
        super.init(percentile: 50, startupTrials: startupTrials, warmupSteps: warmupSteps,
                   intervalSteps: intervalSteps, minTrials: minTrials)
    }
}
