import Foundation

/// A parameter value as the objective sees it: a float, an integer, or a categorical choice
/// (a string, a boolean, or any other JSON value such as a list of layer widths).
///
/// Used for enqueued (fixed) configurations, grid points, `bestParams` and summaries.
/// Literals work: `["x": 1.5, "depth": 3, "opt": "adam", "bn": true]`.
public enum ParameterValue: Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral
{
    case float(Double)
    case int(Int)
    case string(String)
    case bool(Bool)
    /// A categorical choice that is a list, an object or `null`, as its compact JSON text.
    case json(String)

    public init(floatLiteral value: Double) { self = .float(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public init(_ choice: CategoricalChoice) {
        switch choice {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .double(let d): self = .float(d)
        case .bool(let b): self = .bool(b)
        case .json(let text): self = .json(text)
        }
    }

    /// The value as a `Double` when it is numeric (`Int` converts).
    public var doubleValue: Double? {
        switch self {
        case .float(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// The value as an `Int` when it is an integer (or a float with an integral value).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .float(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var description: String {
        switch self {
        case .float(let d): return formatParameter(d)
        case .int(let i): return String(i)
        case .string(let s): return s
        case .bool(let b): return String(b)
        case .json(let text): return text
        }
    }

    /// The value as JSON, to write into a configuration or a summary (integers keep an
    /// integer text; a JSON choice is its parsed text).
    public var jsonValue: JSONValue {
        switch self {
        case .float(let d): return d.isFinite ? .number(d, text: "\(d)") : .null
        case .int(let i): return .number(Double(i), text: String(i))
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        // Only a stored study edited by hand holds unparsable text: keep it as a string.
        case .json(let text): return (try? JSONValue.parse(text)) ?? .string(text)
        }
    }

    // Compact single-value coding: `1.5`, `3`, `"adam"`, `true` (floats always carry a '.'),
    // `{"json": "[128,64]"}` for a JSON choice.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let tagged = try? c.decode([String: Double].self), let f = tagged["f"] {
            self = .float(f)
        } else if let tagged = try? c.decode([String: String].self), let text = tagged["json"] {
            self = .json(text)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else {
            self = .float(try c.decode(Double.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        // Floats are tagged so that 2.0 stays a float through JSON.
        case .float(let d): try c.encode(["f": d])
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        case .json(let text): try c.encode(["json": text])
        }
    }
}

/// Shortest text that reads back as the same `Double`, without a trailing ".0" noise for
/// large or small magnitudes.
func formatParameter(_ d: Double) -> String {
    if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
    let short = String(format: "%.6g", d)
    return Double(short) == d ? short : "\(d)"
}

extension ParameterDistribution {
    /// The typed value of an internal representation.
    public func value(fromInternal v: Double) -> ParameterValue {
        switch self {
        case .float: return .float(v)
        case .int: return .int(Int(v.rounded()))
        case .categorical(let choices):
            let i = min(max(Int(v.rounded()), 0), choices.count - 1)
            return ParameterValue(choices[i])
        }
    }

    /// The internal representation of a typed value, or `nil` when the value cannot be one
    /// of this distribution's values (wrong type, not a choice, outside the range).
    public func internalValue(of value: ParameterValue) -> Double? {
        switch self {
        case .float(let low, let high, _, _):
            guard let d = value.doubleValue, d >= low, d <= high else { return nil }
            return d
        case .int(let low, let high, _, _):
            guard let i = value.intValue, i >= low, i <= high else { return nil }
            return Double(i)
        case .categorical(let choices):
            for (k, c) in choices.enumerated() where ParameterValue(c) == value { return Double(k) }
            // 1 and 1.0 name the same numeric choice.
            if let d = value.doubleValue {
                for (k, c) in choices.enumerated() {
                    if case .double(let x) = c, x == d { return Double(k) }
                    if case .int(let x) = c, Double(x) == d { return Double(k) }
                }
            }
            return nil
        }
    }

    /// Whether two distributions are of the same kind (float / int / categorical), so a name
    /// suggested again with another range still reads back its stored value.
    func sameKind(as other: ParameterDistribution) -> Bool {
        switch (self, other) {
        case (.float, .float), (.int, .int): return true
        case (.categorical(let a), .categorical(let b)): return a == b
        default: return false
        }
    }

    /// A short human description: `float [-5, 10]`, `int [1, 4] log`, `categorical [sgd, adam]`.
    public var summary: String {
        switch self {
        case .float(let low, let high, let log, let step):
            var s = "float [\(formatParameter(low)), \(formatParameter(high))]"
            if log { s += " log" }
            if let step { s += " step \(formatParameter(step))" }
            return s
        case .int(let low, let high, let log, let step):
            var s = "int [\(low), \(high)]"
            if log { s += " log" }
            if step != 1 { s += " step \(step)" }
            return s
        case .categorical(let choices):
            return "categorical [" + choices.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// A Swift type that can be a categorical choice: `String`, `Int`, `Double`, `Bool`.
public protocol CategoricalValue: Hashable {
    var categoricalChoice: CategoricalChoice { get }
    init?(categoricalChoice: CategoricalChoice)
}

extension String: CategoricalValue {
    public var categoricalChoice: CategoricalChoice { .string(self) }
    public init?(categoricalChoice c: CategoricalChoice) {
        guard case .string(let s) = c else { return nil }
        self = s
    }
}

extension Int: CategoricalValue {
    public var categoricalChoice: CategoricalChoice { .int(self) }
    public init?(categoricalChoice c: CategoricalChoice) {
        guard case .int(let i) = c else { return nil }
        self = i
    }
}

extension Double: CategoricalValue {
    public var categoricalChoice: CategoricalChoice { .double(self) }
    public init?(categoricalChoice c: CategoricalChoice) {
        guard case .double(let d) = c else { return nil }
        self = d
    }
}

extension Bool: CategoricalValue {
    public var categoricalChoice: CategoricalChoice { .bool(self) }
    public init?(categoricalChoice c: CategoricalChoice) {
        guard case .bool(let b) = c else { return nil }
        self = b
    }
}
