import Foundation
import HoneCore
import HoneData
import HoneTrain

/// What leaving the training monitors on costs: workload W2 (LeNet, Adam, batch 64) trained
/// through the ``HoneTrain/Trainer`` on synthetic data, with the default
/// ``HoneTrain/StatisticsMonitor`` (and its after-clipping hook) or without.
///
/// Epochs of 200 batches (so the default 100-step sampling applies as on a long run) are
/// timed by the trainer, after one untimed warm-up epoch. `compare` alternates epochs of
/// a monitored and an unmonitored trainer in one process, so both see the same machine
/// load, and reports each one's median and the relative cost.
public enum MonitorBenchmarks {
    /// Which trainers to measure.
    public enum Mode: String, Sendable {
        /// Only the monitored trainer.
        case on
        /// Only the unmonitored trainer.
        case off
        /// Both, epochs interleaved.
        case compare
    }

    /// Samples per second of W2 through the trainer (median over the timed epochs).
    ///
    /// - Throws: what the trainer or the monitor's file throws.
    public static func run(_ mode: Mode, quick: Bool) throws -> [BenchResult] {
        let workload = TrainBenchmarks.Workload.w2
        let batches = quick ? 20 : 200, timedEpochs = quick ? 1 : 3
        var generator = SeededGenerator(seed: 0)
        let count = workload.batchSize * batches
        let inputs = workload.makeInputs(count: count, using: &generator)
        let labels = (0..<count).map { _ in generator.nextInt(below: 10) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hone-bench-monitors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let monitorFile = folder.appendingPathComponent(MonitorLog.fileName)

        var trainers: [(monitored: Bool, trainer: Trainer, loader: DataLoader<TensorDataset>)] = []
        for monitored in [true, false] where mode == .compare || (mode == .on) == monitored {
            let model = workload.makeModel()
            let trainer = Trainer(model: model, optimizer: workload.makeOptimizer(model.parameters()))
            if monitored {
                let monitor = StatisticsMonitor(url: monitorFile)
                trainer.callbacks = [monitor, monitor.afterClipping]
            }
            let loader = try DataLoader(
                dataset: TensorDataset(inputs: inputs, labels: labels), batchSize: workload.batchSize, shuffle: true, seed: 0)
            trainers.append((monitored, trainer, loader))
        }
        for epoch in 1...(1 + timedEpochs) {
            for entry in trainers {
                try entry.trainer.fit(training: entry.loader, validation: nil as DataLoader<TensorDataset>?, epochs: epoch)
            }
        }
        var results: [BenchResult] = []
        var medians: [Bool: Double] = [:]
        for entry in trainers {
            let rates = entry.trainer.history.dropFirst().map { $0.samplesPerSecond }.sorted()
            let median = rates.count % 2 == 1 ? rates[rates.count / 2] : (rates[rates.count / 2 - 1] + rates[rates.count / 2]) / 2
            medians[entry.monitored] = median
            let metric = mode == .compare ? "trainer_samples_per_s_monitors_\(entry.monitored ? "on" : "off")" : "trainer_samples_per_s"
            results.append(BenchResult(workload: workload.rawValue, metric: metric, value: median))
        }
        if let on = medians[true], let off = medians[false] {
            results.append(BenchResult(workload: workload.rawValue, metric: "monitor_overhead_fraction", value: off / on - 1))
        }
        if medians[true] != nil {
            let bytes = (try? FileManager.default.attributesOfItem(atPath: monitorFile.path)[.size] as? Int) ?? 0
            results.append(BenchResult(workload: workload.rawValue, metric: "monitor_bytes_per_step", value: Double(bytes) / Double(batches * (1 + timedEpochs))))
        }
        return results
    }
}
