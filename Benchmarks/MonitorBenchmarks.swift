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
/// load, and reports each one's median and the relative cost; with the monitor on it also
/// reports the fraction of the training time spent inside the monitor's hooks, a ratio
/// that machine load barely moves.
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

        let hookClock = HookTimer.Clock()
        var trainers: [(monitored: Bool, trainer: Trainer, loader: DataLoader<TensorDataset>)] = []
        for monitored in [true, false] where mode == .compare || (mode == .on) == monitored {
            let model = workload.makeModel()
            let trainer = Trainer(model: model, optimizer: workload.makeOptimizer(model.parameters()))
            if monitored {
                let monitor = StatisticsMonitor(url: monitorFile)
                trainer.callbacks = [HookTimer(monitor, clock: hookClock), HookTimer(monitor.afterClipping, clock: hookClock)]
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
        if let monitored = trainers.first(where: \.monitored) {
            // Measured at the same moments as the epochs, so machine load cancels out.
            let seconds = monitored.trainer.history.reduce(0) { $0 + $1.seconds }
            results.append(BenchResult(workload: workload.rawValue, metric: "monitor_hook_time_fraction", value: hookClock.seconds / seconds))
        }
        if medians[true] != nil {
            let bytes = (try? FileManager.default.attributesOfItem(atPath: monitorFile.path)[.size] as? Int) ?? 0
            results.append(BenchResult(workload: workload.rawValue, metric: "monitor_bytes_per_step", value: Double(bytes) / Double(batches * (1 + timedEpochs))))
        }
        return results
    }
}

/// Runs a callback's hooks and adds the time they take to a clock: the cost of the
/// monitor itself, measured inside the epochs it slows down.
final class HookTimer: TrainingCallback {
    /// Seconds accumulated by the timers sharing it.
    final class Clock {
        var seconds = 0.0
    }

    private let wrapped: TrainingCallback
    private let clock: Clock

    init(_ wrapped: TrainingCallback, clock: Clock) {
        self.wrapped = wrapped
        self.clock = clock
    }

    private func timed(_ body: () throws -> Void) rethrows {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { clock.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        try body()
    }

    func fitWillBegin(_ trainer: Trainer) throws { try wrapped.fitWillBegin(trainer) }
    func epochWillBegin(_ trainer: Trainer, epoch: Int) throws { try timed { try wrapped.epochWillBegin(trainer, epoch: epoch) } }
    func batchWillBegin(_ trainer: Trainer, batch: Int) throws { try timed { try wrapped.batchWillBegin(trainer, batch: batch) } }
    func gradientsReady(_ trainer: Trainer) throws { try timed { try wrapped.gradientsReady(trainer) } }
    func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws {
        try timed { try wrapped.batchDidEnd(trainer, batch: batch, loss: loss) }
    }
    func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        var copy = record
        try timed { try wrapped.epochDidEnd(trainer, record: &copy) }
        record = copy
    }
    func fitDidEnd(_ trainer: Trainer) throws { try wrapped.fitDidEnd(trainer) }
    func trainingDidFail(_ trainer: Trainer, error: TrainingError) throws { try wrapped.trainingDidFail(trainer, error: error) }
}
