import Foundation
import HoneCore

/// A whole training run described in JSON, checked when read: every unknown or
/// misspelled field is an error naming it and suggesting the closest valid name, every
/// wrong type names the field and the type expected.
///
/// ```json
/// {
///   "data": {"source": "fashion-mnist", "validation_fraction": 0.1},
///   "model": {"zoo": "lenet"},
///   "optimizer": {"name": "adam", "learning_rate": 0.001},
///   "schedule": {"name": "cosine", "interval": "batch"},
///   "callbacks": {"early_stopping": {"monitor": "val_accuracy", "patience": 3}},
///   "epochs": 5, "batch_size": 64, "seed": 0
/// }
/// ```
public struct TrainingConfig {
    static let fields = [
        "data", "model", "augmentation", "optimizer", "schedule", "regularization", "callbacks", "monitors", "transfer",
        "epochs", "batch_size", "seed", "task", "data_workers",
    ]
    static let regularizationFields = ["weight_decay", "l1", "dropout", "label_smoothing"]
    static let callbackFields = ["early_stopping", "checkpoint", "gradient_clipping"]
    static let earlyStoppingFields = ["monitor", "mode", "patience", "min_delta", "restore_best_weights"]
    static let checkpointFields = ["monitor", "mode", "save_last"]
    static let monitorFields = ["gradients", "activations", "step_interval", "sample_interval", "histogram_bins"]
    static let transferFields = ["pretrained", "renaming", "head", "freeze", "body_learning_rate_factor", "unfreeze_at_epoch"]

    /// The JSON the config was read from (with overrides applied), copied into the run directory.
    public let json: JSONValue
    /// The folder relative file names are resolved against (the config file's).
    public let baseDirectory: URL
    /// Classification or regression.
    public let objective: Trainer.Objective
    /// Whether the config set `task` (otherwise classification was assumed).
    public let taskIsExplicit: Bool
    /// The data section.
    public let data: DataConfig
    /// The model section.
    public let model: ModelConfig
    /// The training-only transforms.
    public let augmentation: [any Transform]
    /// The optimizer section.
    public let optimizer: OptimizerConfig
    /// The schedule section, if any.
    public let schedule: ScheduleConfig?
    /// Weight decay (coupled L2 unless the optimizer decouples it).
    public let weightDecay: Float
    /// The L1 penalty strength.
    public let l1Strength: Float
    /// Dropout probability for models that take one.
    public let dropout: Float
    /// Label smoothing of the cross-entropy.
    public let labelSmoothing: Float
    /// Early stopping settings: monitor, mode, patience, minimum delta, restore best weights.
    public private(set) var earlyStopping: (monitor: String, mode: MonitorMode?, patience: Int, minimumDelta: Double, restoreBest: Bool)?
    /// Checkpoint settings: monitor for `best`, mode, whether to write `last`.
    public private(set) var checkpoint: (monitor: String?, mode: MonitorMode?, saveLast: Bool) = (nil, nil, true)
    /// Whether `callbacks.checkpoint.monitor` was set: then the test metrics come from the
    /// `best` checkpoint's weights rather than the last epoch's.
    public private(set) var checkpointMonitorIsExplicit = false
    /// Gradient clipping, if any.
    public private(set) var clipping: GradientClippingCallback.Method?
    /// Statistics monitors: on unless the config says `"monitors": false`; nil when off.
    public private(set) var monitors: MonitorSettings?
    /// Transfer-learning settings, if any.
    public private(set) var transfer: (pretrained: URL, renaming: [String: String], head: [String], freeze: [String], bodyFactor: Float, unfreezeAtEpoch: Int?)?
    /// The number of epochs.
    public let epochs: Int
    /// Samples per batch.
    public let batchSize: Int
    /// The seed of every random choice (split, initialization, shuffling, augmentation, dropout).
    public let seed: UInt64
    /// Threads preparing each batch.
    public let dataWorkers: Int

    /// Reads the config file at `url`, applying `overrides` (dotted paths to values) first.
    ///
    /// - Throws: ``HoneCore/ConfigError`` naming the file or field.
    public static func load(from url: URL, overrides: [String: JSONValue] = [:]) throws -> TrainingConfig {
        let json = try ConfigFile.read(url)
        return try ConfigFile.checking(url) {
            try TrainingConfig(json: applying(overrides, to: json), baseDirectory: url.deletingLastPathComponent())
        }
    }

