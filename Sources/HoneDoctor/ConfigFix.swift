import Foundation
import HoneCore
import HoneTrain

/// One change to a training config that applies a remedy; `hone doctor --fix` applies the
/// fixes of every finding to a copy of the run's config.
public enum ConfigFix: Equatable, Sendable, CustomStringConvertible {
    /// Multiplies the number at a dotted path (`optimizer.learning_rate`) by `factor`,
    /// starting from `default` when the field is absent.
    case scale(path: String, factor: Double, default: Double)
    /// Sets a dotted path to a value.
    case set(path: String, value: JSONValue)
    /// Sets a dotted path unless the config already sets it.
    case setIfAbsent(path: String, value: JSONValue)
    /// In a layer-list model, replaces each activation named in `activations` by `replacement`.
    case replaceActivations(_ activations: [String], by: String)
    /// In a layer-list model, puts BatchNorm between each hidden linear or conv layer and
    /// the activation after it.
    case normalizeBeforeActivations
    /// In a layer-list model, puts dropout after each hidden activation that follows a
    /// linear layer; for the zoo MLP, sets `regularization.dropout`.
    case dropoutAfterHiddenActivations(probability: Double)

    /// The activations a layer list may use.
    static let activationNames: Set<String> = ["relu", "leaky_relu", "prelu", "sigmoid", "tanh", "gelu"]

    public var description: String {
        switch self {
        case .scale(let path, let factor, _): return "\(path) × \(Finding.format(factor))"
        case .set(let path, let value): return "\(path) = \(value.serialized(indent: nil))"
        case .setIfAbsent(let path, let value): return "\(path) = \(value.serialized(indent: nil)) (unless set)"
        case .replaceActivations(let names, let replacement): return "\(names.joined(separator: "/")) layers → \(replacement)"
        case .normalizeBeforeActivations: return "BatchNorm before each hidden activation"
        case .dropoutAfterHiddenActivations(let probability): return "dropout \(Finding.format(probability)) after hidden layers"
        }
    }

    /// The fix applied to `config`; a fix that does not fit the config (a layer edit of a
    /// zoo model) leaves it as it is.
    public func apply(to config: JSONValue) throws -> JSONValue {
        switch self {
        case .scale(let path, let factor, let fallback):
            let current: Double
            if case .number(let value, _)? = Self.value(at: path, in: config) { current = value } else { current = fallback }
            return try TrainingConfig.applying([path: Self.number(current * factor)], to: config)
        case .set(let path, let value):
            return try TrainingConfig.applying([path: value], to: config)
        case .setIfAbsent(let path, let value):
            return Self.value(at: path, in: config) == nil ? try TrainingConfig.applying([path: value], to: config) : config
        case .replaceActivations(let names, let replacement):
            return editLayers(config) { layers in
                layers.map { layer in
                    guard let name = Self.layerName(layer), names.contains(name) else { return layer }
                    return .object([(replacement, .object([]))])
                }
            }
        case .normalizeBeforeActivations:
            return editLayers(config) { layers in
                var result: [JSONValue] = []
                for (index, layer) in layers.enumerated() {
                    if let name = Self.layerName(layer), Self.activationNames.contains(name), index > 0, index < layers.count - 1,
                        let previous = Self.layerName(layers[index - 1]), previous == "linear" || previous == "conv2d"
                    {
                        result.append(.object([(previous == "linear" ? "batch_norm1d" : "batch_norm2d", .object([]))]))
                    }
                    result.append(layer)
                }
                return result
            }
        case .dropoutAfterHiddenActivations(let probability):
            if config["model"]?["zoo"] == .string("mlp") {
                return try TrainingConfig.applying(["regularization.dropout": Self.number(probability)], to: config)
            }
            return editLayers(config) { layers in
                var result: [JSONValue] = []
                for (index, layer) in layers.enumerated() {
                    result.append(layer)
                    guard let name = Self.layerName(layer), Self.activationNames.contains(name), index < layers.count - 1,
                        Self.layerName(layers[index + 1]) != "dropout"
                    else { continue }
                    let earlier = layers[..<index].compactMap(Self.layerName).last { !Self.activationNames.contains($0) && !$0.hasPrefix("batch_norm") }
                    if earlier == "linear" { result.append(.object([("dropout", .object([("probability", Self.number(probability))]))])) }
                }
                return result
            }
        }
    }

    private func editLayers(_ config: JSONValue, _ edit: ([JSONValue]) -> [JSONValue]) -> JSONValue {
        guard case .array(let layers)? = config["model"], case .object(var fields) = config,
            let index = fields.firstIndex(where: { $0.key == "model" })
        else { return config }
        fields[index].value = .array(edit(layers))
        return .object(fields)
    }

    /// The name of a layer-list entry (`{"relu": {}}` → `relu`).
    static func layerName(_ layer: JSONValue) -> String? {
        guard case .object(let fields) = layer, fields.count == 1 else { return nil }
        return fields[0].key
    }

    /// The value at a dotted path, if every object along it exists.
    static func value(at path: String, in config: JSONValue) -> JSONValue? {
        var current: JSONValue? = config
        for key in path.split(separator: ".") { current = current?[String(key)] }
        return current
    }

    static func number(_ value: Double) -> JSONValue {
        let text = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(Float(value))"
        return .number(Double(text) ?? value, text: text)
    }
}
