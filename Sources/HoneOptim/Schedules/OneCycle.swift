import Foundation

/// The one-cycle policy (Smith & Topin 2018, "Super-Convergence", arXiv 1708.07120;
/// Smith 2018, arXiv 1803.09820), as PyTorch's `OneCycleLR` with its defaults: the rate
/// rises from `maximumLearningRate / divFactor` to the maximum over the first
/// `percentStart` of the steps, then anneals to `initial / finalDivFactor`. With
/// `threePhase` it first comes back down to the initial rate symmetrically, then anneals.
///
/// Momentum cycles the other way, between `maximumMomentum` and `baseMomentum`; read it
/// with ``momentum(at:)`` (for SGD's momentum or Adam's first beta).
public struct OneCycle: LearningRateSchedule, Codable, Equatable, Sendable {
    /// How the rate moves between its phase endpoints.
    public enum Annealing: String, Codable, Sendable {
        /// Half a cosine (PyTorch's default `'cos'`).
        case cosine
        /// A straight line (`'linear'`).
        case linear
    }

    /// The peak learning rate.
    public let maximumLearningRate: Float
    /// The number of steps in the cycle.
    public let totalSteps: Int
    /// The share of the steps spent increasing the rate.
    public let percentStart: Double
    /// The initial rate is `maximumLearningRate / divFactor`.
    public let divFactor: Double
    /// The final rate is `initial / finalDivFactor`.
    public let finalDivFactor: Double
    /// The shape of each phase.
    public let annealing: Annealing
    /// Whether to use three phases (up, down to the initial rate, down to the final one).
    public let threePhase: Bool
    /// The momentum at the learning-rate peak.
    public let baseMomentum: Float
    /// The momentum at the start and end.
    public let maximumMomentum: Float

    /// - Parameters:
    ///   - maximumLearningRate: the peak rate.
    ///   - totalSteps: the number of steps in the cycle (positive).
    ///   - percentStart: the share of steps spent rising (0.3).
    ///   - divFactor: peak over initial rate (25).
    ///   - finalDivFactor: initial over final rate (1e4).
    ///   - annealing: cosine (default) or linear.
    ///   - threePhase: whether to use the three-phase variant (false).
    ///   - baseMomentum: momentum at the peak rate (0.85).
    ///   - maximumMomentum: momentum at the ends (0.95).
    public init(
        maximumLearningRate: Float, totalSteps: Int, percentStart: Double = 0.3, divFactor: Double = 25,
        finalDivFactor: Double = 1e4, annealing: Annealing = .cosine, threePhase: Bool = false,
        baseMomentum: Float = 0.85, maximumMomentum: Float = 0.95
    ) {
        precondition(totalSteps > 0, "OneCycle: total steps \(totalSteps) must be positive")
        precondition(percentStart >= 0 && percentStart <= 1, "OneCycle: percent start \(percentStart) must lie in [0, 1]")
        self.maximumLearningRate = maximumLearningRate
        self.totalSteps = totalSteps
        self.percentStart = percentStart
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.annealing = annealing
        self.threePhase = threePhase
        self.baseMomentum = baseMomentum
        self.maximumMomentum = maximumMomentum
    }

    /// The rate at step 0.
    public var initialLearningRate: Float { Float(Double(maximumLearningRate) / divFactor) }

    /// The learning rate at `step` (0 is the first).
    public func learningRate(at step: Int) -> Float {
        let peak = Double(maximumLearningRate)
        let initial = peak / divFactor
        let final = initial / finalDivFactor
        let values = threePhase ? [initial, peak, initial, final] : [initial, peak, final]
        return Float(interpolate(values, at: step))
    }

    /// The momentum at `step`: high when the rate is low and low at its peak.
    public func momentum(at step: Int) -> Float {
        let high = Double(maximumMomentum)
        let low = Double(baseMomentum)
        let values = threePhase ? [high, low, high, high] : [high, low, high]
        return Float(interpolate(values, at: step))
    }

    /// Walks the phases as PyTorch does: phase `i` runs from `values[i]` to `values[i + 1]`
    /// and ends at its (fractional) end step; the last phase takes any step beyond.
    private func interpolate(_ values: [Double], at step: Int) -> Double {
        let total = Double(totalSteps)
        let ends = threePhase
            ? [percentStart * total - 1, 2 * percentStart * total - 2, total - 1]
            : [percentStart * total - 1, total - 1]
        let position = Double(step)
        var start = 0.0
        for (index, end) in ends.enumerated() {
            if position <= end || index == ends.count - 1 {
                let fraction = (position - start) / (end - start)
                return anneal(from: values[index], to: values[index + 1], fraction: fraction)
            }
            start = end
        }
        return values[values.count - 1]
    }

    private func anneal(from start: Double, to end: Double, fraction: Double) -> Double {
        switch annealing {
        case .cosine: end + (start - end) / 2 * (Foundation.cos(Double.pi * fraction) + 1)
        case .linear: (end - start) * fraction + start
        }
    }
}
