import Foundation
import HoneCore
import HoneData
import HoneNN
import HoneOptim

/// The `train` suite: workloads W1–W4 measured the way the PyTorch reference script
/// measures them (same zoo models, batch sizes and optimizers; synthetic inputs made once;
/// warm-up, then the median of single-step times).
///
/// A train step is zero-grad + forward + cross-entropy + backward + optimizer step; an
/// inference step is a forward pass in evaluation mode without gradient recording.
public enum TrainBenchmarks {
    /// One reference workload.
    public enum Workload: String, CaseIterable, Sendable {
        case w1 = "W1", w2 = "W2", w3 = "W3", w4 = "W4"

        /// Parses `w1`, `W1`, … (nil for anything else).
        public init?(name: String) {
            self.init(rawValue: name.uppercased())
        }

        /// The batch size of the reference.
        public var batchSize: Int {
            switch self {
            case .w1: 128
            case .w2: 64
            case .w3: 128
            case .w4: 32
            }
        }

        /// Whether the suite also times single-sample inference (the convolutional and
        /// attention workloads, where batch-1 calls are a different regime).
        var measuresLatency: Bool { self != .w1 }

        /// The shape of one sample.
        var sampleShape: [Int] {
            switch self {
            case .w1: [784]
            case .w2: [1, 28, 28]
            case .w3: [3, 32, 32]
            case .w4: [64]
            }
        }

        /// The zoo model of the workload.
        func makeModel() -> any UnaryLayer {
            switch self {
            case .w1: MLP(seed: 0)
            case .w2: LeNet(seed: 0)
            case .w3: ResNet(seed: 0)
            case .w4: TransformerClassifier(seed: 0)
            }
        }

        /// The optimizer of the reference over `parameters`.
        func makeOptimizer(_ parameters: [Tensor]) -> Optimizer {
            switch self {
            case .w1, .w3: SGD(parameters: parameters, learningRate: 0.01, momentum: 0.9)
            case .w2: Adam(parameters: parameters, learningRate: 1e-3)
            case .w4: AdamW(parameters: parameters, learningRate: 1e-3)
            }
        }

        /// `count` synthetic samples: standard normal images/features, or token ids below 1000.
        func makeInputs(count: Int, using generator: inout SeededGenerator) -> Tensor {
            let shape = [count] + sampleShape
            guard self == .w4 else { return Tensor.normal(shape, using: &generator) }
            let tokens = (0..<shape.reduce(1, *)).map { _ in Float(generator.nextInt(below: 1000)) }
            return Tensor(shape: shape, scalars: tokens)
        }
    }

    /// How long each measurement runs; the defaults match the reference script.
    public struct Settings: Sendable {
        /// Untimed steps before timing.
        public var warmup = 3
        /// Timed steps at least.
        public var minimumSteps = 20
        /// Timed seconds at least.
        public var minimumSeconds = 10.0
        /// Batches of the data-loading epoch.
        public var dataEpochBatches = 20
        /// Single-sample inference calls timed for the latency percentiles (after as many
        /// untimed ones as `warmup` says, ten at least).
        public var latencyCalls = 300

        /// The reference script's settings.
        public init() {}

        /// Short measurements for smoke tests.
        public static var quick: Settings {
            var settings = Settings()
            settings.warmup = 1
            settings.minimumSteps = 3
            settings.minimumSeconds = 0.2
            settings.dataEpochBatches = 4
            settings.latencyCalls = 20
            return settings
        }
    }

