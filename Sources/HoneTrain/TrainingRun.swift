import Foundation
import HoneCore

/// One training run built from a ``TrainingConfig``: the data, the model, the optimizer,
/// the trainer with its callbacks, and the run directory it records into.
///
/// The run directory holds `config.json` (the config as run), `metrics.jsonl`,
/// `monitors.jsonl` (unless monitors are off; see ``MonitorLog``), a TensorBoard event file,
/// `checkpoints/last.*` and `checkpoints/best.*`, `model.safetensors` (the evaluated weights),
/// `final_metrics.json` (with the confusion matrix for classification) and
/// `preprocessing.json` (see ``RunPreprocessing``).
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
    /// Which weights the final metrics were measured with (e.g. "the best epoch 7 by
    /// val_macro_f1"), set by ``run()``; nil for the last epoch's.
    public private(set) var evaluatedWeights: String?
    /// The confusion matrix of the final evaluation (classification), set by ``run()``.
    public private(set) var confusionMatrix: ConfusionMatrix?
    /// Things the user should know that do not stop the run: the data's warnings, and a
    /// resume that fell back to the `best` checkpoint.
    public private(set) var warnings: [String] = []
    private let trainingLoader: DataLoader<AnyDataset>
    private let validationLoader: DataLoader<AnyDataset>?
    private let testLoader: DataLoader<AnyDataset>?
    /// Whether this process writes the run directory: rank 0 of a data-parallel run, or the only process.
    public let isWriter: Bool

    /// `runs/NAME` in the current directory, or the first of `runs/NAME-2`, `-3`, … not yet taken.
    public static func freeDirectory(named name: String) -> URL {
        let runs = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("runs")
        var candidate = runs.appendingPathComponent(name)
        var suffix = 2
        while FileManager.default.fileExists(atPath: candidate.path) {
            candidate = runs.appendingPathComponent("\(name)-\(suffix)")
            suffix += 1
        }
        return candidate
    }

    /// The checkpoint folder of a run directory.
    public static func checkpointDirectory(_ directory: URL) -> URL { directory.appendingPathComponent("checkpoints") }

    /// Prepares a run.
    ///
    /// - Parameters:
    ///   - directory: the run directory.
    ///   - resume: continue the run in `directory` from its last checkpoint, or from `best`
    ///     (with a warning) when `last` is damaged; `config` may raise `epochs` to extend
    ///     a finished run, and must otherwise equal the run's `config.json`.
    ///   - progress: show progress (`nil` shows it, live on a terminal); false for silence.
    ///   - extraCallbacks: more hooks, run after early stopping and before the checkpoint.
    ///   - fold: for cross-validation, which of how many folds to hold out for validation.
    ///   - dataParallel: the ranks training this run together, each calling this with the
    ///     same config and directory: `batch_size` is the global batch, which must divide
    ///     across them, every rank checks the directory before rank 0 (alone) writes it,
    ///     and the other ranks keep only the hooks that do not write.
    /// - Throws: ``HoneCore/ConfigError``, ``HoneData/DataError``, ``TrainingError``.
    public init(config: TrainingConfig, directory: URL, resume: Bool = false, progress: Bool? = nil,
                extraCallbacks: [TrainingCallback] = [], fold: (index: Int, count: Int)? = nil,
                dataParallel: DataParallel? = nil) throws {
        self.config = config
        self.directory = directory
        let ranks = dataParallel?.communicator.size ?? 1
        let isWriter = (dataParallel?.communicator.rank ?? 0) == 0
        self.isWriter = isWriter
        guard config.batchSize % ranks == 0 else {
            throw TrainingError.invalidSetting(
                name: "batch_size",
                detail: "the global batch of \(config.batchSize) samples does not divide across \(ranks) processes; "
                    + "choose a multiple of \(ranks) or another process count")
        }
        let checkpoints = Self.checkpointDirectory(directory)
        let lastSidecar = CheckpointStore.sidecarURL(checkpoints, "last")
        let savedConfig = directory.appendingPathComponent("config.json")
        var savedJSON: JSONValue?
        // Data paths made absolute: the run's config is read again from the run directory (predict, evaluate).
        let runConfigJSON = TrainingConfig.absolutePaths(in: config.json, base: config.baseDirectory)
        if resume {
            guard FileManager.default.fileExists(atPath: lastSidecar.path)
                || FileManager.default.fileExists(atPath: CheckpointStore.sidecarURL(checkpoints, "best").path)
            else {
                throw TrainingError.invalidCheckpoint(
                    file: lastSidecar.path,
                    detail: "no checkpoint to resume from (the run stopped before its first epoch ended); "
                        + "start it again in a new run directory")
            }
            if let text = FileManager.default.contents(atPath: savedConfig.path) {
                savedJSON = try? JSONValue.parse(String(decoding: text, as: UTF8.self))
            }
            // The epoch count may change: that is how a finished run is extended.
            if let savedJSON,
                Self.withoutEpochs(TrainingConfig.absolutePaths(in: savedJSON, base: directory))
                    != Self.withoutEpochs(runConfigJSON)
            {
                throw TrainingError.invalidSetting(
                    name: "--resume", detail: "the config differs from the run's \(savedConfig.path) (other than epochs); resume with the same config")
            }
        } else if FileManager.default.fileExists(atPath: checkpoints.path) {
            throw TrainingError.invalidSetting(
                name: "run directory", detail: "\(directory.path) already holds a run; resume it with --resume or choose another directory")
        }

        data = try PreparedData(
            config.data, regression: config.objective == .regression, seed: config.seed, taskIsExplicit: config.taskIsExplicit,
            fold: fold)
        let model = try config.model.build(
            sampleShape: data.training.sampleShape, outputCount: data.outputCount, dropout: config.dropout, seed: config.seed)
        for (split, dataset) in [("training", data.training), ("validation", data.validation), ("test", data.test)] {
            if let dataset { try config.model.checkTokens(in: dataset, file: "the \(split) data") }
        }
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
        trainer.targetScaling = data.targetScaling
        trainer.dataParallel = dataParallel
        let monitor = !isWriter ? nil : config.monitors.map { StatisticsMonitor(url: directory.appendingPathComponent(MonitorLog.fileName), settings: $0) }
        if let monitor { callbacks.append(monitor) }
        if let clipping = config.clipping { callbacks.append(GradientClippingCallback(clipping)) }
        if let monitor { callbacks.append(monitor.afterClipping) }
        if let schedule = config.schedule,
            let callback = try schedule.makeCallback(
                optimizer: optimizer, learningRate: config.optimizer.learningRate, epochs: config.epochs,
                batchesPerEpoch: trainingLoader.batchCount)
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
        if isWriter {
            callbacks.append(ModelCheckpoint(
                directory: checkpoints, monitor: config.checkpoint.monitor, mode: config.checkpoint.mode, saveLast: config.checkpoint.saveLast))
            callbacks.append(MetricsLogger(url: directory.appendingPathComponent("metrics.jsonl")))
            // The event file carries the monitors' records; with monitors off there is none.
            if monitor != nil { callbacks.append(TensorBoardCallback(directory: directory)) }
            if progress != false { callbacks.append(ProgressBar(epochs: config.epochs)) }
        }
        trainer.callbacks = callbacks
        self.trainer = trainer

        warnings = data.warnings
        if resume {
            do {
                try CheckpointStore.restore(trainer, from: checkpoints, name: "last")
            } catch {
                guard FileManager.default.fileExists(atPath: CheckpointStore.sidecarURL(checkpoints, "best").path) else { throw error }
                try CheckpointStore.restore(trainer, from: checkpoints, name: "best")
                warnings.append("the last checkpoint is unusable (\(error)); resuming from checkpoints/best after epoch \(trainer.epoch)")
            }
        }
        // Every rank has read the directory as it was before rank 0 changes it.
        dataParallel?.communicator.barrier()
        guard isWriter else { return }
        if resume {
            if let savedJSON, savedJSON != runConfigJSON {
                try AtomicFile.write(Data((runConfigJSON.serialized() + "\n").utf8), to: savedConfig)
            }
        } else {
            try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
            try AtomicFile.write(Data((runConfigJSON.serialized() + "\n").utf8), to: savedConfig)
            try RunPreprocessing(task: config.objective, data: data, missingValuePolicy: config.data.missingValuePolicy)
                .write(runDirectory: directory)
        }
    }

    /// `json` without its top-level `epochs` field.
    private static func withoutEpochs(_ json: JSONValue) -> JSONValue {
        guard case .object(let fields) = json else { return json }
        return .object(fields.filter { $0.key != "epochs" })
    }

    /// The class names in class-index order: the CSV's labels, else the indices as text.
    public var classNames: [String] {
        if let names = data.tabularEncoding?.classNames, names.count == data.outputCount { return names }
        return (0..<data.outputCount).map(String.init)
    }

    /// Trains to the configured number of epochs (or an early stop), evaluates on the test
    /// split (the validation split when there is none), writes `model.safetensors` and
    /// `final_metrics.json`, and returns the final metrics.
    @discardableResult
    public func run() throws -> [String: Double] {
        let start = DispatchTime.now().uptimeNanoseconds
        let history: [EpochRecord]
        do {
            history = try trainer.fit(training: trainingLoader, validation: validationLoader, epochs: config.epochs)
        } catch let error as TrainingError where error.isDivergence {
            throw TrainingError.diverged(cause: error, lastCheckpoint: lastCheckpoint?.file, lastEpoch: lastCheckpoint?.epoch)
        }
        // Rank 0 evaluates and records; the others hold the same weights.
        guard isWriter else { return ["epochs_completed": Double(trainer.epoch)] }
        var metrics: [String: Double] = [:]
        if let earlyStopping, earlyStopping.restoresBestWeights, earlyStopping.state.bestWeights != nil {
            evaluatedWeights = "the best epoch \(earlyStopping.bestEpoch) by \(earlyStopping.monitor) (early stopping)"
            metrics["evaluated_epoch"] = Double(earlyStopping.bestEpoch)
        } else if config.checkpointMonitorIsExplicit, let monitor = config.checkpoint.monitor {
            let best = CheckpointStore.weightsURL(Self.checkpointDirectory(directory), "best")
            let archive = try Safetensors.read(from: best)
            try trainer.model.load(archive.tensors, strict: true, source: best.path)
            let epoch = archive.metadata["epoch"] ?? "?"
            evaluatedWeights = "the best epoch \(epoch) by \(monitor) (checkpoints/best.safetensors)"
            if let number = Double(epoch) { metrics["evaluated_epoch"] = number }
        }
        // Validation is measured even beside a test split: cross-validation scores the held-out fold.
        let validationEvaluation = validationLoader.map { trainer.evaluate($0) }
        for (name, value) in validationEvaluation?.detailedMetrics ?? [:] { metrics["val_" + name] = value }
        let testEvaluation = testLoader.map { trainer.evaluate($0) }
        for (name, value) in testEvaluation?.detailedMetrics ?? [:] { metrics["test_" + name] = value }
        let evaluation = testEvaluation ?? validationEvaluation
        if let evaluation, evaluation.objective == .classification, evaluation.outputs.rank == 2 {
            confusionMatrix = evaluation.confusionMatrix
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
        let record = FinalMetrics(metrics: metrics, confusionMatrix: confusionMatrix, classNames: classNames)
        try AtomicFile.write(try record.jsonData(), to: directory.appendingPathComponent("final_metrics.json"))
        return metrics
    }

    /// The weights file and epoch of the newest checkpoint on disk (`last`, else `best`),
    /// `nil` when none has been written.
    public var lastCheckpoint: (file: String, epoch: Int)? {
        let checkpoints = Self.checkpointDirectory(directory)
        for name in ["last", "best"] {
            let sidecar = CheckpointStore.sidecarURL(checkpoints, name)
            guard let data = FileManager.default.contents(atPath: sidecar.path),
                let fields = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let epoch = fields["epoch"] as? Int
            else { continue }
            return (CheckpointStore.weightsURL(checkpoints, name).path, epoch)
        }
        return nil
    }
}

