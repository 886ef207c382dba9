import Foundation
import HoneCore
import HoneNN

/// How often and what the ``StatisticsMonitor`` records; the defaults are what `hone train`
/// runs with unless the config says `"monitors": false`.
public struct MonitorSettings: Equatable, Sendable {
    /// Record per-parameter gradient statistics at sampled steps.
    public var gradients = true
    /// Record per-layer activation statistics at sampled steps.
    public var activations = true
    /// Write training scalars (loss, learning rate, gradient norms, samples/s) every this many steps.
    public var stepInterval = 10
    /// Sample layers and parameters every this many steps (and at least twice an epoch).
    public var sampleInterval = 100
    /// The buckets of each histogram.
    public var histogramBins = 30

    /// The default settings.
    public init() {}
}

/// Records training statistics into `monitors.jsonl` (see ``MonitorLog`` for the format):
///
/// - every ``MonitorSettings/stepInterval`` steps, a ``StepRecord``: the mean loss since
///   the last one, the learning rate, the global gradient norm before and after clipping,
///   samples per second;
/// - at the first step and every ``MonitorSettings/sampleInterval`` steps, a
///   ``SampleRecord``: the input batch's distribution; per layer (one extra forward pass
///   of the batch in evaluation mode, without gradients) the output histogram, dead
///   ReLU-family units and saturated Sigmoid/Tanh outputs; per parameter the gradient norm
///   and histogram, the weight norm and the update-to-weight ratio of the step; the
///   batch's class counts;
/// - when training stops on a non-finite loss or gradient, a ``FailureRecord``.
///
/// Put the monitor before gradient clipping and ``afterClipping`` after it, so both norms
/// are measured. The cost at the default intervals is a few percent of a training step
/// at most (measured by `hone bench train --monitors`).
public final class StatisticsMonitor: TrainingCallback {
    /// The file the records are appended to.
    public let url: URL
    /// What is recorded and how often.
    public let settings: MonitorSettings
    /// The records written so far in this process.
    public private(set) var records: [MonitorRecord] = []
    /// The hook that measures gradients after clipping; list it after the clipping callback.
    public private(set) lazy var afterClipping = AfterClipping(monitor: self)

    private var lossSum = 0.0, stretchSteps = 0, stretchSamples = 0
    private var stretchStart: UInt64 = 0
    private var gradientNorm = 0.0, clippedGradientNorm = 0.0
    private var weightsBefore: [(name: String, tensor: Tensor, values: [Float], gradient: Histogram, gradientNorm: Double, weightNorm: Double)] = []
    private var inputHistogram: Histogram?
    private var aliveUnits: [String: [Bool]] = [:]

    /// A monitor appending to `url`.
    public init(url: URL, settings: MonitorSettings = MonitorSettings()) {
        precondition(settings.stepInterval >= 1 && settings.sampleInterval >= 1, "StatisticsMonitor: intervals must be at least 1")
        self.url = url
        self.settings = settings
    }

    /// Measures the global gradient norm after the callbacks listed before it (clipping).
    public final class AfterClipping: TrainingCallback {
        private unowned let monitor: StatisticsMonitor

        init(monitor: StatisticsMonitor) { self.monitor = monitor }

        public func gradientsReady(_ trainer: Trainer) throws {
            guard monitor.isRecordStep(trainer) else { return }
            monitor.clippedGradientNorm = StatisticsMonitor.globalNorm(trainer)
        }
    }

    public func fitWillBegin(_ trainer: Trainer) throws {
        // Keep the records of the steps the (possibly resumed) trainer has completed.
        var kept = Data()
        if FileManager.default.fileExists(atPath: url.path) {
            for record in try JSONLines.read(MonitorRecord.self, from: url).records {
                if case .failure = record { continue }
                if record.step <= trainer.globalStep { kept.append(try JSONLines.line(record)) }
            }
        }
        try AtomicFile.write(kept, to: url)
        stretchStart = DispatchTime.now().uptimeNanoseconds
    }

    public func epochWillBegin(_ trainer: Trainer, epoch: Int) throws {
        aliveUnits = [:]
    }

    public func batchWillBegin(_ trainer: Trainer, batch: Int) throws {
        if stretchSteps == 0 { stretchStart = DispatchTime.now().uptimeNanoseconds }
    }

    public func gradientsReady(_ trainer: Trainer) throws {
        if isRecordStep(trainer) {
            gradientNorm = Self.globalNorm(trainer)
            clippedGradientNorm = gradientNorm
        }
        guard isSampleStep(trainer) else { return }
        inputHistogram = trainer.currentInputs.map { TensorStatistics.histogram(of: $0, bins: settings.histogramBins) }
        weightsBefore = []
        guard settings.gradients else { return }
        for (name, parameter) in trainer.model.namedParameters() where parameter.requiresGrad {
            guard let gradient = parameter.grad else { continue }
            let histogram = TensorStatistics.histogram(of: gradient, bins: settings.histogramBins)
            let weightNorm = TensorStatistics.sumOfSquares([parameter]).squareRoot()
            weightsBefore.append((name, parameter, parameter.scalars, histogram, histogram.sumOfSquares.squareRoot(), weightNorm))
        }
    }