    /// Measures `workload` in this process: train and inference samples per second, the
    /// data-wait fraction of a prefetching epoch, and this process's peak resident memory.
    public static func runSingle(_ workload: Workload, settings: Settings = Settings()) -> [BenchResult] {
        var generator = SeededGenerator(seed: 0)
        let model = workload.makeModel()
        let optimizer = workload.makeOptimizer(model.parameters())
        let batch = workload.batchSize
        let inputs = workload.makeInputs(count: batch, using: &generator)
        let labels = (0..<batch).map { _ in generator.nextInt(below: 10) }

        func trainStep(_ x: Tensor, _ y: [Int]) {
            optimizer.zeroGrad()
            let loss = crossEntropy(logits: model(x), targets: y)
            loss.backward()
            optimizer.step()
        }

        model.train()
        let trainSeconds = medianStepSeconds(settings) { trainStep(inputs, labels) }
        let dataWait = dataWaitFraction(workload, settings: settings, using: &generator, trainStep: trainStep)

        model.eval()
        let inferSeconds = medianStepSeconds(settings) { _ = withNoGrad { model(inputs) } }

        let name = workload.rawValue
        var latency: [BenchResult] = []
        if workload.measuresLatency {
            let sample = workload.makeInputs(count: 1, using: &generator)
            let (p50, p99) = singleSampleLatency(settings) { _ = withNoGrad { model(sample) } }
            latency = [
                BenchResult(workload: name, metric: "infer_latency_p50_ms", value: p50 * 1e3),
                BenchResult(workload: name, metric: "infer_latency_p99_ms", value: p99 * 1e3),
            ]
        }
        return latency + [
            BenchResult(workload: name, metric: "train_samples_per_s", value: Double(batch) / trainSeconds),
            BenchResult(workload: name, metric: "infer_samples_per_s", value: Double(batch) / inferSeconds),
            BenchResult(workload: name, metric: "train_step_ms", value: trainSeconds * 1e3),
            BenchResult(workload: name, metric: "infer_step_ms", value: inferSeconds * 1e3),
            BenchResult(workload: name, metric: "data_wait_fraction", value: dataWait),
            BenchResult(workload: name, metric: "peak_rss_mb", value: Double(Timing.peakResidentBytes()) / 1_048_576),
        ]
    }

    /// The reference script's timing: `warmup` untimed calls, then single calls until both
    /// minimums are met; the median call time.
    static func medianStepSeconds(_ settings: Settings, _ body: () -> Void) -> Double {
        Timing.medianSeconds(warmup: settings.warmup, minimumRuns: settings.minimumSteps, minimumSeconds: settings.minimumSeconds, body)
    }

    /// The 50th and 99th percentile seconds of `settings.latencyCalls` single calls of
    /// `body`, each timed on its own (the nearest-rank percentile, as the reference's).
    static func singleSampleLatency(_ settings: Settings, _ body: () -> Void) -> (p50: Double, p99: Double) {
        for _ in 0..<max(settings.warmup, 10) { body() }
        var samples: [Double] = []
        samples.reserveCapacity(settings.latencyCalls)
        for _ in 0..<max(settings.latencyCalls, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        samples.sort()
        func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int((p * Double(samples.count)).rounded(.up)) - 1)] }
        return (percentile(0.5), percentile(0.99))
    }

    /// Seconds spent waiting for batches over the seconds of one short training epoch
    /// through a prefetching ``DataLoader`` on synthetic data of the workload's shape.
    static func dataWaitFraction(
        _ workload: Workload, settings: Settings, using generator: inout SeededGenerator, trainStep: (Tensor, [Int]) -> Void
    ) -> Double {
        let count = workload.batchSize * settings.dataEpochBatches
        let inputs = workload.makeInputs(count: count, using: &generator)
        let labels = (0..<count).map { _ in generator.nextInt(below: 10) }
        guard let loader = try? DataLoader(
            dataset: TensorDataset(inputs: inputs, labels: labels), batchSize: workload.batchSize, shuffle: true, seed: 0,
            prefetchDepth: 2)
        else { return .nan }
        let start = DispatchTime.now().uptimeNanoseconds
        for batch in loader { trainStep(batch.inputs, batch.labels) }
        let epochSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return loader.waitSeconds / epochSeconds
    }

    /// Runs each workload in a fresh child process (`executable` with `arguments(workload)`,
    /// which must print one ``BenchReport`` as JSON), so peak memory is per workload.
    ///
    /// - Throws: ``ChildFailure`` when a child exits unsuccessfully or prints no report.
    public static func runIsolated(
        _ workloads: [Workload], executable: URL, arguments: (Workload) -> [String]
    ) throws -> [BenchResult] {
        var results: [BenchResult] = []
        for workload in workloads {
            let report = try ChildReport.run(executable, arguments: arguments(workload), workload: workload.rawValue)
            results += report.results
        }
        return results
    }

    /// A workload's child process failed.
    public struct ChildFailure: Error, CustomStringConvertible {
        /// The workload the child measured.
        public var workload: String
        /// What went wrong.
        public var detail: String

        /// The failure as one line.
        public var description: String { "train benchmark \(workload) failed: \(detail)" }
    }
}
