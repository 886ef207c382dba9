/// A learning-rate policy as a value: the learning rate to use at each step.
///
/// Any `(Int) -> Float` closure is one too, through ``FunctionSchedule``; attach either to
/// an optimizer with ``LearningRateScheduler``.
///
/// ```swift
/// let schedule = CosineAnnealing(initialLearningRate: 0.1, period: 100)
/// schedule.learningRate(at: 50)   // 0.05
/// ```
public protocol LearningRateSchedule {
    /// The learning rate at `step` (0 is the first).
    func learningRate(at step: Int) -> Float
}

extension LearningRateSchedule {
    /// The schedule as a plain function.
    public var function: (Int) -> Float { { self.learningRate(at: $0) } }

    /// The learning rate at `step`, so a schedule reads like a function: `schedule(10)`.
    public func callAsFunction(_ step: Int) -> Float { learningRate(at: step) }
}

/// A schedule given by a closure, MLX-style: `FunctionSchedule { step in 0.1 / Float(step + 1) }`.
public struct FunctionSchedule: LearningRateSchedule {
    /// The closure from step to learning rate.
    public let body: (Int) -> Float

    /// Wraps `body`.
    public init(_ body: @escaping (Int) -> Float) {
        self.body = body
    }

    /// The learning rate at `step` (0 is the first).
    public func learningRate(at step: Int) -> Float { body(step) }
}

/// A constant learning rate.
public struct ConstantSchedule: LearningRateSchedule {
    /// The learning rate at every step.
    public let value: Float

    /// A schedule that always returns `value`.
    public init(_ value: Float) {
        self.value = value
    }

    /// The learning rate at `step` (0 is the first).
    public func learningRate(at step: Int) -> Float { value }
}
