import Foundation
import HoneCore
import HoneData
import HoneTrain

/// What leaving the training monitors on costs: workload W2 (LeNet, Adam, batch 64) trained
/// through the ``HoneTrain/Trainer`` on synthetic data, with the default
/// ``HoneTrain/StatisticsMonitor`` (and its after-clipping hook) or without.
///
/// Each epoch is timed by the trainer; the result is the median over the timed epochs,
/// after one untimed warm-up epoch. Run it with `--monitors on` and `--monitors off`
/// alternately to compare; the README's monitor section gives measured numbers.
public enum MonitorBenchmarks {
    /// Samples per second of W2 through the trainer, with monitors on or off.
    ///
    /// - Throws: what the trainer or the monitor's file throws.
    public static func run(monitors: Bool, quick: Bool) throws -> [BenchResult] {
        let workload = TrainBenchmarks.Workload.w2
        let batches = quick ? 20 : 200, timedEpochs = quick ? 2 : 4
        var generator = SeededGenerator(seed: 0)
        let count = workload.batchSize * batches
        let inputs = workload.makeInputs(count: count, using: &generator)
        let labels = (0..<count).map { _ in generator.nextInt(below: 10) }
        let loader = try DataLoader(
            dataset: TensorDataset(inputs: inputs, labels: labels), batchSize: workload.batchSize, shuffle: true, seed: 0)
        let model = workload.makeModel()
        let trainer = Trainer(model: model, optimizer: workload.makeOptimizer(model.parameters()))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hone-bench-monitors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        if monitors {
            let monitor = StatisticsMonitor(url: folder.appendingPathComponent(MonitorLog.fileName))
            trainer.callbacks = [monitor, monitor.afterClipping]
        }
        let history = try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 1 + timedEpochs)
        let rates = history.dropFirst().map(\.samplesPerSecond).sorted()
        let median = rates.count % 2 == 1 ? rates[rates.count / 2] : (rates[rates.count / 2 - 1] + rates[rates.count / 2]) / 2
        let monitorFile = folder.appendingPathComponent(MonitorLog.fileName).path
        let monitorBytes = (try? FileManager.default.attributesOfItem(atPath: monitorFile)[.size] as? Int) ?? 0
        return [
            BenchResult(workload: workload.rawValue, metric: "trainer_samples_per_s", value: median),
            BenchResult(workload: workload.rawValue, metric: "monitors_on", value: monitors ? 1 : 0),
            BenchResult(workload: workload.rawValue, metric: "monitor_bytes_per_step", value: Double(monitorBytes) / Double(batches * (1 + timedEpochs))),
        ]
    }
}
