import Foundation

/// A schedule that multiplies the initial learning rate by `gamma` at each decay:
/// `lr₀ · γ^k`, where `k` is the number of decays by the step. The three decays below
/// differ only in when they decay; the rate is computed in Double and rounded once.
public protocol DecaySchedule: LearningRateSchedule {
    /// The learning rate at step 0.
    var initialLearningRate: Float { get }
    /// The factor applied at each decay.
    var gamma: Float { get }
    /// How many decays have happened by `step`.
    func decayCount(at step: Int) -> Int
}

extension DecaySchedule {
    /// The learning rate at `step` (0 is the first): `lr₀ · γ^decayCount(at: step)`.
    public func learningRate(at step: Int) -> Float {
        Float(Double(initialLearningRate) * Foundation.pow(Double(gamma), Double(decayCount(at: step))))
    }
}

/// Multiplies the learning rate by `gamma` every `stepSize` steps (PyTorch's `StepLR`):
/// `lr₀ · γ^⌊t / stepSize⌋`.
public struct StepDecay: DecaySchedule, Codable, Equatable, Sendable {
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

    /// One decay per `stepSize` steps completed.
    public func decayCount(at step: Int) -> Int { max(step, 0) / stepSize }
}

/// Multiplies the learning rate by `gamma` at each milestone (PyTorch's `MultiStepLR`):
/// `lr₀ · γ^(number of milestones ≤ t)`.
public struct MultiStepDecay: DecaySchedule, Codable, Equatable, Sendable {
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

    /// One decay per milestone at or before `step`.
    public func decayCount(at step: Int) -> Int { milestones.lazy.filter { $0 <= step }.count }
}

/// Multiplies the learning rate by `gamma` every step (PyTorch's `ExponentialLR`): `lr₀ · γᵗ`.
public struct ExponentialDecay: DecaySchedule, Codable, Equatable, Sendable {
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

    /// One decay per step.
    public func decayCount(at step: Int) -> Int { max(step, 0) }
}
