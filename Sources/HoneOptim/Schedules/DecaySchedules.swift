import Foundation

/// Multiplies the learning rate by `gamma` every `stepSize` steps (PyTorch's `StepLR`):
/// `lr₀ · γ^⌊t / stepSize⌋`.
public struct StepDecay: LearningRateSchedule, Codable, Equatable, Sendable {
    /// The learning rate at step 0.
    public let initialLearningRate: Float
    /// Steps between decays.
    public let stepSize: Int
    /// The factor applied at each decay.
    public let gamma: Float

    /// - Parameters:
    ///   - initialLearningRate: the learning rate at step 0.
    ///   - stepSize: steps between decays (positive).
    ///   - gamma: the factor per decay (PyTorch's default 0.1).
    public init(initialLearningRate: Float, stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepDecay: step size \(stepSize) must be positive")
        self.initialLearningRate = initialLearningRate
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// The learning rate at `step` (0 is the first).
    public func learningRate(at step: Int) -> Float {
        Float(Double(initialLearningRate) * Foundation.pow(Double(gamma), Double(max(step, 0) / stepSize)))
    }
}

/// Multiplies the learning rate by `gamma` at each milestone (PyTorch's `MultiStepLR`):
/// `lr₀ · γ^(number of milestones ≤ t)`.
public struct MultiStepDecay: LearningRateSchedule, Codable, Equatable, Sendable {
    /// The learning rate at step 0.
    public let initialLearningRate: Float
    /// The steps at which the rate drops, ascending (a repeated milestone counts twice).
    public let milestones: [Int]
    /// The factor applied at each milestone.
    public let gamma: Float

    /// - Parameters:
    ///   - initialLearningRate: the learning rate at step 0.
    ///   - milestones: the steps at which to decay.
    ///   - gamma: the factor per milestone (PyTorch's default 0.1).
    public init(initialLearningRate: Float, milestones: [Int], gamma: Float = 0.1) {
        self.initialLearningRate = initialLearningRate
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    /// The learning rate at `step` (0 is the first).
    public func learningRate(at step: Int) -> Float {
        let passed = milestones.lazy.filter { $0 <= step }.count
        return Float(Double(initialLearningRate) * Foundation.pow(Double(gamma), Double(passed)))
    }
}

/// Multiplies the learning rate by `gamma` every step (PyTorch's `ExponentialLR`): `lr₀ · γᵗ`.
public struct ExponentialDecay: LearningRateSchedule, Codable, Equatable, Sendable {
    /// The learning rate at step 0.
    public let initialLearningRate: Float
    /// The factor per step.
    public let gamma: Float

    /// - Parameters:
    ///   - initialLearningRate: the learning rate at step 0.
    ///   - gamma: the factor per step.
    public init(initialLearningRate: Float, gamma: Float) {
        self.initialLearningRate = initialLearningRate
        self.gamma = gamma
    }

    /// The learning rate at `step` (0 is the first).
    public func learningRate(at step: Int) -> Float {
        Float(Double(initialLearningRate) * Foundation.pow(Double(gamma), Double(max(step, 0))))
    }
}
