import Foundation
import HoneCore

// The search-space part that any `hone tune` configuration shares, whatever its
// objective; the JSON reader and field checks come from HoneCore's configuration reader.

// MARK: - Search space

/// An ordered search space read from JSON, the part of a tuning configuration shared by
/// every objective (benchmark functions now, neural-network training later):
///
/// ```json
/// {"x": {"float": [-5, 10]}, "lr": {"float": [1e-4, 1e-1], "log": true},
///  "drop": {"float": [0, 0.5], "step": 0.1}, "depth": {"int": [1, 4]},
///  "units": {"int": [16, 512], "log": true}, "opt": {"categorical": ["sgd", "adam"]},
///  "model.hidden": {"categorical": [[64], [128, 64]]}}
/// ```
/// A categorical choice may be any JSON value: a list or an object is substituted whole.
/// Parameters are suggested in the order written.
public struct SearchSpace: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var distribution: ParameterDistribution
    }

    public var parameters: [Parameter]

    public init(_ parameters: [(name: String, distribution: ParameterDistribution)]) {
        self.parameters = parameters.map { Parameter(name: $0.name, distribution: $0.distribution) }
    }

    /// The distributions by name (unordered).
    public var distributions: [String: ParameterDistribution] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.distribution) })
    }

    /// Reads a search space from JSON text.
    public static func parse(_ text: String, path: String = "search_space") throws -> SearchSpace {
        try SearchSpace(json: JSONValue.parse(text), path: path)
    }

    /// Reads a search space from a JSON object of parameter specs; errors name `path.param.field`.
    public init(json: JSONValue, path: String = "search_space") throws {
        let object = try ConfigObject(json, path: path)
        guard !object.fields.isEmpty else {
            throw ConfigError.invalidValue(path: path, message: "the search space has no parameter")
        }
        parameters = try object.fields.map { key, value in
            Parameter(name: key, distribution: try Self.distribution(value, path: object.fieldPath(key)))
        }
    }

    static let kinds = ["float", "int", "categorical"]

    static func distribution(_ value: JSONValue, path: String) throws -> ParameterDistribution {
        let spec = try ConfigObject(value, path: path)
        let present = kinds.filter(spec.has)
        guard present.count == 1, let kind = present.first else {
            if present.isEmpty, let unknown = spec.fields.first(where: { !["log", "step"].contains($0.key) }) {
                throw ConfigError.unknownField(
                    path: spec.fieldPath(unknown.key), suggestion: closestMatch(to: unknown.key, in: kinds + ["log", "step"]),
                    valid: kinds)
            }
            throw ConfigError.invalidValue(
                path: path, message: "give exactly one of \"float\", \"int\" or \"categorical\"")
        }
        switch kind {
        case "float":
            try spec.checkNoUnknownFields(allowed: ["float", "log", "step"])
            let (low, high): (Double, Double) = try bounds(spec, kind) { (v: JSONValue) -> Double? in
                guard case .number(let d, _) = v else { return nil }
                return d
            }
            let log = try spec.bool("log") ?? false
            let step = try spec.double("step")
            if log && low <= 0 {
                throw ConfigError.invalidValue(path: spec.fieldPath("float"), message: "a log range needs a positive lower bound")
            }
            if let step {
                guard step > 0 else { throw ConfigError.invalidValue(path: spec.fieldPath("step"), message: "must be positive") }
                if log { throw ConfigError.invalidValue(path: path, message: "\"step\" and \"log\" cannot be combined") }
            }
            var top = high
            if let step { top = min(high, low + ((high - low) / step + 1e-9).rounded(.down) * step) }
            return .float(low: low, high: top, log: log, step: step)
        case "int":
            try spec.checkNoUnknownFields(allowed: ["int", "log", "step"])
            let (low, high): (Int, Int) = try bounds(spec, kind) { (v: JSONValue) -> Int? in
                guard case .number(let d, _) = v, v.isInteger else { return nil }
                return Int(d)
            }
            let log = try spec.bool("log") ?? false
            let step = try spec.int("step", atLeast: 1) ?? 1
            if log && low < 1 {
                throw ConfigError.invalidValue(path: spec.fieldPath("int"), message: "a log range needs a lower bound ≥ 1")
            }
            if log && step != 1 { throw ConfigError.invalidValue(path: path, message: "\"step\" and \"log\" cannot be combined") }
            return .int(low: low, high: low + (high - low) / step * step, log: log, step: step)
        default:
            try spec.checkNoUnknownFields(allowed: ["categorical"])
            let choicesPath = spec.fieldPath("categorical")
            guard case .array(let items) = try spec.required("categorical") else {
                throw ConfigError.wrongType(path: choicesPath, expected: "an array of choices",
                                            found: spec["categorical"]!.kindDescription)
            }
            guard !items.isEmpty else { throw ConfigError.invalidValue(path: choicesPath, message: "no choices") }
            let choices: [CategoricalChoice] = items.map { item in
                switch item {
                case .string(let s): return .string(s)
                case .bool(let b): return .bool(b)
                case .number(let d, _): return item.isInteger ? .int(Int(d)) : .double(d)
                default: return .json(item.serialized(indent: nil))
                }
            }
            guard Set(choices).count == choices.count else {
                throw ConfigError.invalidValue(path: choicesPath, message: "choices repeat")
            }
            return .categorical(choices)
        }
    }

    private static func bounds<T: Comparable>(
        _ spec: ConfigObject, _ kind: String, _ read: (JSONValue) -> T?
    ) throws -> (T, T) {
        let p = spec.fieldPath(kind)
        let expected = kind == "int" ? "an array of two integers [low, high]" : "an array of two numbers [low, high]"
        let v = try spec.required(kind)
        guard case .array(let items) = v else { throw ConfigError.wrongType(path: p, expected: expected, found: v.kindDescription) }
        guard items.count == 2 else {
            throw ConfigError.wrongType(path: p, expected: expected, found: "an array of \(items.count)")
        }
        guard let low = read(items[0]), let high = read(items[1]) else {
            let bad = read(items[0]) == nil ? items[0] : items[1]
            throw ConfigError.wrongType(path: p, expected: expected, found: "an array holding \(bad.kindDescription)")
        }
        guard low <= high else { throw ConfigError.invalidValue(path: p, message: "low is above high") }
        return (low, high)
    }

    /// Suggests every parameter of the space in order; returns the typed values in order.
    @discardableResult
    public func suggestAll(_ trial: Trial) throws -> [(name: String, value: ParameterValue)] {
        try parameters.map { p in
            (p.name, p.distribution.value(fromInternal: try trial.suggest(p.name, p.distribution)))
        }
    }
}

// MARK: - Writing JSON

extension JSONValue {
    /// A JSON value from plain Swift values (`Double`, `Int`, `String`, `Bool`, arrays,
    /// dictionaries — keys sorted —, `ParameterValue`, `nil`/`NSNull`).
    public init(any value: Any?) {
        switch value {
        case nil: self = .null
        case let v as JSONValue: self = v
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .number(Double(i), text: String(i))
        case let d as Double: self = d.isFinite ? .number(d, text: "\(d)") : .null
        case let s as String: self = .string(s)
        case let p as ParameterValue: self = p.jsonValue
        case let a as [Any]: self = .array(a.map { JSONValue(any: $0) })
        case let a as [Any?]: self = .array(a.map { JSONValue(any: $0) })
        case let o as [String: Any]:
            self = .object(o.keys.sorted().map { ($0, JSONValue(any: o[$0]!)) })
        default: self = .string("\(value!)")
        }
    }
}
