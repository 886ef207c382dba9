import Foundation

/// Saves the run after every epoch as checkpoint `last`, and as `best` whenever the
/// monitored value improves; each is a safetensors file plus a JSON sidecar (see
/// ``CheckpointStore``), both replaced atomically.
///
/// Put it after the callbacks whose state it should capture (schedules, early stopping).
public final class ModelCheckpoint: TrainingCallback {
    /// The folder the checkpoints go to.
    public let directory: URL
    /// The value deciding `best` (nil saves only `last`).
    public let monitor: String?
    /// Whether smaller or larger is better.
    public let mode: MonitorMode
    /// Whether to write `last` after every epoch.
    public let savesLast: Bool
    private var best: Double?

    /// - Parameters:
    ///   - directory: where `last.*` and `best.*` are written.
    ///   - monitor: the record value that selects `best`; nil for none.
    ///   - mode: `nil` infers it from the name.
    ///   - saveLast: write `last` after every epoch (needed to resume).
    public init(directory: URL, monitor: String? = "val_loss", mode: MonitorMode? = nil, saveLast: Bool = true) {
        self.directory = directory
        self.monitor = monitor
        self.mode = mode ?? .inferred(for: monitor ?? "val_loss")
        self.savesLast = saveLast
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        // The trainer appends this epoch's record after the callbacks; save with it added,
        // exactly as a resumed trainer will see it.
        trainer.history.append(record)
        defer { trainer.history.removeLast() }
        if let monitor {
            guard let value = record.value(of: monitor) else {
                throw TrainingError.invalidSetting(name: "checkpoint.monitor", detail: "'\(monitor)' is not measured")
            }
            if mode.isImprovement(value, over: best, minimumDelta: 0) {
                best = value
                try CheckpointStore.save(trainer, to: directory, name: "best")
            }
        }
        if savesLast { try CheckpointStore.save(trainer, to: directory, name: "last") }
    }

    public var stateKey: String? { "model_checkpoint" }
    public func encodeState() throws -> Data? { try NonFiniteJSON.encoder().encode(best) }
    public func restoreState(_ data: Data) throws { best = try NonFiniteJSON.decoder().decode(Double?.self, from: data) }
}
