/// Cuts the learning rate by `factor` when a metric has stopped improving for `patience`
/// evaluations, as PyTorch's `ReduceLROnPlateau`. A stateful policy: its counters are
/// `Codable`, so a resumed run reduces at the same evaluation an uninterrupted one would.
///
/// ```swift
/// var plateau = ReduceOnPlateau(learningRate: 0.1, patience: 5)
/// for epoch in 0..<100 {
///     train(epoch)
///     plateau.step(metric: validationLoss(), optimizer: optimizer)
/// }
/// ```
public struct ReduceOnPlateau: Codable, Equatable, Sendable {
    /// Whether lower or higher metric values are better.
    public enum Mode: String, Codable, Sendable {
        /// Lower is better (a loss).
        case min
        /// Higher is better (an accuracy).
        case max
    }

    /// How `threshold` decides that a value improves on the best so far.
    public enum ThresholdMode: String, Codable, Sendable {
        /// Better by a fraction of the best: `best · (1 ∓ threshold)`.
        case relative
        /// Better by an absolute amount: `best ∓ threshold`.
        case absolute
    }

    /// Whether lower or higher is better.
    public let mode: Mode
    /// The factor applied at each reduction (in (0, 1)).
    public let factor: Float
    /// Evaluations without improvement tolerated before reducing.
    public let patience: Int
    /// The least improvement that counts.
    public let threshold: Float
    /// Whether the threshold is relative or absolute.
    public let thresholdMode: ThresholdMode
    /// Evaluations to wait after a reduction before counting bad ones again.
    public let cooldown: Int
    /// The learning rate never goes below this.
    public let minimumLearningRate: Float
    /// Reductions smaller than this are skipped (PyTorch's `eps`).
    public let minimumChange: Float

    /// The learning rate the policy currently prescribes.
    public private(set) var learningRate: Float
    /// The best metric value seen (±infinity before the first).
    public private(set) var best: Float
    /// Consecutive evaluations without improvement.
    public private(set) var badEvaluations: Int
    /// Evaluations of cooldown left.
    public private(set) var cooldownRemaining: Int
    /// Evaluations seen so far.
    public private(set) var evaluations: Int

    /// - Parameters:
    ///   - learningRate: the starting learning rate.
    ///   - mode: `.min` (default) for losses, `.max` for accuracies.
    ///   - factor: the multiplier at each reduction (0.1).
    ///   - patience: evaluations without improvement before reducing (10).
    ///   - threshold: the least improvement that counts (1e-4).
    ///   - thresholdMode: relative (default) or absolute.
    ///   - cooldown: evaluations to wait after a reduction (0).
    ///   - minimumLearningRate: the floor (0).
    ///   - minimumChange: skip reductions smaller than this (1e-8).
    public init(
        learningRate: Float, mode: Mode = .min, factor: Float = 0.1, patience: Int = 10, threshold: Float = 1e-4,
        thresholdMode: ThresholdMode = .relative, cooldown: Int = 0, minimumLearningRate: Float = 0,
        minimumChange: Float = 1e-8
    ) {
        precondition(factor > 0 && factor < 1, "ReduceOnPlateau: factor \(factor) must lie in (0, 1)")
        precondition(patience >= 0, "ReduceOnPlateau: patience \(patience) is negative")
        precondition(cooldown >= 0, "ReduceOnPlateau: cooldown \(cooldown) is negative")
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minimumLearningRate = minimumLearningRate
        self.minimumChange = minimumChange
        self.learningRate = learningRate
        best = mode == .min ? .infinity : -.infinity
        badEvaluations = 0
        cooldownRemaining = 0
        evaluations = 0
    }

    /// Whether `value` beats the best so far by more than the threshold. A NaN never does.
    public func isImprovement(_ value: Float) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .relative): value < best * (1 - threshold)
        case (.min, .absolute): value < best - threshold
        case (.max, .relative): value > best * (1 + threshold)
        case (.max, .absolute): value > best + threshold
        }
    }

    /// Records one evaluation of the metric; returns whether the learning rate was cut.
    @discardableResult
    public mutating func step(metric: Float) -> Bool {
        evaluations += 1
        if isImprovement(metric) {
            best = metric
            badEvaluations = 0
        } else {
            badEvaluations += 1
        }
        if cooldownRemaining > 0 {
            cooldownRemaining -= 1
            badEvaluations = 0
        }
        guard badEvaluations > patience else { return false }
        cooldownRemaining = cooldown
        badEvaluations = 0
        let reduced = Swift.max(learningRate * factor, minimumLearningRate)
        guard learningRate - reduced > minimumChange else { return false }
        learningRate = reduced
        return true
    }

    /// Records one evaluation and sets `optimizer`'s learning rate (groups keep their
    /// proportions); returns whether the rate was cut.
    @discardableResult
    public mutating func step(metric: Float, optimizer: Optimizer) -> Bool {
        let reduced = step(metric: metric)
        optimizer.learningRate = learningRate
        return reduced
    }
}
