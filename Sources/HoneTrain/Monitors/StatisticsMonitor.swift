import Foundation
import HoneCore

/// Records gradient statistics (per parameter: L2 norm, mean, standard deviation,
/// fraction near zero) and activation statistics (per layer: mean, standard deviation,
/// fraction of dead units) once per epoch, appending a ``MonitorRecord`` to `monitors.jsonl`.
///
/// Gradients are measured every `gradientInterval` batches, between backward and the
/// optimizer step (before clipping when listed before the clipping callback), and averaged.
/// Activations are measured at the end of each epoch on the epoch's first training batch
/// with the model in evaluation mode.
public final class StatisticsMonitor: TrainingCallback {
    /// The file the records are appended to.
    public let url: URL
    /// Whether gradient statistics are recorded.
    public let recordsGradients: Bool
    /// Whether activation statistics are recorded.
    public let recordsActivations: Bool
    /// Measure gradients every this many batches.
    public let gradientInterval: Int
    /// Gradient values with magnitude below this count as near zero.
    public let nearZeroThreshold: Float
    /// The records written so far in this process.
    public private(set) var records: [MonitorRecord] = []
    private var sums: [String: ValueStatistics] = [:]
    private var gradientSamples = 0

    /// - Parameters:
    ///   - url: the `monitors.jsonl` file.
    ///   - gradients: record gradient statistics.
    ///   - activations: record activation statistics.
    ///   - gradientInterval: measure gradients every this many batches (≥ 1).
    ///   - nearZeroThreshold: the magnitude below which a gradient value is "near zero".
    public init(url: URL, gradients: Bool = true, activations: Bool = true, gradientInterval: Int = 10,
                nearZeroThreshold: Float = 1e-8) {
        precondition(gradientInterval >= 1, "StatisticsMonitor: gradient interval \(gradientInterval) must be at least 1")
        self.url = url
        recordsGradients = gradients
        recordsActivations = activations
        self.gradientInterval = gradientInterval
        self.nearZeroThreshold = nearZeroThreshold
    }

    public func fitWillBegin(_ trainer: Trainer) throws {
        // Keep the records of the epochs the (possibly resumed) trainer has completed.
        var kept = ""
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                if let record = try? NonFiniteJSON.decoder().decode(MonitorRecord.self, from: Data(line.utf8)), record.epoch <= trainer.epoch {
                    kept += line + "\n"
                }
            }
        }
        try AtomicFile.write(Data(kept.utf8), to: url)
    }

    public func epochWillBegin(_ trainer: Trainer, epoch: Int) throws {
        sums = [:]
        gradientSamples = 0
    }

    public func gradientsReady(_ trainer: Trainer) throws {
        guard recordsGradients, trainer.globalStep % gradientInterval == 0 else { return }
        gradientSamples += 1
        for (name, parameter) in trainer.model.namedParameters() {
            guard let gradient = parameter.grad else { continue }
            let statistics = Self.statistics(of: gradient, nearZero: nearZeroThreshold)
            var sum = sums[name] ?? ValueStatistics(mean: 0, standardDeviation: 0, l2Norm: 0, fractionNearZero: 0)
            sum.mean += statistics.mean
            sum.standardDeviation += statistics.standardDeviation
            sum.l2Norm! += statistics.l2Norm!
            sum.fractionNearZero! += statistics.fractionNearZero!
            sums[name] = sum
        }
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        var gradients: [String: ValueStatistics] = [:]
        let count = Double(max(gradientSamples, 1))
        for (name, sum) in sums {
            gradients[name] = ValueStatistics(
                mean: sum.mean / count, standardDeviation: sum.standardDeviation / count, l2Norm: sum.l2Norm! / count,
                fractionNearZero: sum.fractionNearZero! / count)
        }
        var activations: [String: ValueStatistics] = [:]
        if recordsActivations, let probe = trainer.probeInputs {
            let wasTraining = trainer.model.isTraining
            trainer.model.eval()
            defer { trainer.model.train(wasTraining) }
            var types: [String: String] = [:]
            for (name, module) in trainer.model.namedModules() { types[name] = String(describing: type(of: module)) }
            for (name, output) in trainer.model.layerOutputs(for: probe) where name != "(model)" {
                var statistics = Self.statistics(of: output, nearZero: 0)
                statistics.l2Norm = nil
                statistics.fractionNearZero = nil
                statistics.deadFraction = Self.deadFraction(output)
                statistics.layerType = types[name]
                activations[name] = statistics
            }
        }
        let monitorRecord = MonitorRecord(epoch: record.epoch, gradientSamples: gradientSamples, gradients: gradients, activations: activations)
        records.append(monitorRecord)
        let line = String(decoding: try NonFiniteJSON.encoder().encode(monitorRecord), as: UTF8.self) + "\n"
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw TrainingError.unwritable(file: url.path, detail: "\(error)")
        }
    }

    /// Mean, population standard deviation, L2 norm and fraction of values below `nearZero`
    /// in magnitude, accumulated in Double.
    static func statistics(of tensor: Tensor, nearZero: Float) -> ValueStatistics {
        var sum = 0.0, squares = 0.0, small = 0
        tensor.withUnsafeBufferPointer { values in
            for value in values {
                sum += Double(value)
                squares += Double(value) * Double(value)
                if abs(value) < nearZero { small += 1 }
            }
        }
        let count = Double(max(tensor.count, 1))
        let mean = sum / count
        return ValueStatistics(
            mean: mean, standardDeviation: (max(squares / count - mean * mean, 0)).squareRoot(), l2Norm: squares.squareRoot(),
            fractionNearZero: Double(small) / count)
    }

    /// The fraction of units never positive in `output`: channels of `[B, C, H, W]`,
    /// features of `[B, F]` (the last axis otherwise).
    static func deadFraction(_ output: Tensor) -> Double {
        guard output.rank >= 2, output.count > 0 else { return 0 }
        let units = output.rank == 4 ? output.shape[1] : output.shape[output.rank - 1]
        var alive = [Bool](repeating: false, count: units)
        output.withUnsafeBufferPointer { values in
            if output.rank == 4 {
                let plane = output.shape[2] * output.shape[3]
                for index in values.indices where values[index] > 0 { alive[(index / plane) % units] = true }
            } else {
                for index in values.indices where values[index] > 0 { alive[index % units] = true }
            }
        }
        return Double(alive.filter { !$0 }.count) / Double(units)
    }
}
