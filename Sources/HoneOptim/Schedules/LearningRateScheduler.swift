/// Drives an optimizer's learning rate from a schedule, PyTorch-style: the optimizer gets
/// `schedule(0)` when attached and `schedule(t)` after the t-th ``step()``. Parameter groups
/// keep the proportions they were created with (a body at a tenth of the head stays so).
///
/// A schedule that also prescribes momentum (``OneCycle``) sets the optimizer's
/// ``MomentumAdjustable/scheduledMomentum`` too, unless `cycleMomentum` is false.
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
    /// Whether a ``MomentumSchedule`` also drives the optimizer's momentum.
    public let cycleMomentum: Bool

    /// Attaches `schedule` to `optimizer`, setting the rate for step `stepCount` at once.
    ///
    /// - Parameters:
    ///   - stepCount: where to resume from (0 for a new run).
    ///   - cycleMomentum: let a momentum-prescribing schedule set the optimizer's momentum
    ///     (PyTorch's `cycle_momentum`, default true).
    public init(
        _ optimizer: Optimizer, schedule: any LearningRateSchedule, stepCount: Int = 0, cycleMomentum: Bool = true
    ) {
        precondition(stepCount >= 0, "LearningRateScheduler: step count \(stepCount) is negative")
        self.optimizer = optimizer
        self.schedule = schedule
        self.stepCount = stepCount
        self.cycleMomentum = cycleMomentum
        apply()
    }

    /// Attaches a closure schedule.
    public convenience init(_ optimizer: Optimizer, stepCount: Int = 0, schedule: @escaping (Int) -> Float) {
        self.init(optimizer, schedule: FunctionSchedule(schedule), stepCount: stepCount)
    }

    /// Advances one step and sets the optimizer's learning rate for it.
    public func step() {
        stepCount += 1
        apply()
    }

    private func apply() {
        optimizer.learningRate = schedule.learningRate(at: stepCount)
        if cycleMomentum, let momentumSchedule = schedule as? MomentumSchedule,
            let adjustable = optimizer as? MomentumAdjustable
        {
            adjustable.scheduledMomentum = momentumSchedule.momentum(at: stepCount)
        }
    }

    /// The learning rate for the current step.
    public var learningRate: Float { schedule.learningRate(at: stepCount) }
}
