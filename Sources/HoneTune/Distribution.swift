import Foundation

/// One choice of a categorical parameter, kept typed so a stored study round-trips.
public enum CategoricalChoice: Codable, Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// Any other JSON value (a list, an object, `null`) as its compact JSON text, `[128,64]`:
    /// text hashes, codes and compares exactly, so a stored study reads back the same choice.
    case json(String)

    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .json(let text): return text
        }
    }
}

/// The space one hyperparameter is drawn from.
///
/// Every sampled value is stored in an *internal representation*, a `Double`:
/// the value itself for `.float`, the integer as a `Double` for `.int`, and the index of
/// the choice for `.categorical`. Samplers work on that representation (usually mapped
/// to the unit interval with ``toUnit(_:)``), the `Trial` API converts back.
public enum ParameterDistribution: Codable, Hashable, Sendable {
    /// Reals in `low...high`, log-uniform when `log`, on a grid of `step` when given.
    case float(low: Double, high: Double, log: Bool, step: Double?)
    /// Integers in `low...high` on a grid of `step`, log-uniform when `log`.
    case int(low: Int, high: Int, log: Bool, step: Int)
    /// One of a fixed list of choices.
    case categorical([CategoricalChoice])

    /// Whether the distribution holds a single value (nothing to search).
    public var isSingle: Bool {
        switch self {
        case .float(let low, let high, _, _): return low == high
        case .int(let low, let high, _, _): return low == high
        case .categorical(let choices): return choices.count == 1
        }
    }

    /// Whether `internalValue` is a valid stored value of this distribution.
    public func contains(_ internalValue: Double) -> Bool {
        switch self {
        case .float(let low, let high, _, _):
            return internalValue >= low && internalValue <= high
        case .int(let low, let high, _, _):
            return internalValue >= Double(low) && internalValue <= Double(high)
                && internalValue.rounded() == internalValue
        case .categorical(let choices):
            return internalValue >= 0 && internalValue < Double(choices.count)
                && internalValue.rounded() == internalValue
        }
    }

    /// Maps an internal value to [0, 1] (log scale where asked; categorical indices to bin centres).
    public func toUnit(_ internalValue: Double) -> Double {
        switch self {
        case .float(let low, let high, let log, _):
            return Self.unit(internalValue, low, high, log)
        case .int(let low, let high, let log, _):
            return Self.unit(internalValue, Double(low), Double(high), log)
        case .categorical(let choices):
            return (internalValue + 0.5) / Double(choices.count)
        }
    }

    /// Maps a point of [0, 1] back to a valid internal value (rounded to the step, integer or choice).
    public func fromUnit(_ u: Double) -> Double {
        let u = min(max(u, 0), 1)
        switch self {
        case .float(let low, let high, let log, let step):
            let v = Self.ununit(u, low, high, log)
            guard let step, step > 0 else { return min(max(v, low), high) }
            let k = ((v - low) / step).rounded()
            return min(low + k * step, high)
        case .int(let low, let high, let log, let step):
            let v = Self.ununit(u, Double(low), Double(high), log)
            let k = ((v - Double(low)) / Double(step)).rounded()
            return min(Double(low) + k * Double(step), Double(high))
        case .categorical(let choices):
            return min(Double(Int(u * Double(choices.count))), Double(choices.count - 1))
        }
    }

    private static func unit(_ v: Double, _ low: Double, _ high: Double, _ log: Bool) -> Double {
        guard high > low else { return 0.5 }
        if log { return (Foundation.log(v) - Foundation.log(low)) / (Foundation.log(high) - Foundation.log(low)) }
        return (v - low) / (high - low)
    }

    private static func ununit(_ u: Double, _ low: Double, _ high: Double, _ log: Bool) -> Double {
        guard high > low else { return low }
        if log { return exp(Foundation.log(low) + u * (Foundation.log(high) - Foundation.log(low))) }
        return low + u * (high - low)
    }
}
