import Foundation

/// Asynchronous successive halving (ASHA).
///
/// Rungs sit at steps `minResource · η^(s + r)` (η the reduction factor, s the minimum
/// early-stopping rate, r = 0, 1, …). When a trial reaches a rung, its value there is
/// recorded (a system attribute `completed_rung_r`, shared through the storage by every
/// worker) and it goes on only if it is in the top 1/η of all values recorded at that rung
/// so far; otherwise it is pruned. While fewer than η trials reached a rung, only the best
/// so far goes on. Mirrors Optuna's `SuccessiveHalvingPruner`.
///
/// ### References
/// Li, Jamieson, Rostamizadeh, Gonina, Hardt, Recht, Talwalkar, "A System for Massively
/// Parallel Hyperparameter Tuning" (ASHA), arXiv:1810.05934, 2018; MLSys 2020.
/// Jamieson & Talwalkar, "Non-stochastic Best Arm Identification and Hyperparameter
/// Optimization", AISTATS 2016 (successive halving).
public final class SuccessiveHalvingPruner: Pruner {
    /// The first rung's step; `nil` estimates it as 1/100 of the longest complete trial.
    public private(set) var minResource: Int?
    public let reductionFactor: Int
    public let minEarlyStoppingRate: Int
    /// Trials that must have reached a rung before any is promoted from it.
    public let bootstrapCount: Int
    /// Rung values kept locally when the study view cannot store them (test doubles).
    private var localRungs: [Int: [String: String]] = [:]
    private let lock = NSLock()

    public init(minResource: Int? = nil, reductionFactor: Int = 4, minEarlyStoppingRate: Int = 0, bootstrapCount: Int = 0) {
        precondition(minResource.map { $0 >= 1 } ?? true, "minResource must be ≥ 1")
        precondition(reductionFactor >= 2, "reductionFactor must be ≥ 2")
        precondition(minEarlyStoppingRate >= 0 && bootstrapCount >= 0, "rates and counts must be ≥ 0")
        self.minResource = minResource
        self.reductionFactor = reductionFactor
        self.minEarlyStoppingRate = minEarlyStoppingRate
        self.bootstrapCount = bootstrapCount
    }

    static func rungKey(_ rung: Int) -> String { "completed_rung_\(rung)" }

    public func shouldPrune(study: StudyView, trial: FrozenTrial) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let step = trial.lastStep, let value = trial.intermediateValues[step] else { return false }
        var attrs = trial.systemAttributes.merging(localRungs[trial.number] ?? [:]) { a, _ in a }
        var rung = 0
        while attrs[Self.rungKey(rung)] != nil { rung += 1 }
        var trials: [FrozenTrial]?
        let minimize = (study.directions.first ?? .minimize) == .minimize
        while true {
            if minResource == nil {
                if trials == nil { trials = study.trials(states: nil) }
                let steps = trials!.filter { $0.state == .complete }.compactMap(\.lastStep)
                guard let longest = steps.max() else { return false }
                minResource = max(longest / 100, 1)
            }
            let promotionStep = minResource! * Self.power(reductionFactor, minEarlyStoppingRate + rung)
            if step < promotionStep { return false }
            if value.isNaN { return true }
            if trials == nil { trials = study.trials(states: nil) }
            let key = Self.rungKey(rung)
            let text = String(value)
            if let writer = study as? StudyWriter {
                writer.setTrialSystemAttribute(number: trial.number, key: key, value: text)
            } else {
                localRungs[trial.number, default: [:]][key] = text
            }
            attrs[key] = text
            var competing = trials!.filter { $0.number != trial.number }.compactMap { t -> Double? in
                (t.systemAttributes[key] ?? localRungs[t.number]?[key]).flatMap(Double.init)
            }
            competing.append(value)
            if competing.count <= bootstrapCount { return true }
            if !Self.promotable(value, competing, reductionFactor, minimize: minimize) { return true }
            rung += 1
        }
    }

    /// Whether `value` is in the top `1/η` of `competing` (which includes it); with fewer
    /// than η values, whether it is the best.
    static func promotable(_ value: Double, _ competing: [Double], _ eta: Int, minimize: Bool) -> Bool {
        var index = competing.count / eta - 1
        if index == -1 { index = 0 }
        let sorted = competing.sorted()
        return minimize ? value <= sorted[index] : value >= sorted[sorted.count - 1 - index]
    }

    static func power(_ base: Int, _ exponent: Int) -> Int {
        var r = 1
        for _ in 0..<exponent { r = r.multipliedReportingOverflow(by: base).overflow ? Int.max : r * base }
        return r
    }
}