    /// Reads a config from parsed JSON; relative file names are resolved against `baseDirectory`.
    public init(json: JSONValue, baseDirectory: URL) throws {
        self.json = json
        self.baseDirectory = baseDirectory
        let root = try ConfigObject(json, path: "")
        try root.checkNoUnknownFields(allowed: Self.fields)
        let task = try root.choice("task", ["classification", "regression"])
        taskIsExplicit = task != nil
        objective = task.flatMap(Trainer.Objective.init(rawValue:)) ?? .classification
        var data = try DataConfig(root.required("data"), path: "data", baseDirectory: baseDirectory, regression: objective == .regression)
        model = try ModelConfig(root.required("model"), path: "model")
        if model.readsTokens {
            // Token ids are categories, not measurements: scaling them would make them unreadable.
            if try ConfigObject(root.required("data"), path: "data").has("scaling"), data.scaling != "none" {
                throw ConfigError.invalidValue(
                    path: "data.scaling", message: "the transformer reads token ids as they are; use \"none\" (the default for it)")
            }
            data.scaling = "none"
        }
        self.data = data
        try model.trees?.check(regression: objective == .regression)
        try model.stacking?.check(regression: objective == .regression, path: "model.stacking")
        augmentation = try AugmentationConfig.transforms(root["augmentation"], path: "augmentation")
        optimizer = try OptimizerConfig(root["optimizer"], path: "optimizer")
        let runObjective = objective
        schedule = try root["schedule"].map { try ScheduleConfig($0, path: "schedule", objective: runObjective) }
        epochs = try root.int("epochs", atLeast: 1) ?? 10
        batchSize = try root.int("batch_size", atLeast: 1) ?? 64
        guard let seedValue = try root.int("seed") ?? .some(0), seedValue >= 0 else {
            throw ConfigError.invalidValue(path: "seed", message: "must be ≥ 0")
        }
        seed = UInt64(seedValue)
        dataWorkers = try root.int("data_workers", atLeast: 1) ?? 1

        let regularization = try root.object("regularization") ?? ConfigObject(.object([]), path: "regularization")
        try regularization.checkNoUnknownFields(allowed: Self.regularizationFields)
        let optimizerDecay = try optimizer.weightDecay
        let regularizationDecay = try regularization.nonNegativeDouble("weight_decay").map(Float.init)
        if optimizerDecay != nil && regularizationDecay != nil {
            throw ConfigError.invalidValue(path: "regularization.weight_decay", message: "weight decay is also set in optimizer.weight_decay; set it once")
        }
        weightDecay = optimizerDecay ?? regularizationDecay ?? (optimizer.name == "adamw" ? 0.01 : 0)
        l1Strength = try regularization.nonNegativeDouble("l1").map(Float.init) ?? 0
        dropout = try regularization.double("dropout", in: 0...0.99).map(Float.init) ?? 0
        labelSmoothing = try regularization.double("label_smoothing", in: 0...1).map(Float.init) ?? 0

        let monitorNames = EpochRecord.monitorNames(
            metrics: Trainer.metricNames(for: objective), validationMetrics: Trainer.validationMetricNames(for: objective))
        let hasValidation = data.validationFraction > 0 || data.folds != nil
        func monitor(_ object: ConfigObject, default value: String) throws -> String {
            let name = try object.string("monitor") ?? value
            guard monitorNames.contains(name) else {
                let hint = closestMatch(to: name, in: monitorNames).map { "; did you mean '\($0)'?" } ?? " (measured: \(monitorNames.joined(separator: ", ")))"
                throw ConfigError.invalidValue(path: object.fieldPath("monitor"), message: "'\(name)' is not measured\(hint)")
            }
            if name.hasPrefix("val_") && !hasValidation {
                throw ConfigError.invalidValue(path: object.fieldPath("monitor"), message: "'\(name)' needs data.validation_fraction > 0")
            }
            return name
        }
        let callbacks = try root.object("callbacks") ?? ConfigObject(.object([]), path: "callbacks")
        try callbacks.checkNoUnknownFields(allowed: Self.callbackFields)
        let defaultMonitor = hasValidation ? "val_loss" : "loss"
        if let stopping = try callbacks.object("early_stopping") {
            try stopping.checkNoUnknownFields(allowed: Self.earlyStoppingFields)
            earlyStopping = (
                try monitor(stopping, default: defaultMonitor),
                try stopping.choice("mode", ["min", "max"]).flatMap(MonitorMode.init(rawValue:)),
                try stopping.int("patience", atLeast: 0) ?? 5, try stopping.nonNegativeDouble("min_delta") ?? 0,
                try stopping.bool("restore_best_weights") ?? true)
        } else {
            earlyStopping = nil
        }
        let checkpointObject = try callbacks.object("checkpoint") ?? ConfigObject(.object([]), path: "callbacks.checkpoint")
        try checkpointObject.checkNoUnknownFields(allowed: Self.checkpointFields)
        checkpointMonitorIsExplicit = checkpointObject["monitor"] != nil
        checkpoint = (
            try monitor(checkpointObject, default: defaultMonitor),
            try checkpointObject.choice("mode", ["min", "max"]).flatMap(MonitorMode.init(rawValue:)),
            try checkpointObject.bool("save_last") ?? true)
        if let clippingObject = try callbacks.object("gradient_clipping") {
            try clippingObject.checkNoUnknownFields(allowed: ["max_norm", "clip_value"])
            if let maxNorm = try clippingObject.positiveDouble("max_norm") {
                clipping = .norm(maxNorm: Float(maxNorm))
            } else if let clipValue = try clippingObject.positiveDouble("clip_value") {
                clipping = .value(clipValue: Float(clipValue))
            } else {
                throw ConfigError.missingField(path: "callbacks.gradient_clipping.max_norm")
            }
        } else {
            clipping = nil
        }
        if case .bool(let enabled)? = root["monitors"] {
            monitors = enabled ? MonitorSettings() : nil
        } else if let monitorsObject = try root.object("monitors") {
            try monitorsObject.checkNoUnknownFields(allowed: Self.monitorFields)
            var settings = MonitorSettings()
            settings.gradients = try monitorsObject.bool("gradients") ?? settings.gradients
            settings.activations = try monitorsObject.bool("activations") ?? settings.activations
            settings.stepInterval = try monitorsObject.int("step_interval", atLeast: 1) ?? settings.stepInterval
            settings.sampleInterval = try monitorsObject.int("sample_interval", atLeast: 1) ?? settings.sampleInterval
            settings.histogramBins = try monitorsObject.int("histogram_bins", atLeast: 1) ?? settings.histogramBins
            monitors = settings
        } else {
            monitors = MonitorSettings()
        }
        if let transferObject = try root.object("transfer") {
            try transferObject.checkNoUnknownFields(allowed: Self.transferFields)
            guard let pretrained = try transferObject.string("pretrained") else { throw ConfigError.missingField(path: "transfer.pretrained") }
            let url = pretrained.hasPrefix("/") ? URL(fileURLWithPath: pretrained) : baseDirectory.appendingPathComponent(pretrained)
            transfer = (url, try transferObject.stringDictionary("renaming") ?? [:], try transferObject.stringArray("head") ?? [],
                        try transferObject.stringArray("freeze") ?? [],
                        try transferObject.double("body_learning_rate_factor", in: 0...1).map(Float.init) ?? 1,
                        try transferObject.int("unfreeze_at_epoch", atLeast: 0))
        } else {
            transfer = nil
        }
    }

    /// `json` with each override applied: a dotted path (`optimizer.learning_rate`) set to
    /// the value, creating objects along the way. How a tuner varies a base config.
    public static func applying(_ overrides: [String: JSONValue], to json: JSONValue) throws -> JSONValue {
        var result = json
        for (path, value) in overrides.sorted(by: { $0.key < $1.key }) {
            result = try set(value, at: path.split(separator: ".").map(String.init), in: result, path: path)
        }
        return result
    }

    private static func set(_ value: JSONValue, at keys: [String], in json: JSONValue, path: String) throws -> JSONValue {
        guard let key = keys.first else { return value }
        guard case .object(var fields) = json else {
            throw ConfigError.wrongType(path: path, expected: "an object along the override path", found: json.kindDescription)
        }
        if let index = fields.firstIndex(where: { $0.key == key }) {
            fields[index].value = try set(value, at: Array(keys.dropFirst()), in: fields[index].value, path: path)
        } else {
            fields.append((key, try set(value, at: Array(keys.dropFirst()), in: .object([]), path: path)))
        }
        return .object(fields)
    }
}
