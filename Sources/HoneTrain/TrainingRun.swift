import Foundation
import HoneCore

/// One training run built from a ``TrainingConfig``: the data, the model, the optimizer,
/// the trainer with its callbacks, and the run directory it records into.
///
/// The run directory holds `config.json` (the config as run), `metrics.jsonl`,
/// `monitors.jsonl` (when monitors are on), `checkpoints/last.*` and `checkpoints/best.*`,
/// `model.safetensors` (the final weights) and `final_metrics.json`.
///
/// Nothing is written until the data and the model are ready, and a new run refuses a
/// directory that already holds one, so a bad config or a damaged data file never
/// overwrites an existing checkpoint.
public final class TrainingRun {
    /// The configuration.
    public let config: TrainingConfig
    /// The run directory.
    public let directory: URL
    /// The data sets.
    public let data: PreparedData
    /// The trainer, with the model, optimizer and callbacks.
    public let trainer: Trainer
    /// The early-stopping callback, when configured.
    public let earlyStopping: EarlyStopping?
    private let trainingLoader: DataLoader<AnyDataset>
    private let validationLoader: DataLoader<AnyDataset>?
    private let testLoader: DataLoader<AnyDataset>?

    /// The checkpoint folder of a run directory.
    public static func checkpointDirectory(_ directory: URL) -> URL { directory.appendingPathComponent("checkpoints") }

    /// Prepares a run.
    ///
    /// - Parameters:
    ///   - directory: the run directory.
    ///   - resume: continue the run in `directory` from its last checkpoint.
    ///   - progress: show progress (`nil` shows it, live on a terminal); false for silence.
    ///   - extraCallbacks: more hooks, run after early stopping and before the checkpoint.
    /// - Throws: ``HoneCore/ConfigError``, ``HoneData/DataError``, ``TrainingError``.
    public init(config: TrainingConfig, directory: URL, resume: Bool = false, progress: Bool? = nil,
                extraCallbacks: [TrainingCallback] = []) throws {
        self.config = config
        self.directory = directory
        let checkpoints = Self.checkpointDirectory(directory)
        let lastSidecar = CheckpointStore.sidecarURL(checkpoints, "last")
        if resume {
            guard FileManager.default.fileExists(atPath: lastSidecar.path) else {
                throw TrainingError.invalidCheckpoint(file: lastSidecar.path, detail: "no checkpoint to resume from")
            }
            let saved = directory.appendingPathComponent("config.json")
            if let text = FileManager.default.contents(atPath: saved.path),
                let savedJSON = try? JSONValue.parse(String(decoding: text, as: UTF8.self)), savedJSON != config.json
            {
                throw TrainingError.invalidSetting(name: "--resume", detail: "the config differs from the run's \(saved.path); resume with the same config")
            }
        } else if FileManager.default.fileExists(atPath: checkpoints.path) {
            throw TrainingError.invalidSetting(
                name: "run directory", detail: "\(directory.path) already holds a run; resume it with --resume or choose another directory")
        }

        data = try PreparedData(config.data, regression: config.objective == .regression, seed: config.seed)
        let model = try config.model.build(
            sampleShape: data.training.sampleShape, outputCount: data.outputCount, dropout: config.dropout, seed: config.seed)
        var groups = [ParameterGroup(parameters: model.namedParameters().map { ($0.name, $0.tensor) })]
        var callbacks: [TrainingCallback] = []
        if let transfer = config.transfer {
            try TransferLearning.loadPretrained(into: model, from: transfer.pretrained, renaming: transfer.renaming, excluding: transfer.head)
            TransferLearning.freeze(model, patterns: transfer.freeze)
            if !transfer.head.isEmpty && transfer.bodyFactor != 1 {
                groups = TransferLearning.parameterGroups(
                    model, head: transfer.head, bodyLearningRateFactor: transfer.bodyFactor, learningRate: config.optimizer.learningRate)
            }
            if let epoch = transfer.unfreezeAtEpoch { callbacks.append(UnfreezeCallback(patterns: transfer.freeze, atEpoch: epoch)) }
        }
        let optimizer = try config.optimizer.makeOptimizer(groups: groups, weightDecay: config.weightDecay)

        let scaler = data.scaler.map { [$0] } ?? []
        let trainingTransforms = config.augmentation + scaler
        trainingLoader = try DataLoader(
            dataset: data.training, batchSize: config.batchSize, shuffle: true, seed: config.seed,
            transform: trainingTransforms.isEmpty ? nil : Compose(trainingTransforms), workerCount: config.dataWorkers)
        let evaluationTransform = scaler.isEmpty ? nil : Compose(scaler)
        validationLoader = try data.validation.map {
            try DataLoader(dataset: $0, batchSize: max(config.batchSize, 256), transform: evaluationTransform)
        }
        testLoader = try data.test.map { try DataLoader(dataset: $0, batchSize: max(config.batchSize, 256), transform: evaluationTransform) }

        let trainer = Trainer(
            model: model, optimizer: optimizer, objective: config.objective, l1Strength: config.l1Strength,
            labelSmoothing: config.labelSmoothing)
        if let monitors = config.monitors {
            callbacks.append(StatisticsMonitor(
                url: directory.appendingPathComponent("monitors.jsonl"), gradients: monitors.gradients,
                activations: monitors.activations, gradientInterval: monitors.interval))
        }
        if let clipping = config.clipping { callbacks.append(GradientClippingCallback(clipping)) }
        if let schedule = config.schedule,
            let callback = try schedule.makeCallback(
                optimizer: optimizer, learningRate: config.optimizer.learningRate, epochs: config.epochs,
                batchesPerEpoch: trainingLoader.batchCount, metricNames: trainer.metricNames)
        {
            callbacks.append(callback)
        }
        if let stopping = config.earlyStopping {
            let callback = EarlyStopping(
                monitor: stopping.monitor, mode: stopping.mode, patience: stopping.patience, minimumDelta: stopping.minimumDelta,
                restoreBestWeights: stopping.restoreBest)
            callbacks.append(callback)
            earlyStopping = callback
        } else {
            earlyStopping = nil
        }
        callbacks += extraCallbacks
        callbacks.append(ModelCheckpoint(
            directory: checkpoints, monitor: config.checkpoint.monitor, mode: config.checkpoint.mode, saveLast: config.checkpoint.saveLast))
        callbacks.append(MetricsLogger(url: directory.appendingPathComponent("metrics.jsonl")))
        if progress != false { callbacks.append(ProgressBar(epochs: config.epochs)) }
        trainer.callbacks = callbacks
        self.trainer = trainer

        if resume {
            try CheckpointStore.restore(trainer, from: checkpoints, name: "last")
        } else {
            try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
            try AtomicFile.write(Data((config.json.serialized() + "\n").utf8), to: directory.appendingPathComponent("config.json"))
        }
    }

