import Foundation

/// A schedule that follows half a cosine from the initial learning rate down to a
/// minimum over each of its periods: `η_min + (lr₀ − η_min) · (1 + cos(π · p)) / 2`,
/// where `p` is the progress through the period; computed in Double and rounded once.
public protocol CosineSchedule: LearningRateSchedule {
    /// The learning rate at the start of a period.
    var initialLearningRate: Float { get }
    /// The learning rate at the end of a period (`eta_min`).
    var minimumLearningRate: Float { get }
    /// How far `step` is through its period: 0 at the start, 1 at the end.
    func cosineProgress(at step: Int) -> Double
}

extension CosineSchedule {
    /// The learning rate at `step` (0 is the first).
    public func learningRate(at step: Int) -> Float {
        let start = Double(initialLearningRate), end = Double(minimumLearningRate)
        return Float(end + (start - end) * (1 + Foundation.cos(Double.pi * cosineProgress(at: step))) / 2)
    }
}

/// Cosine annealing from the initial learning rate down to `minimumLearningRate` over
/// `period` steps (Loshchilov & Hutter 2016, SGDR, arXiv 1608.03983; PyTorch's
/// `CosineAnnealingLR`): `η_min + (lr₀ − η_min) · (1 + cos(π t / T)) / 2`.
///
/// Like PyTorch's closed form, the curve continues past `period` and climbs back up;
/// use ``CosineAnnealingWarmRestarts`` for restarts or stop training at `period`.
public struct CosineAnnealing: CosineSchedule, Codable, Equatable, Sendable {
    /// The learning rate at step 0.
    public let initialLearningRate: Float
    /// The steps from the maximum to the minimum (PyTorch's `T_max`).
    public let period: Int
    /// The learning rate at the end of the period (`eta_min`).
    public let minimumLearningRate: Float

    /// - Parameters:
    ///   - initialLearningRate: the learning rate at step 0.
    ///   - period: the steps to reach the minimum (positive).
    ///   - minimumLearningRate: the floor (0).
    public init(initialLearningRate: Float, period: Int, minimumLearningRate: Float = 0) {
        precondition(period > 0, "CosineAnnealing: period \(period) must be positive")
        self.initialLearningRate = initialLearningRate
        self.period = period
        self.minimumLearningRate = minimumLearningRate
    }

    /// The steps done over the period; above 1 past the period, where the curve climbs back.
    public func cosineProgress(at step: Int) -> Double { Double(max(step, 0)) / Double(period) }
}

/// Cosine annealing with warm restarts, SGDR (Loshchilov & Hutter 2016, arXiv 1608.03983;
/// PyTorch's `CosineAnnealingWarmRestarts`): the cosine restarts from the initial rate
/// after `firstPeriod` steps, and each following period is `periodMultiplier` times longer.
public struct CosineAnnealingWarmRestarts: CosineSchedule, Codable, Equatable, Sendable {
    /// The learning rate at the start of every period.
    public let initialLearningRate: Float
    /// The length of the first period (`T_0`).
    public let firstPeriod: Int
    /// The growth of each period over the previous one (`T_mult`).
    public let periodMultiplier: Int
    /// The learning rate at the end of each period (`eta_min`).
    public let minimumLearningRate: Float

    /// - Parameters:
    ///   - initialLearningRate: the learning rate at each restart.
    ///   - firstPeriod: the first period's length (positive).
    ///   - periodMultiplier: each period's length over the previous one (≥ 1).
    ///   - minimumLearningRate: the floor (0).
    public init(initialLearningRate: Float, firstPeriod: Int, periodMultiplier: Int = 1, minimumLearningRate: Float = 0) {
        precondition(firstPeriod > 0, "CosineAnnealingWarmRestarts: first period \(firstPeriod) must be positive")
        precondition(periodMultiplier >= 1, "CosineAnnealingWarmRestarts: period multiplier \(periodMultiplier) must be ≥ 1")
        self.initialLearningRate = initialLearningRate
        self.firstPeriod = firstPeriod
        self.periodMultiplier = periodMultiplier
        self.minimumLearningRate = minimumLearningRate
    }

    /// The step within the current period and that period's length.
    public func position(at step: Int) -> (stepInPeriod: Int, periodLength: Int) {
        // Integer walk instead of PyTorch's logarithm: exact at period boundaries.
        var start = 0
        var length = firstPeriod
        let target = max(step, 0)
        while target >= start + length {
            start += length
            length *= periodMultiplier
        }
        return (target - start, length)
    }

    /// The step within the current period over that period's length.
    public func cosineProgress(at step: Int) -> Double {
        let (stepInPeriod, length) = position(at: step)
        return Double(stepInPeriod) / Double(length)
    }
}
