import Foundation
import HoneCore

/// The parameters that every given trial has, with the same distribution — what
/// model-based samplers sample jointly (Optuna's `IntersectionSearchSpace`).
///
/// Keeps its result between calls and only looks at trials it has not seen, so asking
/// every trial costs O(new trials), not O(all trials).
final class IntersectionSearchSpace {
    private var space: [String: ParameterDistribution]?
    /// Trial numbers already looked at (a bitmap: no hashing on the per-trial path).
    private var seen: [Bool] = []
    let includePruned: Bool

    init(includePruned: Bool) { self.includePruned = includePruned }

    func calculate(_ trials: [FrozenTrial]) -> [String: ParameterDistribution] {
        update(trials)
        return current
    }

    /// The intersection so far, without single-valued parameters.
    var current: [String: ParameterDistribution] { (space ?? [:]).filter { !$0.value.isSingle } }

    /// Narrows the intersection by the given trials it has not seen yet.
    func update(_ trials: [FrozenTrial]) {
        for t in trials where t.number >= seen.count || !seen[t.number] {
            guard t.state == .complete || (includePruned && t.state == .pruned) else { continue }
            if t.number >= seen.count { seen += [Bool](repeating: false, count: max(t.number + 1 - seen.count, seen.count)) }
            seen[t.number] = true
            if var s = space {
                for (name, dist) in s where t.distributions[name] != dist { s[name] = nil }
                space = s
            } else {
                space = t.distributions
            }
        }
    }
}

extension ParameterDistribution {
    /// A uniformly random valid internal value (log-uniform where `log`).
    func randomInternal(_ rng: inout SeededGenerator) -> Double {
        switch self {
        case .categorical(let choices):
            return Double(rng.nextInt(below: choices.count))
        case .int(let low, let high, let log, let step):
            if log {
                // Optuna: log-uniform on [low − ½, high + ½], rounded to the grid.
                let lo = Foundation.log(Double(low) - 0.5), hi = Foundation.log(Double(high) + 0.5)
                let v = Foundation.exp(lo + rng.nextDouble() * (hi - lo))
                let k = ((v - Double(low)) / Double(step)).rounded()
                return min(max(Double(low) + k * Double(step), Double(low)), Double(high))
            }
            let n = (high - low) / step + 1
            return Double(low + step * rng.nextInt(below: n))
        case .float(let low, let high, let log, let step):
            if let step, step > 0 {
                let n = Int(((high - low) / step).rounded(.down)) + 1
                return min(low + step * Double(rng.nextInt(below: n)), high)
            }
            if log {
                let lo = Foundation.log(low), hi = Foundation.log(high)
                return min(max(Foundation.exp(lo + rng.nextDouble() * (hi - lo)), low), high)
            }
            return low + rng.nextDouble() * (high - low)
        }
    }

    var isCategorical: Bool {
        if case .categorical = self { return true }
        return false
    }
}

/// How a numerical parameter is laid out for a model: its value transformed (log where
/// asked) and normalized so that the valid interval, widened by half a step on each side
/// for discrete parameters, maps to [0, 1]. Categorical parameters keep their index.
struct ParamTransform {
    enum Kind { case continuous, discrete, categorical }
    let name: String
    let distribution: ParameterDistribution
    let kind: Kind
    /// Transformed bounds (log applied), widened by half a step for discrete kinds.
    let low: Double
    let high: Double
    let isLog: Bool
    /// The step in internal units (0 when continuous).
    let step: Double
    /// Raw bounds of the distribution.
    let rawLow: Double
    let rawHigh: Double
    /// Number of categories (categorical only).
    let nChoices: Int

    init(name: String, distribution: ParameterDistribution) {
        self.name = name
        self.distribution = distribution
        switch distribution {
        case .categorical(let choices):
            kind = .categorical; low = 0; high = Double(choices.count); isLog = false; step = 1
            rawLow = 0; rawHigh = Double(choices.count - 1); nChoices = choices.count
        case .int(let lo, let hi, let log, let st):
            kind = .discrete; isLog = log; step = Double(st); rawLow = Double(lo); rawHigh = Double(hi)
            nChoices = 0
            let l = Double(lo) - 0.5 * Double(st), h = Double(hi) + 0.5 * Double(st)
            low = log ? Foundation.log(l) : l
            high = log ? Foundation.log(h) : h
        case .float(let lo, let hi, let log, let st):
            isLog = log; rawLow = lo; rawHigh = hi; nChoices = 0
            if let st, st > 0 {
                kind = .discrete; step = st
                let l = lo - 0.5 * st, h = hi + 0.5 * st
                low = log ? Foundation.log(l) : l
                high = log ? Foundation.log(h) : h
            } else {
                kind = .continuous; step = 0
                low = log ? Foundation.log(lo) : lo
                high = log ? Foundation.log(hi) : hi
            }
        }
    }

    /// Internal value → normalized coordinate ([0, 1], or the index for categorical).
    @inline(__always)
    func normalize(_ v: Double) -> Double {
        if kind == .categorical { return v }
        let t = isLog ? Foundation.log(v) : v
        guard high > low else { return 0.5 }
        return (t - low) / (high - low)
    }

    /// Position in [0, 1] for stratification: the normalized coordinate, or the bin of a
    /// category.
    func unitCoordinate(_ v: Double) -> Double {
        if kind == .categorical { return (v + 0.5) / Double(nChoices) }
        return min(max(normalize(v), 0), 1)
    }

    /// Normalized coordinate → valid internal value (clamped, rounded to the grid).
    func denormalize(_ u: Double) -> Double {
        if kind == .categorical {
            return min(max(u.rounded(.down), 0), Double(nChoices - 1))
        }
        let t = low + min(max(u, 0), 1) * (high - low)
        var v = isLog ? Foundation.exp(t) : t
        if step > 0 {
            let k = ((v - rawLow) / step).rounded()
            v = rawLow + k * step
        }
        v = min(max(v, rawLow), rawHigh)
        if case .int = distribution { v = v.rounded() }
        return v
    }

    /// The normalized coordinates of every grid point (discrete kinds only).
    func gridPoints() -> [Double] {
        switch kind {
        case .categorical: return (0..<nChoices).map(Double.init)
        case .continuous: return []
        case .discrete:
            let n = Int(((rawHigh - rawLow) / step + 1e-9).rounded(.down)) + 1
            return (0..<n).map { normalize(min(rawLow + Double($0) * step, rawHigh)) }
        }
    }
}

/// Names in a stable order, so that seeded runs repeat whatever the dictionaries' order.
func sortedTransforms(_ space: [String: ParameterDistribution]) -> [ParamTransform] {
    space.keys.sorted().map { ParamTransform(name: $0, distribution: space[$0]!) }
}

/// Signs that turn every objective into one to minimize.
func minimizationSigns(_ directions: [StudyDirection]) -> [Double] {
    directions.map { $0 == .maximize ? -1.0 : 1.0 }
}