/// Trains the model `config` describes with `overrides` applied (dotted paths, as a tuner
/// sets hyperparameters), reporting each epoch's value of `monitor` to `onEpoch`, negated
/// when smaller is better so larger always wins (by default validation accuracy, or the
/// negated validation loss for regression); returning false from it stops the run after
/// that epoch (a pruned trial). Returns the final metrics, with `pruned` = 1 when stopped
/// that way.
///
/// With `data.folds` set, trains one model per fold (see ``CrossValidation``) and reports
/// once, after the last fold, the mean over folds of `monitor` on the held-out folds; the
/// metrics returned are the means, and `cv_std_NAME` their standard deviations.
///
/// ```swift
/// let metrics = try train(config: base, overrides: ["optimizer.learning_rate": .number(0.01, text: "0.01")],
///                         directory: trialDirectory, monitor: "val_macro_f1") { epoch, value in
///     trial.report(value, step: epoch); return !trial.shouldPrune()
/// }
/// ```
public func train(
    config: TrainingConfig, overrides: [String: JSONValue] = [:], directory: URL, monitor: String? = nil,
    onEpoch: @escaping (_ epoch: Int, _ value: Double) -> Bool = { _, _ in true }
) throws -> [String: Double] {
    let effective = overrides.isEmpty
        ? config
        : try TrainingConfig(json: TrainingConfig.applying(overrides, to: config.json), baseDirectory: config.baseDirectory)
    if TreeTrainingRun.handles(effective) {
        // A tree model trains in one go: its validation result is the one report, too late to prune.
        var metrics = try TreeTrainingRun(config: effective, directory: directory).run()
        let value = effective.objective == .classification
            ? metrics["final_val_accuracy"] ?? metrics["test_accuracy"] ?? 0
            : -(metrics["final_val_loss"] ?? metrics["test_loss"] ?? 0)
        _ = onEpoch(1, value)
        metrics["pruned"] = 0
        return metrics
    }
    let monitored = monitor ?? (effective.objective == .classification ? "val_accuracy" : "val_loss")
    let sign: Double = MonitorMode.inferred(for: monitored) == .max ? 1 : -1
    if let folds = effective.data.folds {
        let result = try CrossValidation.run(config: effective, directory: directory, progress: false)
        guard let mean = result.mean[monitored] else {
            throw TrainingError.invalidSetting(name: "monitor", detail: "'\(monitored)' is not measured on the held-out folds")
        }
        _ = onEpoch(folds, sign * mean)
        var metrics = result.mean
        for (name, value) in result.standardDeviation { metrics["cv_std_" + name] = value }
        metrics["pruned"] = 0
        return metrics
    }
    var pruned = false
    let reporter = ClosureCallback { trainer, record in
        let value = record.value(of: monitored).map { sign * $0 } ?? -record.trainLoss
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
