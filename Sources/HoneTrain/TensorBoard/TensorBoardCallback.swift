import Foundation

/// Writes a run's training statistics as a TensorBoard event file in `directory`:
/// the ``StatisticsMonitor``'s records as they are made (step scalars; activation,
/// gradient and input histograms; dead and saturated fractions; update ratios) and each
/// epoch's losses, metrics and learning rate.
///
/// List it after the monitor; without a monitor only the epoch scalars are written.
///
/// | tag | step | what |
/// | --- | --- | --- |
/// | `train/loss`, `train/learning_rate`, `train/samples_per_second` | optimizer step | step scalars |
/// | `gradients/global_norm`, `gradients/global_norm_clipped` | optimizer step | before and after clipping |
/// | `activations/LAYER`, `gradients/PARAMETER`, `inputs` | optimizer step | histograms |
/// | `dead_fraction/LAYER`, `saturated_fraction/LAYER`, `update_ratio/PARAMETER` | optimizer step | sampled scalars |
/// | `epoch/train_loss`, `epoch/val_loss`, `epoch/train_METRIC`, `epoch/val_METRIC`, `epoch/learning_rate` | epoch | epoch scalars |
public final class TensorBoardCallback: TrainingCallback {
    /// The folder of the event file.
    public let directory: URL
    private var writer: EventWriter?
    private weak var monitor: StatisticsMonitor?
    private var written = 0

    /// Writes into `directory` (the run directory, or a trial's).
    public init(directory: URL) {
        self.directory = directory
    }

    public func fitWillBegin(_ trainer: Trainer) throws {
        writer = try EventWriter(directory: directory)
        monitor = trainer.callbacks.lazy.compactMap { $0 as? StatisticsMonitor }.first
        written = monitor?.records.count ?? 0
    }

    public func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws {
        try writeNewMonitorRecords()
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        guard let writer else { return }
        var values: [(tag: String, value: Double)] = [("epoch/train_loss", record.trainLoss), ("epoch/learning_rate", record.learningRate)]
        if let validation = record.validationLoss { values.append(("epoch/val_loss", validation)) }
        for (name, value) in record.trainMetrics.sorted(by: { $0.key < $1.key }) { values.append(("epoch/train_\(name)", value)) }
        for (name, value) in record.validationMetrics.sorted(by: { $0.key < $1.key }) { values.append(("epoch/val_\(name)", value)) }
        try writer.scalars(values, step: record.epoch)
        try writer.flush()
    }

    public func trainingDidFail(_ trainer: Trainer, error: TrainingError) throws {
        try writeNewMonitorRecords()
        try writer?.flush()
    }

    public func fitDidEnd(_ trainer: Trainer) throws {
        try writer?.flush()
    }

    private func writeNewMonitorRecords() throws {
        guard let writer, let records = monitor?.records, records.count > written else { return }
        for record in records[written...] { try Self.write(record, to: writer) }
        written = records.count
    }

    /// Writes one monitor record as TensorBoard scalars and histograms.
    public static func write(_ record: MonitorRecord, to writer: EventWriter) throws {
        switch record {
        case .step(let step):
            try writer.scalars([
                ("train/loss", step.loss), ("train/learning_rate", step.learningRate), ("train/samples_per_second", step.samplesPerSecond),
                ("gradients/global_norm", step.gradientNorm), ("gradients/global_norm_clipped", step.clippedGradientNorm),
            ], step: step.step)
        case .sample(let sample):
            try writer.histogram("inputs", sample.input, step: sample.step)
            var values: [(tag: String, value: Double)] = []
            for layer in sample.layers {
                try writer.histogram("activations/\(layer.name)", layer.histogram, step: sample.step)
                if let dead = layer.deadFraction { values.append(("dead_fraction/\(layer.name)", dead)) }
                if let saturated = layer.saturatedFraction { values.append(("saturated_fraction/\(layer.name)", saturated)) }
            }
            for parameter in sample.parameters {
                try writer.histogram("gradients/\(parameter.name)", parameter.gradientHistogram, step: sample.step)
                values.append(("gradient_norm/\(parameter.name)", parameter.gradientNorm))
                if let ratio = parameter.updateRatio { values.append(("update_ratio/\(parameter.name)", ratio)) }
            }
            try writer.scalars(values, step: sample.step)
        case .failure(let failure):
            try writer.scalar("train/failure", failure.value ?? .nan, step: failure.step)
        }
    }
}
