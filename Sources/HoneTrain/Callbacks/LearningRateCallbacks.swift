import Foundation

/// Steps a learning-rate schedule once per batch or once per epoch.
///
/// The step count is saved with checkpoints, so a resumed run continues the schedule
/// where it was.
public final class LearningRateScheduleCallback: TrainingCallback {
    /// When the schedule advances.
    public enum Interval: String, Codable, Sendable {
        /// After every optimizer step.
        case batch
        /// After every epoch.
        case epoch
    }

    /// How often the schedule advances.
    public let interval: Interval
    private let schedule: any LearningRateSchedule
    private let optimizer: Optimizer
    /// The scheduler driving the optimizer.
    public private(set) var scheduler: LearningRateScheduler

    /// Drives `optimizer`'s learning rate from `schedule`, stepping every `interval`.
    public init(optimizer: Optimizer, schedule: any LearningRateSchedule, interval: Interval = .epoch) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.interval = interval
        scheduler = LearningRateScheduler(optimizer, schedule: schedule)
    }

    public func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws {
        if interval == .batch { scheduler.step() }
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        if interval == .epoch { scheduler.step() }
    }

    public var stateKey: String? { "learning_rate_schedule" }
    public func encodeState() throws -> Data? { try JSONEncoder().encode(scheduler.stepCount) }
    public func restoreState(_ data: Data) throws {
        let stepCount = try JSONDecoder().decode(Int.self, from: data)
        scheduler = LearningRateScheduler(optimizer, schedule: schedule, stepCount: stepCount)
    }
}

/// Lowers the learning rate when a monitored value stops improving (PyTorch's
/// `ReduceLROnPlateau`), fed with the value at the end of each epoch.
public final class ReduceOnPlateauCallback: TrainingCallback {
    /// The monitored record value.
    public let monitor: String
    /// The plateau detector and its state.
    public private(set) var plateau: ReduceOnPlateau

    /// Watches `monitor`, reducing as `plateau` decides.
    public init(monitor: String = "val_loss", plateau: ReduceOnPlateau) {
        self.monitor = monitor
        self.plateau = plateau
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        guard let value = record.value(of: monitor) else {
            throw TrainingError.invalidSetting(name: "schedule.monitor", detail: "'\(monitor)' is not measured")
        }
        _ = plateau.step(metric: Float(value), optimizer: trainer.optimizer)
    }

    public var stateKey: String? { "reduce_on_plateau" }
    public func encodeState() throws -> Data? { try NonFiniteJSON.encoder().encode(plateau) }
    public func restoreState(_ data: Data) throws { plateau = try NonFiniteJSON.decoder().decode(ReduceOnPlateau.self, from: data) }
}

/// Clips gradients after the backward pass and before the optimizer step.
public final class GradientClippingCallback: TrainingCallback {
    /// How gradients are limited.
    public enum Method: Equatable, Sendable {
        /// Scale all gradients so their global L2 norm is at most `maxNorm`.
        case norm(maxNorm: Float)
        /// Clamp every gradient value into `[-clipValue, clipValue]`.
        case value(clipValue: Float)
    }

    /// The clipping applied.
    public let method: Method
    /// The global gradient norm before clipping at the latest step (norm clipping only).
    public private(set) var lastNorm: Float?

    /// Clips with `method`.
    public init(_ method: Method) {
        self.method = method
    }

    public func gradientsReady(_ trainer: Trainer) throws {
        let parameters = trainer.model.trainableParameters()
        switch method {
        case .norm(let maxNorm):
            // Non-finite gradients are left as they are: the trainer then stops, naming the
            // first parameter that holds one, rather than scaling every gradient by NaN.
            let norm = try GradientClipping.byGlobalNorm(parameters, maxNorm: maxNorm, onNonFinite: .skip)
            lastNorm = norm
            trainer.measuredGradientNorm = norm
        case .value(let clipValue): GradientClipping.byValue(parameters, clipValue: clipValue)
        }
    }
}
