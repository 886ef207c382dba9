import Foundation

/// What one epoch measured: one line of a run's `metrics.jsonl`.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// The epoch, counting from 1.
    public var epoch: Int
    /// The mean training loss over the epoch's samples (without regularization terms).
    public var trainLoss: Double
    /// Training metrics by name (`accuracy`), measured on the batches as they were trained.
    public var trainMetrics: [String: Double]
    /// The mean validation loss, when there is a validation set.
    public var validationLoss: Double?
    /// Validation metrics by name.
    public var validationMetrics: [String: Double]
    /// The learning rate at the end of the epoch.
    public var learningRate: Double
    /// Wall-clock seconds of the training pass.
    public var seconds: Double
    /// Training samples per second.
    public var samplesPerSecond: Double
    /// Seconds the training loop waited for the data loader.
    public var dataWaitSeconds: Double

    /// A record with the given values.
    public init(
        epoch: Int, trainLoss: Double, trainMetrics: [String: Double] = [:], validationLoss: Double? = nil,
        validationMetrics: [String: Double] = [:], learningRate: Double = 0, seconds: Double = 0,
        samplesPerSecond: Double = 0, dataWaitSeconds: Double = 0
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainMetrics = trainMetrics
        self.validationLoss = validationLoss
        self.validationMetrics = validationMetrics
        self.learningRate = learningRate
        self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond
        self.dataWaitSeconds = dataWaitSeconds
    }

    enum CodingKeys: String, CodingKey {
        case epoch
        case trainLoss = "train_loss"
        case trainMetrics = "train_metrics"
        case validationLoss = "val_loss"
        case validationMetrics = "val_metrics"
        case learningRate = "learning_rate"
        case seconds
        case samplesPerSecond = "samples_per_second"
        case dataWaitSeconds = "data_wait_seconds"
    }

    /// The names a callback may monitor: `loss`, `val_loss`, each training metric as
    /// `accuracy`, and each validation metric as `val_accuracy` (the training metrics
    /// when `validationMetrics` is nil).
    public static func monitorNames(metrics: [String], validationMetrics: [String]? = nil) -> [String] {
        ["loss", "val_loss"] + metrics + (validationMetrics ?? metrics).map { "val_" + $0 }
    }

    /// The value of a monitored quantity (see ``monitorNames(metrics:)``), or nil when this
    /// epoch did not measure it.
    public func value(of monitor: String) -> Double? {
        switch monitor {
        case "loss": return trainLoss
        case "val_loss": return validationLoss
        default:
            if monitor.hasPrefix("val_") { return validationMetrics[String(monitor.dropFirst(4))] }
            return trainMetrics[monitor]
        }
    }

    /// The first loss or metric that is NaN or infinite, with its monitor name (validation
    /// first: it is what diverges first when the weights blow up between evaluations).
    public var firstNonFinite: (metric: String, value: Double)? {
        if let validationLoss, !validationLoss.isFinite { return ("val_loss", validationLoss) }
        if let (name, value) = validationMetrics.sorted(by: { $0.key < $1.key }).first(where: { !$0.value.isFinite }) {
            return ("val_" + name, value)
        }
        if !trainLoss.isFinite { return ("loss", trainLoss) }
        if let (name, value) = trainMetrics.sorted(by: { $0.key < $1.key }).first(where: { !$0.value.isFinite }) {
            return (name, value)
        }
        return nil
    }

    /// The record as one line of JSON (keys sorted, so lines diff cleanly); NaN and
    /// infinities are written as the strings of ``NonFiniteJSON``.
    public func jsonLine() throws -> String {
        String(decoding: try NonFiniteJSON.encoder().encode(self), as: UTF8.self)
    }

    /// A record read back from one line of `metrics.jsonl`.
    public init(jsonLine: String) throws {
        self = try NonFiniteJSON.decoder().decode(EpochRecord.self, from: Data(jsonLine.utf8))
    }
}
