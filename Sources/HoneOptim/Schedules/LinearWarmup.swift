/// Ramps the learning rate linearly up to another schedule's starting value, then hands
/// over to that schedule (Goyal et al. 2017, "Accurate, Large Minibatch SGD", arXiv
/// 1706.02677; PyTorch's `LinearLR` followed by another scheduler in `SequentialLR`).
///
/// During the first `warmupSteps` steps the rate is
/// `base(0) · (startFactor + (1 − startFactor) · t / warmupSteps)`; from then on it is
/// `base(t − warmupSteps)`, so the wrapped schedule starts fresh when warm-up ends.
///
/// ```swift
/// let schedule = LinearWarmup(
///     warmupSteps: 500, startFactor: 0.01,
///     then: CosineAnnealing(initialLearningRate: 3e-4, period: 10_000))
/// ```
public struct LinearWarmup<Base: LearningRateSchedule>: LearningRateSchedule {
    /// The number of warm-up steps.
    public let warmupSteps: Int
    /// The fraction of the target rate used at step 0.
    public let startFactor: Float
    /// The schedule that follows the warm-up.
    public let base: Base

    /// - Parameters:
    ///   - warmupSteps: how many steps the ramp lasts (≥ 0).
    ///   - startFactor: the starting fraction of `base`'s first rate (PyTorch's default 1/3).
    ///   - base: the schedule to follow.
    public init(warmupSteps: Int, startFactor: Float = 1.0 / 3.0, then base: Base) {
        precondition(warmupSteps >= 0, "LinearWarmup: warm-up steps \(warmupSteps) is negative")
        precondition(startFactor >= 0 && startFactor <= 1, "LinearWarmup: start factor \(startFactor) must lie in [0, 1]")
        self.warmupSteps = warmupSteps
        self.startFactor = startFactor
        self.base = base
    }

    /// The learning rate at `step` (0 is the first).
    public func learningRate(at step: Int) -> Float {
        guard step < warmupSteps else { return base.learningRate(at: step - warmupSteps) }
        let fraction = Double(startFactor) + (1 - Double(startFactor)) * Double(max(step, 0)) / Double(warmupSteps)
        return Float(Double(base.learningRate(at: 0)) * fraction)
    }
}

extension LinearWarmup: Codable where Base: Codable {}
extension LinearWarmup: Equatable where Base: Equatable {}
extension LinearWarmup: Sendable where Base: Sendable {}