    public func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws {
        lossSum += loss
        stretchSteps += 1
        stretchSamples += trainer.currentBatchSize
        if trainer.globalStep % settings.stepInterval == 0 {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - stretchStart) / 1e9
            try write(.step(StepRecord(
                step: trainer.globalStep, epoch: trainer.epoch + 1, loss: lossSum / Double(stretchSteps),
                learningRate: Double(trainer.optimizer.learningRate), gradientNorm: gradientNorm,
                clippedGradientNorm: clippedGradientNorm, samplesPerSecond: seconds > 0 ? Double(stretchSamples) / seconds : 0)))
            lossSum = 0
            stretchSteps = 0
            stretchSamples = 0
        }
        if let input = inputHistogram {
            inputHistogram = nil
            var labelCounts: [Int]?
            if trainer.objective == .classification, let largest = trainer.currentLabels.max() {
                var counts = [Int](repeating: 0, count: largest + 1)
                for label in trainer.currentLabels { counts[label] += 1 }
                labelCounts = counts
            }
            let sample = SampleRecord(
                step: trainer.globalStep, epoch: trainer.epoch + 1, input: input, layers: layerSamples(trainer),
                parameters: parameterSamples(), labelCounts: labelCounts)
            weightsBefore = []
            try write(.sample(sample))
        }
    }

    public func trainingDidFail(_ trainer: Trainer, error: TrainingError) throws {
        var value: Double?
        switch error {
        case TrainingError.nonFiniteLoss(_, _, let bad): value = bad
        case TrainingError.nonFiniteGradient(_, _, _, let bad): value = bad
        default: break
        }
        try write(.failure(FailureRecord(step: trainer.globalStep, epoch: trainer.epoch + 1, message: "\(error)", value: value)))
    }

    /// Whether the step about to be taken ends a stretch of scalars.
    func isRecordStep(_ trainer: Trainer) -> Bool { (trainer.globalStep + 1) % settings.stepInterval == 0 }

    /// Whether the step about to be taken is sampled: the first, then every interval
    /// (shortened so that every epoch has at least two samples).
    private func isSampleStep(_ trainer: Trainer) -> Bool {
        guard settings.gradients || settings.activations else { return false }
        let interval = min(settings.sampleInterval, max(1, trainer.batchesPerEpoch / 2))
        return trainer.globalStep % interval == 0
    }

    private func parameterSamples() -> [ParameterSample] {
        weightsBefore.map { entry in
            var change = 0.0
            entry.tensor.withUnsafeBufferPointer { after in
                for (new, old) in zip(after, entry.values) { change += Double(new - old) * Double(new - old) }
            }
            return ParameterSample(
                name: entry.name, gradientNorm: entry.gradientNorm, gradientHistogram: entry.gradient, weightNorm: entry.weightNorm,
                updateRatio: entry.weightNorm > 0 ? change.squareRoot() / entry.weightNorm : nil)
        }
    }

    private func layerSamples(_ trainer: Trainer) -> [LayerSample] {
        guard settings.activations, let inputs = trainer.currentInputs else { return [] }
        let wasTraining = trainer.model.isTraining
        trainer.model.eval()
        defer { trainer.model.train(wasTraining) }
        var modules: [String: Module] = [:]
        for (name, module) in trainer.model.namedModules() { modules[name] = module }
        var samples: [LayerSample] = []
        for (name, output) in trainer.model.layerOutputs(for: inputs) where name != "(model)" {
            guard let module = modules[name], !(module is Sequential) else { continue }
            let units = TensorStatistics.unitCount(of: output)
            var sample = LayerSample(
                name: name, type: String(describing: type(of: module)),
                histogram: TensorStatistics.histogram(of: output, bins: settings.histogramBins), unitCount: units)
            switch module {
            case is ReLU, is LeakyReLU, is PReLU:
                var alive = aliveUnits[name] ?? [Bool](repeating: false, count: units)
                if alive.count == units {
                    TensorStatistics.markPositiveUnits(output, alive: &alive)
                    aliveUnits[name] = alive
                    sample.deadCount = alive.filter { !$0 }.count
                }
            case is Sigmoid: sample.saturatedFraction = TensorStatistics.saturatedFraction(output, range: 0...1, margin: 0.01)
            case is Tanh: sample.saturatedFraction = TensorStatistics.saturatedFraction(output, range: -1...1, margin: 0.02)
            default: break
            }
            samples.append(sample)
        }
        return samples
    }

    private static func globalNorm(_ trainer: Trainer) -> Double {
        TensorStatistics.sumOfSquares(trainer.model.trainableParameters().compactMap(\.grad)).squareRoot()
    }

    private func write(_ record: MonitorRecord) throws {
        records.append(record)
        try JSONLines.append(try JSONLines.line(record), to: url)
    }
}
