import Foundation
import HoneCore
import HoneTune

/// The `train` objective of a study (`hone tune`): each trial trains a network from a `hone train`
/// configuration with the trial's hyperparameters applied, and the study maximizes the
/// validation accuracy (the negated validation loss for regression).
///
/// ```json
/// {
///   "objective": "train",
///   "train": "fashion-mnist-cnn.json",
///   "search_space": {
///     "optimizer.learning_rate": {"float": [1e-4, 1e-1], "log": true},
///     "batch_size": {"categorical": [32, 64, 128]}
///   },
///   "pruner": "median", "trials": 20
/// }
/// ```
/// `"train"` is a path to a training configuration (relative to the tune configuration)
/// or the training configuration itself, inline. Search-space names are dotted paths into
/// it. `"runs_directory"` (default `STUDY_NAME-runs`) receives one run directory per
/// trial (`trial-N`, with its TensorBoard event file) and the best trial's configuration,
/// `best_config.json`, runnable with `hone train` as is; `study/` holds study-level
/// TensorBoard scalars (each finished trial's value at step = trial number).
///
/// Each epoch's validation value is reported to the trial; when the pruner says so the
/// run stops after that epoch and the trial is pruned. A run that fails (a non-finite
/// loss, a bad value) fails its trial with the reason and the study goes on.
public final class TrainingObjective: TuneObjective {
    /// The configuration fields this objective reads beside the common ones.
    public static let fields = ["train", "runs_directory", "objectives"]

    /// Makes `"objective": "train"` known to `hone tune`; call before reading a configuration.
    public static func register() {
        TuneObjectives.register("train", extraTopLevelFields: fields) { try TrainingObjective(context: $0) }
    }

    /// The training configuration every trial starts from.
    public let base: TrainingConfig
    /// Where the trials' run directories and `best_config.json` go.
    public let runsDirectory: URL
    /// The final metrics a multi-objective study optimizes (`"objectives": ["val_accuracy",
    /// "training_seconds"]`), empty for the single monitored value.
    public let objectives: [String]
    /// One value, maximized; with `objectives`, one per metric, maximized for accuracy, AUC,
    /// F1 and R² and minimized otherwise (the config's `directions` may say otherwise).
    public var directions: [StudyDirection] {
        objectives.isEmpty ? [.maximize] : objectives.map { MonitorMode.inferred(for: $0) == .max ? .maximize : .minimize }
    }
    /// `train`.
    public var name: String { "train" }

    /// This process's study-level event file, made at the first finished trial.
    private var studyEvents: EventWriter?

    /// The file the best trial's training configuration is written to.
    public var bestConfigURL: URL { runsDirectory.appendingPathComponent("best_config.json") }

    /// Reads the objective's fields from a `hone tune` configuration.
    public init(context: ObjectiveContext) throws {
        if case .object = context.spec {
            let spec = try ConfigObject(context.spec, path: "objective")
            try spec.checkNoUnknownFields(allowed: ["type", "function"])
        }
        let root = context.config
        guard let train = root["train"] else { throw ConfigError.missingField(path: "train") }
        switch train {
        case .string(let path):
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : context.configDirectory.appendingPathComponent(path)
            base = try TrainingConfig.load(from: url.standardizedFileURL)
        case .object:
            base = try TrainingConfig(json: train, baseDirectory: context.configDirectory)
        default:
            throw ConfigError.wrongType(path: "train", expected: "a training configuration file or object", found: train.kindDescription)
        }
        objectives = try Self.objectiveNames(root, measured: FinalMetrics.names(for: base))
        let runs = try root.string("runs_directory") ?? "\(try root.string("study_name") ?? "tune")-runs"
        runsDirectory = runs.hasPrefix("/")
            ? URL(fileURLWithPath: runs) : context.configDirectory.appendingPathComponent(runs).standardizedFileURL
        if context.searchSpace.parameters.isEmpty {
            throw ConfigError.invalidValue(path: "search_space", message: "is empty; name training-config fields to tune, like \"optimizer.learning_rate\"")
        }
        for parameter in context.searchSpace.parameters { try checkOverridePath(parameter) }
    }

    /// The `objectives` list: metric names of `final_metrics.json`, at least one, no repeats,
    /// each one the training can write (`measured`), so a typo stops the study before it starts.
    private static func objectiveNames(_ root: ConfigObject, measured: [String]) throws -> [String] {
        guard let list = root["objectives"] else { return [] }
        guard case .array(let items) = list, !items.isEmpty else {
            throw ConfigError.wrongType(path: "objectives", expected: "a non-empty list of metric names", found: list.kindDescription)
        }
        let names = try items.enumerated().map { index, item -> String in
            guard case .string(let name) = item, !name.isEmpty else {
                throw ConfigError.wrongType(path: "objectives[\(index)]", expected: "a metric name", found: item.kindDescription)
            }
            guard measured.contains(name) else {
                let hint = closestMatch(to: name, in: measured).map { "; did you mean '\($0)'?" }
                    ?? " (measured: \(measured.joined(separator: ", ")))"
                throw ConfigError.invalidValue(path: "objectives[\(index)]", message: "'\(name)' is not a metric the training measures\(hint)")
            }
            return name
        }
        guard Set(names).count == names.count else { throw ConfigError.invalidValue(path: "objectives", message: "names a metric twice") }
        return names
    }