    /// Trains to the configured number of epochs (or an early stop), evaluates on the test
    /// split (the validation split when there is none), writes `model.safetensors` and
    /// `final_metrics.json`, and returns the final metrics.
    @discardableResult
    public func run() throws -> [String: Double] {
        let start = DispatchTime.now().uptimeNanoseconds
        let history = try trainer.fit(training: trainingLoader, validation: validationLoader, epochs: config.epochs)
        var metrics: [String: Double] = [:]
        let evaluation = (testLoader ?? validationLoader).map { trainer.evaluate($0) }
        for (name, value) in evaluation?.detailedMetrics ?? [:] {
            metrics[(testLoader != nil ? "test_" : "val_") + name] = value
        }
        metrics["epochs_completed"] = Double(trainer.epoch)
        metrics["training_seconds"] = history.reduce(0) { $0 + $1.seconds }
        metrics["run_seconds"] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let waited = history.reduce(0) { $0 + $1.dataWaitSeconds }
        metrics["data_wait_fraction"] = metrics["training_seconds"]! > 0 ? waited / metrics["training_seconds"]! : 0
        if let last = history.last {
            if let validationLoss = last.validationLoss { metrics["final_val_loss"] = validationLoss }
            for (name, value) in last.validationMetrics { metrics["final_val_" + name] = value }
        }
        if let earlyStopping {
            metrics["best_epoch"] = Double(earlyStopping.bestEpoch)
            if let stopped = earlyStopping.stoppedEpoch { metrics["stopped_epoch"] = Double(stopped) }
        }
        try trainer.model.save(to: directory.appendingPathComponent("model.safetensors"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(metrics), to: directory.appendingPathComponent("final_metrics.json"))
        return metrics
    }
}

/// Trains the model `config` describes with `overrides` applied (dotted paths, as a tuner
/// sets hyperparameters), reporting each epoch's validation accuracy (or negated loss
/// for regression) to `onEpoch`; returning false from it stops the run after that epoch
/// (a pruned trial). Returns the final metrics, with `pruned` = 1 when stopped that way.
///
/// ```swift
/// let metrics = try train(config: base, overrides: ["optimizer.learning_rate": .number(0.01, text: "0.01")],
///                         directory: trialDirectory) { epoch, accuracy in
///     trial.report(accuracy, step: epoch); return !trial.shouldPrune()
/// }
/// ```
public func train(
    config: TrainingConfig, overrides: [String: JSONValue] = [:], directory: URL,
    onEpoch: @escaping (_ epoch: Int, _ value: Double) -> Bool = { _, _ in true }
) throws -> [String: Double] {
    let effective = overrides.isEmpty
        ? config
        : try TrainingConfig(json: TrainingConfig.applying(overrides, to: config.json), baseDirectory: config.baseDirectory)
    if effective.model.trees != nil {
        // A tree model trains in one go: its validation result is the one report, too late to prune.
        var metrics = try TreeTrainingRun(config: effective, directory: directory).run()
        let value = effective.objective == .classification
            ? metrics["final_val_accuracy"] ?? metrics["test_accuracy"] ?? 0
            : -(metrics["final_val_loss"] ?? metrics["test_loss"] ?? 0)
        _ = onEpoch(1, value)
        metrics["pruned"] = 0
        return metrics
    }
    var pruned = false
    let reporter = ClosureCallback { trainer, record in
        let value = record.value(of: trainer.objective == .classification ? "val_accuracy" : "val_loss").map {
            trainer.objective == .classification ? $0 : -$0
        } ?? -record.trainLoss
        if !onEpoch(record.epoch, value) {
            pruned = true
            trainer.stopRequested = true
        }
    }
    let run = try TrainingRun(config: effective, directory: directory, progress: false, extraCallbacks: [reporter])
    var metrics = try run.run()
    metrics["pruned"] = pruned ? 1 : 0
    return metrics
}
