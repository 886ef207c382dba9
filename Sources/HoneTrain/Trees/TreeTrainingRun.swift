import Dispatch
import Foundation
import HoneCore
import HoneData
import HoneTrees

/// A training run of a tree model (`"model": {"gbdt": …}`, `{"random_forest": …}` or
/// `{"decision_tree": …}`) or a stack (`{"stacking": …}`) on the data sections nets use,
/// recorded in the same kind of run directory: `config.json`, `metrics.jsonl` (one record,
/// these models train in one go), `final_metrics.json`, and the model: `model.hntree` (the
/// ``HoneTrees/TreeModel`` file format) with `feature_importance.json`, or a stack's
/// `stack/` folder (see ``StackedModel``).
///
/// Inputs are flattened to one feature per value and not scaled (trees do not need it).
/// Nothing is written until the data is read and checked, and a directory that already
/// holds a run is refused.
public final class TreeTrainingRun {
    /// The configuration.
    public let config: TrainingConfig
    /// The tree section of the model config (`nil` for a stack).
    public let trees: TreeModelConfig?
    /// The run directory.
    public let directory: URL
    /// The data sets.
    public let data: PreparedData
    /// The fitted model, once ``run()`` has fitted it.
    public private(set) var model: RunModel?

    /// The model file of a tree run directory.
    public static func modelURL(_ directory: URL) -> URL { directory.appendingPathComponent("model.hntree") }

    /// Whether `config` trains in one go through this type (a tree model or a stack) rather than as a net.
    public static func handles(_ config: TrainingConfig) -> Bool {
        config.model.trees != nil || config.model.stacking != nil
    }

    /// Reads the data; throws for a config without a tree model or stack, or a directory that holds a run.
    public init(config: TrainingConfig, directory: URL) throws {
        guard Self.handles(config) else {
            throw ConfigError.invalidValue(path: "model", message: "describes a net, not a tree model or a stack")
        }
        let trees = config.model.trees
        for existing in ["config.json", "model.hntree", "stack", "checkpoints"]
        where FileManager.default.fileExists(atPath: directory.appendingPathComponent(existing).path) {
            throw TrainingError.invalidSetting(name: "run directory", detail: "\(directory.path) already holds a run; choose another directory")
        }
        self.config = config
        self.trees = trees
        self.directory = directory
        data = try PreparedData(config.data, regression: config.objective == .regression, seed: config.seed)
        if config.objective == .regression && data.outputCount != 1 {
            throw ConfigError.invalidValue(path: "data.target", message: "tree models predict one target, the data has \(data.outputCount)")
        }
        // A net member that does not fit the data's shape fails here, before any fitting.
        for member in config.model.stacking?.members ?? [] where member.trees == nil {
            _ = try member.build(
                sampleShape: [data.training.sampleElementCount], outputCount: data.outputCount, dropout: config.dropout, seed: config.seed)
        }
    }