    /// Refuses a search-space name that is not a training-config field: one absent from the
    /// base configuration must at least make a valid configuration when set.
    private func checkOverridePath(_ parameter: SearchSpace.Parameter) throws {
        let keys = parameter.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if TrainingConfig.value(at: keys, in: base.json) != nil { return }
        let sample = Self.json(parameter.distribution.sampleValue)
        do {
            let json = try TrainingConfig.applying([parameter.name: sample], to: base.json)
            _ = try TrainingConfig(json: json, baseDirectory: base.baseDirectory)
        } catch let error as ConfigError {
            var message = "'\(parameter.name)' is not a field of the training configuration"
            if let suggestion = closestMatch(to: parameter.name, in: TrainingConfig.leafPaths(base.json)) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw ConfigError.invalidValue(path: "search_space.\(parameter.name)", message: message + " (\(error.description))")
        }
    }

    /// Trains one trial's configuration in `runs_directory/trial-N`, reporting each epoch to the trial.
    public func evaluate(_ trial: Trial, searchSpace: SearchSpace) throws -> [Double] {
        var overrides: [String: JSONValue] = [:]
        for (name, value) in try searchSpace.suggestAll(trial) { overrides[name] = Self.json(value) }
        let directory = runsDirectory.appendingPathComponent("trial-\(trial.number)")
        // A directory under this number can only be the remains of a run killed mid-trial.
        if FileManager.default.fileExists(atPath: directory.path) { try FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: runsDirectory, withIntermediateDirectories: true)
        var lastValue: Double?
        var reportFailure: Error?
        let metrics = try train(config: base, overrides: overrides, directory: directory) { epoch, value in
            lastValue = value
            // Several values cannot be pruned on one curve: the trial reports only its end.
            guard self.objectives.isEmpty else { return true }
            do {
                try trial.report(value, step: epoch)
                return try !trial.shouldPrune()
            } catch {
                reportFailure = error
                return false
            }
        }
        if let reportFailure { throw reportFailure }
        if metrics["pruned"] == 1 { throw TrialPruned("stopped after epoch \(Int(metrics["epochs_completed"] ?? 0))") }
        guard let lastValue else { throw TrainingError.invalidSetting(name: "epochs", detail: "the run reported no epoch") }
        if studyEvents == nil { studyEvents = try EventWriter(directory: runsDirectory.appendingPathComponent("study")) }
        try studyEvents?.scalars(
            [("study/objective", lastValue), ("study/epochs", metrics["epochs_completed"] ?? 0)], step: trial.number)
        try studyEvents?.flush()
        guard !objectives.isEmpty else { return [lastValue] }
        return try objectives.map { name in
            guard let value = metrics[name] else {
                throw TrainingError.invalidSetting(
                    name: "objectives", detail: "the run measured no '\(name)' (it has \(metrics.keys.sorted().joined(separator: ", ")))")
            }
            return value
        }
    }

    /// Writes the best trial's training configuration and names it in the summary.
    public func summary(best: FrozenTrial?) -> [String: Any] {
        var out: [String: Any] = ["runs_directory": runsDirectory.path]
        guard let best else { return out }
        do {
            let overrides = best.typedParams.mapValues(Self.json)
            let json = TrainingConfig.absolutePaths(in: try TrainingConfig.applying(overrides, to: base.json), base: base.baseDirectory)
            try FileManager.default.createDirectory(at: runsDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(Data((json.serialized() + "\n").utf8), to: bestConfigURL)
            out["best_config"] = bestConfigURL.path
            out["best_run_directory"] = runsDirectory.appendingPathComponent("trial-\(best.number)").path
        } catch {
            out["best_config_error"] = "\(error)"
        }
        return out
    }

    // MARK: Configuration JSON

    /// A parameter value as the JSON a configuration holds (integers keep an integer text).
    static func json(_ value: ParameterValue) -> JSONValue { value.jsonValue }
}

extension ParameterDistribution {
    /// A value inside the distribution (its low end or first choice), to check that a
    /// configuration accepts the field at all.
    fileprivate var sampleValue: ParameterValue {
        switch self {
        case .float(let low, _, _, _): return .float(low)
        case .int(let low, _, _, _): return .int(low)
        case .categorical(let choices): return ParameterValue(choices[0])
        }
    }
}
