import Foundation

/// Code run at fixed points of ``Trainer/fit(training:validation:epochs:)``; every hook
/// has an empty default, so a callback writes only the ones it needs.
///
/// The hooks, in the order they fire:
///
/// ```
/// fitWillBegin
///   epochWillBegin(epoch)
///     batchWillBegin(batch) → forward, loss, backward → gradientsReady → optimizer step → batchDidEnd(batch, loss)
///   (validation)  epochDidEnd(record)
/// fitDidEnd
/// ```
///
/// When an epoch stops on a ``TrainingError`` (a non-finite loss or gradient),
/// `trainingDidFail` runs before the error reaches the caller, so monitors can record it.
///
/// `gradientsReady` sees the gradients before the optimizer uses them (clipping, gradient
/// statistics). `epochDidEnd` may change the record (add a metric) or set
/// ``Trainer/stopRequested``. Callbacks run in the order given to the trainer: put the
/// ones that change state (schedules, early stopping) before a checkpoint so it saves
/// their updated state.
///
/// A callback with state that must survive an interruption returns it from
/// ``encodeState()``; the checkpoint stores it under ``stateKey`` and a resumed run hands
/// it back to ``restoreState(_:)``.
public protocol TrainingCallback: AnyObject {
    /// Runs once before the first epoch (also when resuming).
    func fitWillBegin(_ trainer: Trainer) throws
    /// Runs before epoch `epoch` (counting from 0).
    func epochWillBegin(_ trainer: Trainer, epoch: Int) throws
    /// Runs before batch `batch` of the current epoch.
    func batchWillBegin(_ trainer: Trainer, batch: Int) throws
    /// Runs after the backward pass and before the optimizer step.
    func gradientsReady(_ trainer: Trainer) throws
    /// Runs after the optimizer step, with the batch's loss.
    func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws
    /// Runs after validation, with the epoch's record.
    func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws
    /// Runs once after the last epoch (or after an early stop).
    func fitDidEnd(_ trainer: Trainer) throws
    /// The epoch's record holds a NaN or infinite loss or metric: training stops after this
    /// call with ``TrainingError/nonFiniteMetric(epoch:metric:value:)``, and no other hook
    /// sees the epoch (loggers record it here).
    func epochDidDiverge(_ trainer: Trainer, record: EpochRecord) throws
    /// Runs when training stops on `error` in the middle of an epoch.
    func trainingDidFail(_ trainer: Trainer, error: TrainingError) throws

    /// The key of this callback's saved state; nil when it has none.
    var stateKey: String? { get }
    /// The state to save in a checkpoint.
    func encodeState() throws -> Data?
    /// Restores state saved by ``encodeState()``.
    func restoreState(_ data: Data) throws
}

extension TrainingCallback {
    public func fitWillBegin(_ trainer: Trainer) throws {}
    public func epochWillBegin(_ trainer: Trainer, epoch: Int) throws {}
    public func batchWillBegin(_ trainer: Trainer, batch: Int) throws {}
    public func gradientsReady(_ trainer: Trainer) throws {}
    public func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws {}
    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {}
    public func fitDidEnd(_ trainer: Trainer) throws {}
    public func epochDidDiverge(_ trainer: Trainer, record: EpochRecord) throws {}
    public func trainingDidFail(_ trainer: Trainer, error: TrainingError) throws {}
    public var stateKey: String? { nil }
    public func encodeState() throws -> Data? { nil }
    public func restoreState(_ data: Data) throws {}
}

/// A callback made of closures, for one-off hooks (reporting to a tuner, tests).
public final class ClosureCallback: TrainingCallback {
    private let onEpochEnd: (Trainer, inout EpochRecord) throws -> Void

    /// Calls `onEpochEnd` at the end of every epoch.
    public init(onEpochEnd: @escaping (Trainer, inout EpochRecord) throws -> Void) {
        self.onEpochEnd = onEpochEnd
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        try onEpochEnd(trainer, &record)
    }
}
