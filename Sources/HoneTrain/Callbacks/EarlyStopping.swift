import Foundation
import HoneCore

/// Whether a larger or a smaller monitored value is better.
public enum MonitorMode: String, Codable, Sendable {
    /// Smaller is better (losses).
    case min
    /// Larger is better (accuracies).
    case max

    /// The mode that suits `monitor`: `max` for accuracies, AUC, F1 and R², else `min`.
    public static func inferred(for monitor: String) -> MonitorMode {
        ["accuracy", "auc", "f1", "r2"].contains { monitor.hasSuffix($0) } ? .max : .min
    }

    /// Whether `value` beats `best` by more than `minimumDelta`; NaN never does.
    public func isImprovement(_ value: Double, over best: Double?, minimumDelta: Double) -> Bool {
        guard !value.isNaN else { return false }
        guard let best else { return true }
        return self == .min ? value < best - minimumDelta : value > best + minimumDelta
    }
}

/// Stops training when a monitored value has not improved for `patience` epochs, and
/// optionally puts back the weights of the best epoch when training ends (Keras's
/// `EarlyStopping(restore_best_weights=True)`).
///
/// ```swift
/// let stopping = EarlyStopping(monitor: "val_loss", patience: 3, restoreBestWeights: true)
/// ```
public final class EarlyStopping: TrainingCallback {
    /// The saved state: the best value and epoch, the epochs waited, the best weights.
    public struct State: Codable, Equatable {
        /// The best value seen.
        public var best: Double?
        /// The epoch (from 1) of the best value.
        public var bestEpoch: Int
        /// Epochs since the last improvement.
        public var wait: Int
        /// The epoch (from 1) at which training was stopped, if it was.
        public var stoppedEpoch: Int?
        /// The model's state dictionary at the best epoch, as safetensors bytes.
        public var bestWeights: Data?
    }

    /// The monitored quantity (`val_loss`, `val_accuracy`, `loss`, …).
    public let monitor: String
    /// Whether smaller or larger is better.
    public let mode: MonitorMode
    /// Epochs without improvement before stopping.
    public let patience: Int
    /// The least change that counts as an improvement.
    public let minimumDelta: Double
    /// Whether to restore the best epoch's weights when training ends.
    public let restoresBestWeights: Bool
    /// The current state.
    public private(set) var state = State(best: nil, bestEpoch: 0, wait: 0, stoppedEpoch: nil, bestWeights: nil)

    /// - Parameters:
    ///   - monitor: the record value watched.
    ///   - mode: `nil` infers it from the name (accuracies are maximized).
    ///   - patience: epochs without improvement tolerated.
    ///   - minimumDelta: the least improvement.
    ///   - restoreBestWeights: put back the best epoch's weights at the end.
    public init(monitor: String = "val_loss", mode: MonitorMode? = nil, patience: Int = 5, minimumDelta: Double = 0,
                restoreBestWeights: Bool = true) {
        precondition(patience >= 0, "EarlyStopping: patience \(patience) is negative")
        self.monitor = monitor
        self.mode = mode ?? .inferred(for: monitor)
        self.patience = patience
        self.minimumDelta = abs(minimumDelta)
        self.restoresBestWeights = restoreBestWeights
    }

    /// The epoch (from 1) at which training was stopped, if it was.
    public var stoppedEpoch: Int? { state.stoppedEpoch }
    /// The epoch (from 1) with the best monitored value.
    public var bestEpoch: Int { state.bestEpoch }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        guard let value = record.value(of: monitor) else {
            throw TrainingError.invalidSetting(
                name: "early_stopping.monitor", detail: "'\(monitor)' is not measured (measured: \(EpochRecord.monitorNames(metrics: trainer.metricNames).joined(separator: ", ")))")
        }
        if mode.isImprovement(value, over: state.best, minimumDelta: minimumDelta) {
            state.best = value
            state.bestEpoch = record.epoch
            state.wait = 0
            if restoresBestWeights { state.bestWeights = ModelSnapshot.encode(trainer.model) }
        } else {
            state.wait += 1
            if state.wait >= patience {
                state.stoppedEpoch = record.epoch
                trainer.stopRequested = true
            }
        }
    }

    public func fitDidEnd(_ trainer: Trainer) throws {
        if restoresBestWeights, let weights = state.bestWeights { try ModelSnapshot.restore(trainer.model, from: weights) }
    }

    public var stateKey: String? { "early_stopping" }
    public func encodeState() throws -> Data? { try NonFiniteJSON.encoder().encode(state) }
    public func restoreState(_ data: Data) throws { state = try NonFiniteJSON.decoder().decode(State.self, from: data) }

    /// The state without its best weights, which a checkpoint keeps in a safetensors file of its own.
    func encodeStateWithoutWeights() throws -> Data {
        var light = state
        light.bestWeights = nil
        return try NonFiniteJSON.encoder().encode(light)
    }

    /// Puts back best weights read from a checkpoint's best-weights file (safetensors bytes).
    func restoreBestWeights(_ weights: Data) { state.bestWeights = weights }
}

/// A model's parameters and buffers as safetensors bytes in memory.
enum ModelSnapshot {
    static func encode(_ model: Module) -> Data {
        var tensors: [String: Tensor] = [:]
        for (key, tensor) in model.stateDictionary() { tensors[key] = tensor }
        return Safetensors.encode(tensors)
    }

    static func restore(_ model: Module, from data: Data) throws {
        try model.load(try Safetensors.decode(data, file: "<best weights>").tensors)
    }
}
