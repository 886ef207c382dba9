import Foundation
import HoneCore

/// Collects the layers called during one forward pass, for ``Module/summary(inputShape:printing:)``.
final class LayerTrace: @unchecked Sendable {
    @TaskLocal static var current: LayerTrace?

    private(set) var calls: [(module: Module, outputShape: [Int])] = []
    /// The outputs themselves, kept only when asked for (``Module/layerOutputs(for:)``).
    private(set) var outputs: [Tensor] = []
    var keepsOutputs = false

    func record(_ module: Module, output: Tensor) {
        calls.append((module, output.shape))
        if keepsOutputs { outputs.append(output) }
    }
}

/// A table of the layers a model ran on one input: name, type, output shape and the
/// parameters each owns directly, with totals.
public struct ModelSummary: CustomStringConvertible {
    /// One called layer.
    public struct Row {
        /// The dotted path of the layer in the model (`blocks.0.conv1`); `(model)` for the root.
        public var name: String
        /// The layer's type name (`Conv2d`).
        public var type: String
        /// The shape of its output for the summarized input.
        public var outputShape: [Int]
        /// Values in the tensors this layer holds itself (not its children's).
        public var parameterCount: Int
    }

    /// The layers in call order.
    public var rows: [Row]
    /// All learned values of the model.
    public var totalParameters: Int
    /// Learned values that receive gradients.
    public var trainableParameters: Int
    /// Learned values frozen with ``Module/freeze(matching:)``.
    public var frozenParameters: Int { totalParameters - trainableParameters }

    public var description: String {
        let header = ("Layer", "Type", "Output shape", "Params")
        let cells = rows.map { ($0.name, $0.type, "\($0.outputShape)", String($0.parameterCount)) }
        let widths = (
            max(header.0.count, cells.map(\.0.count).max() ?? 0),
            max(header.1.count, cells.map(\.1.count).max() ?? 0),
            max(header.2.count, cells.map(\.2.count).max() ?? 0),
            max(header.3.count, cells.map(\.3.count).max() ?? 0))
        func line(_ c: (String, String, String, String)) -> String {
            c.0.padding(toLength: widths.0, withPad: " ", startingAt: 0) + "  "
                + c.1.padding(toLength: widths.1, withPad: " ", startingAt: 0) + "  "
                + c.2.padding(toLength: widths.2, withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: widths.3 - c.3.count) + c.3
        }
        let rule = String(repeating: "-", count: widths.0 + widths.1 + widths.2 + widths.3 + 6)
        var lines = [line(header), rule]
        lines += cells.map(line)
        lines.append(rule)
        lines.append("Total parameters: \(totalParameters)")
        lines.append("Trainable parameters: \(trainableParameters)")
        lines.append("Frozen parameters: \(frozenParameters)")
        return lines.joined(separator: "\n")
    }
}

extension UnaryLayer {
    /// Runs the model once on zeros of `inputShape` (in evaluation mode, without
    /// gradients, leaving every module's mode as it was) and lists each layer called,
    /// its output shape and its parameter count, with totals.
    ///
    /// Zeros are valid input for every layer, embeddings included (token 0).
    ///
    /// ```swift
    /// let model = MLP()
    /// model.summary(inputShape: [1, 784])
    /// ```
    @discardableResult
    public func summary(inputShape: [Int], printing: Bool = true) -> ModelSummary {
        let modules = namedModules()
        let modes = modules.map(\.module.isTraining)
        var names: [ObjectIdentifier: String] = [:]
        for (name, module) in modules where names[ObjectIdentifier(module)] == nil {
            names[ObjectIdentifier(module)] = name.isEmpty ? "(model)" : name
        }
        eval()
        let trace = LayerTrace()
        LayerTrace.$current.withValue(trace) {
            _ = withNoGrad { self(Tensor.zeros(inputShape)) }
        }
        for ((_, module), mode) in zip(modules, modes) { module.isTraining = mode }
        let rows = trace.calls.map { call in
            ModelSummary.Row(
                name: names[ObjectIdentifier(call.module)] ?? "?",
                type: String(describing: type(of: call.module)),
                outputShape: call.outputShape,
                parameterCount: call.module.namedMembers().reduce(0) { total, entry in
                    if case .parameter(let tensor) = entry.member { return total + tensor.count }
                    return total
                })
        }
        let parameters = self.parameters()
        let result = ModelSummary(
            rows: rows,
            totalParameters: parameters.reduce(0) { $0 + $1.count },
            trainableParameters: parameters.filter(\.requiresGrad).reduce(0) { $0 + $1.count })
        if printing { print(result) }
        return result
    }
}
