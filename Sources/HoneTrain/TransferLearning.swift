import Foundation
import HoneCore

/// Reusing a trained network for a new task: load pretrained weights (Hone or PyTorch
/// safetensors, with key renaming), keep a new head, freeze the body by name pattern,
/// train the body at a lower learning rate, unfreeze later.
///
/// ```swift
/// let model = LeNet(classCount: 5, seed: 1)                  // new head: 5 classes
/// try TransferLearning.loadPretrained(into: model, from: url, excluding: ["fc2"])
/// TransferLearning.freeze(model, patterns: ["conv1", "conv2"])
/// let groups = TransferLearning.parameterGroups(model, head: ["fc2"], bodyLearningRateFactor: 0.1, learningRate: 1e-3)
/// let optimizer = Adam(groups: groups, learningRate: 1e-3)
/// let unfreeze = UnfreezeCallback(patterns: ["conv1", "conv2"], atEpoch: 3)
/// ```
///
/// ### References
/// Yosinski et al. 2014, "How transferable are features in deep neural networks?" (arXiv 1411.1792).
public enum TransferLearning {
    /// Loads the tensors of a safetensors file into `model`, except the keys (after
    /// renaming) matching an `excluding` pattern, which keep their fresh initialization
    /// (the new head).
    ///
    /// - Parameters:
    ///   - renaming: checkpoint key → model key; a key ending in `.` renames a prefix
    ///     (`["module.": ""]`, `["classifier.": "fc2."]`).
    ///   - excluding: name patterns (``Module/name(_:matches:)``) left untouched.
    ///   - strict: throw unless every other model key is loaded with the right shape.
    /// - Returns: what was loaded, missing, unexpected or mismatched.
    @discardableResult
    public static func loadPretrained(
        into model: Module, from url: URL, renaming: [String: String] = [:], excluding: [String] = [], strict: Bool = true
    ) throws -> CheckpointLoadReport {
        let archive = try Safetensors.read(from: url)
        var tensors: [String: Tensor] = [:]
        for (key, tensor) in archive.tensors {
            let renamed = Self.renamed(key, renaming)
            if !excluding.contains(where: { Module.name(renamed, matches: $0) }) { tensors[renamed] = tensor }
        }
        let excludedKeys = model.stateDictionary().map(\.name).filter { key in excluding.contains { Module.name(key, matches: $0) } }
        var report = try model.load(tensors, strict: false, source: url.path)
        report.missing.removeAll { excludedKeys.contains($0) }
        if strict && !report.isExact { throw TrainingError.invalidCheckpoint(file: url.path, detail: "does not fit the model: \(report)") }
        return report
    }

    /// Stops gradients for the parameters matching any of `patterns`; returns their names.
    @discardableResult
    public static func freeze(_ model: Module, patterns: [String]) -> [String] {
        patterns.flatMap { model.freeze(matching: $0) }
    }

    /// Two parameter groups: the head (names matching `head`) at the optimizer's learning
    /// rate, the body at `bodyLearningRateFactor` times it. Frozen parameters stay in
    /// their group, so unfreezing them later needs no new optimizer.
    public static func parameterGroups(_ model: Module, head: [String], bodyLearningRateFactor: Float, learningRate: Float) -> [ParameterGroup] {
        let named = model.namedParameters()
        let isHead: (String) -> Bool = { name in head.contains { Module.name(name, matches: $0) } }
        return [
            ParameterGroup(parameters: named.filter { !isHead($0.name) }.map { ($0.name, $0.tensor) },
                           learningRate: learningRate * bodyLearningRateFactor),
            ParameterGroup(parameters: named.filter { isHead($0.name) }.map { ($0.name, $0.tensor) }, learningRate: learningRate),
        ]
    }

    private static func renamed(_ key: String, _ renaming: [String: String]) -> String {
        if let exact = renaming[key] { return exact }
        for (from, to) in renaming.sorted(by: { $0.key.count > $1.key.count }) where from.hasSuffix(".") && key.hasPrefix(from) {
            return to + key.dropFirst(from.count)
        }
        return key
    }
}

/// Unfreezes the parameters matching `patterns` when epoch `atEpoch` (counting from 0)
/// begins, so a fine-tuned body starts training once the new head has settled.
///
/// A resumed run past that epoch unfreezes them again at the start.
public final class UnfreezeCallback: TrainingCallback {
    /// The name patterns unfrozen.
    public let patterns: [String]
    /// The epoch (from 0) at whose start they are unfrozen.
    public let epoch: Int

    /// Unfreezes `patterns` at the start of epoch `atEpoch` (from 0).
    public init(patterns: [String], atEpoch: Int) {
        self.patterns = patterns
        epoch = atEpoch
    }

    public func fitWillBegin(_ trainer: Trainer) throws {
        if trainer.epoch > epoch { unfreeze(trainer.model) }
    }

    public func epochWillBegin(_ trainer: Trainer, epoch: Int) throws {
        if epoch == self.epoch { unfreeze(trainer.model) }
    }

    private func unfreeze(_ model: Module) {
        for pattern in patterns { model.unfreeze(matching: pattern) }
    }
}