    /// Fits the model, evaluates it on the test split (the validation split when there is
    /// none), writes the run's files and returns the final metrics.
    @discardableResult
    public func run() throws -> [String: Double] {
        let start = DispatchTime.now().uptimeNanoseconds
        let regression = config.objective == .regression
        let (x, labels) = try Self.rows(data.training)
        let validation = try data.validation.map { try Self.rows($0) }
        let model: RunModel
        if let trees {
            model = .trees(try Self.fit(
                trees, x: x, labels: labels, validation: validation, classCount: regression ? nil : data.outputCount, seed: config.seed))
        } else {
            model = .stack(try StackedModel.fit(config.model.stacking!, config: config, x: x, labels: labels, classCount: data.outputCount))
        }
        self.model = model
        let trainingSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(Data((config.json.serialized() + "\n").utf8), to: directory.appendingPathComponent("config.json"))
        var metrics: [String: Double] = [:]
        var record: [String: Double] = ["epoch": 1]
        if case .trees(let trees) = model { record["trees"] = Double(trees.trees.count) }
        if let validation {
            for (name, value) in try Self.evaluate(model, validation.0, validation.1, regression: regression) {
                metrics["final_val_" + name] = value
                record["val_" + name] = value
            }
        }
        if let test = data.test {
            let (testX, testLabels) = try Self.rows(test)
            for (name, value) in try Self.evaluate(model, testX, testLabels, regression: regression) { metrics["test_" + name] = value }
        } else if let validation {
            for (name, value) in try Self.evaluate(model, validation.0, validation.1, regression: regression) { metrics["val_" + name] = value }
        }
        if case .trees(let trees) = model {
            if let oob = trees.outOfBagScore { metrics["out_of_bag_score"] = oob }
            if let best = trees.bestIteration { metrics["best_iteration"] = Double(best) }
            metrics["trees"] = Double(trees.trees.count)
        }
        metrics["training_seconds"] = trainingSeconds
        metrics["run_seconds"] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(record) + Data("\n".utf8), to: directory.appendingPathComponent("metrics.jsonl"))
        switch model {
        case .trees(let trees):
            try AtomicFile.write(trees.encoded(), to: Self.modelURL(directory))
            let importance = ["gain": trees.featureImportance(.gain), "split": trees.featureImportance(.splitCount)]
            try AtomicFile.write(try encoder.encode(importance), to: directory.appendingPathComponent("feature_importance.json"))
        case .stack(let stack):
            try stack.save(directory: directory)
        case .network:
            preconditionFailure("nets train through TrainingRun")
        }
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(metrics), to: directory.appendingPathComponent("final_metrics.json"))
        return metrics
    }

    /// Fits the tree model `trees` describes on `x` and `labels` (class indices, or the
    /// target when `classCount` is nil); boosting with early stopping watches `validation`.
    static func fit(
        _ trees: TreeModelConfig, x: FeatureMatrix, labels: [Double], validation: (FeatureMatrix, [Double])?, classCount: Int?, seed: UInt64
    ) throws -> TreeModel {
        let regression = classCount == nil
        switch trees.kind {
        case "gbdt":
            let options = try trees.boostingOptions(classCount: classCount, seed: seed)
            return try GradientBoosting.fit(x, labels: labels, validation: options.earlyStoppingRounds == nil ? nil : validation, options: options)
        case "random_forest":
            var options = try trees.forestOptions(regression: regression, seed: seed)
            if let classCount { options.tree.classCount = classCount }
            return try RandomForest.fit(x, labels: labels, options: options)
        default:
            var options = try trees.forestOptions(regression: regression, seed: seed).tree
            if let classCount { options.classCount = classCount }
            return try DecisionTree.fit(x, labels: labels, options: options)
        }
    }

    /// A data set as a feature matrix (inputs flattened) and labels (class indices or the target).
    public static func rows(_ dataset: some Dataset) throws -> (FeatureMatrix, [Double]) {
        let width = dataset.sampleElementCount
        var values = [Double](repeating: 0, count: dataset.count * width)
        var labels = [Double](repeating: 0, count: dataset.count)
        var buffer = [Float](repeating: 0, count: width)
        for index in 0..<dataset.count {
            buffer.withUnsafeMutableBufferPointer { dataset.copyInput(at: index, into: $0) }
            for f in 0..<width { values[index * width + f] = Double(buffer[f]) }
            switch dataset.label(at: index) {
            case .classIndex(let label): labels[index] = Double(label)
            case .values(let targets): labels[index] = Double(targets.first ?? .nan)
            }
        }
        return (try FeatureMatrix(rowCount: dataset.count, featureCount: width, values: values), labels)
    }

    /// The report of `Evaluation.detailedMetrics` for a tree model's predictions.
    static func evaluate(_ model: RunModel, _ x: FeatureMatrix, _ labels: [Double], regression: Bool) throws -> [String: Double] {
        try evaluate(outputs: try model.rowOutputs(x), labels, regression: regression)
    }

    /// The report of `Evaluation.detailedMetrics` for predictions (class probabilities, or one value per row) against `labels`.
    static func evaluate(outputs predictions: [[Double]], _ labels: [Double], regression: Bool) throws -> [String: Double] {
        if regression {
            let predicted = predictions.map { $0[0] }
            let loss = zip(predicted, labels).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(max(labels.count, 1))
            let evaluation = Evaluation(
                objective: .regression, loss: loss, metrics: [:], outputs: Tensor(shape: [labels.count, 1], scalars: predicted.map(Float.init)),
                labels: [], targets: Tensor(shape: [labels.count, 1], scalars: labels.map(Float.init)))
            return evaluation.detailedMetrics
        }
        let classes = predictions.first?.count ?? 2
        // Log-probabilities as the outputs: the softmax inside the metrics gives the probabilities back.
        let logProbabilities = predictions.flatMap { $0.map { Float(log(max($0, 1e-15))) } }
        let loss = zip(predictions, labels).map { -log(max($0[Int($1)], 1e-15)) }.reduce(0, +) / Double(max(labels.count, 1))
        let evaluation = Evaluation(
            objective: .classification, loss: loss, metrics: [:],
            outputs: Tensor(shape: [labels.count, classes], scalars: logProbabilities), labels: labels.map { Int($0) }, targets: nil)
        return evaluation.detailedMetrics
    }
}
