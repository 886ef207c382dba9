/// Drives an optimizer's learning rate from a schedule, PyTorch-style: the optimizer gets
/// `schedule(0)` when attached and `schedule(t)` after the t-th ``step()``. Parameter groups
/// keep the proportions they were created with (a body at a tenth of the head stays so).
///
/// ```swift
/// let scheduler = LearningRateScheduler(optimizer, schedule: StepDecay(initialLearningRate: 0.1, stepSize: 30))
/// for epoch in 0..<90 {
///     trainOneEpoch()
///     scheduler.step()
/// }
/// ```
public final class LearningRateScheduler {
    /// The optimizer whose learning rate is set.
    public let optimizer: Optimizer
    /// The schedule followed.
    public let schedule: any LearningRateSchedule
    /// How many times ``step()`` has been called (saved to resume).
    public private(set) var stepCount: Int

    /// Attaches `schedule` to `optimizer`, setting the rate for step `stepCount` at once.
    ///
    /// - Parameter stepCount: where to resume from (0 for a new run).
    public init(_ optimizer: Optimizer, schedule: any LearningRateSchedule, stepCount: Int = 0) {
        precondition(stepCount >= 0, "LearningRateScheduler: step count \(stepCount) is negative")
        self.optimizer = optimizer
        self.schedule = schedule
        self.stepCount = stepCount
        optimizer.learningRate = schedule.learningRate(at: stepCount)
    }

    /// Attaches a closure schedule.
    public convenience init(_ optimizer: Optimizer, stepCount: Int = 0, schedule: @escaping (Int) -> Float) {
        self.init(optimizer, schedule: FunctionSchedule(schedule), stepCount: stepCount)
    }

    /// Advances one step and sets the optimizer's learning rate for it.
    public func step() {
        stepCount += 1
        optimizer.learningRate = schedule.learningRate(at: stepCount)
    }

    /// The learning rate for the current step.
    public var learningRate: Float { schedule.learningRate(at: stepCount) }
}
