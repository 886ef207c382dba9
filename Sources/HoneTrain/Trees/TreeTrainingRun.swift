import Dispatch
import Foundation
import HoneCore
import HoneData
import HoneTrees

/// A training run of a tree model (`"model": {"gbdt": …}`, `{"random_forest": …}` or
/// `{"decision_tree": …}`) on the data sections nets use, recorded in the same kind of run
/// directory: `config.json`, `metrics.jsonl` (one record, trees train in one go),
/// `model.hntree` (the ``HoneTrees/TreeModel`` file format), `feature_importance.json`
/// and `final_metrics.json`.
///
/// Inputs are flattened to one feature per value and not scaled (trees do not need it).
/// Nothing is written until the data is read and checked, and a directory that already
/// holds a run is refused.
public final class TreeTrainingRun {
    /// The configuration.
    public let config: TrainingConfig
    /// The tree section of the model config.
    public let trees: TreeModelConfig
    /// The run directory.
    public let directory: URL
    /// The data sets.
    public let data: PreparedData

    /// The model file of a tree run directory.
    public static func modelURL(_ directory: URL) -> URL { directory.appendingPathComponent("model.hntree") }

    /// Reads the data; throws for a config without a tree model or a directory that holds a run.
    public init(config: TrainingConfig, directory: URL) throws {
        guard let trees = config.model.trees else {
            throw ConfigError.invalidValue(path: "model", message: "describes a net, not a tree model")
        }
        for existing in ["config.json", "model.hntree", "checkpoints"]
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
    }

    /// Fits the model, evaluates it on the test split (the validation split when there is
    /// none), writes the run's files and returns the final metrics.
    @discardableResult
    public func run() throws -> [String: Double] {
        let start = DispatchTime.now().uptimeNanoseconds
        let regression = config.objective == .regression
        let (x, labels) = try Self.rows(data.training)
        let validation = try data.validation.map { try Self.rows($0) }
        let model: TreeModel
        switch trees.kind {
        case "gbdt":
            let options = try trees.boostingOptions(classCount: regression ? nil : data.outputCount, seed: config.seed)
            model = try GradientBoosting.fit(
                x, labels: labels, validation: options.earlyStoppingRounds == nil ? nil : validation, options: options)
        case "random_forest":
            var options = try trees.forestOptions(regression: regression, seed: config.seed)
            if !regression { options.tree.classCount = data.outputCount }
            model = try RandomForest.fit(x, labels: labels, options: options)
        default:
            var options = try trees.forestOptions(regression: regression, seed: config.seed).tree
            if !regression { options.classCount = data.outputCount }
            model = try DecisionTree.fit(x, labels: labels, options: options)
        }
        let trainingSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(Data((config.json.serialized() + "\n").utf8), to: directory.appendingPathComponent("config.json"))
        var metrics: [String: Double] = [:]
        var record: [String: Double] = ["epoch": 1, "trees": Double(model.trees.count)]
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
        if let oob = model.outOfBagScore { metrics["out_of_bag_score"] = oob }
        if let best = model.bestIteration { metrics["best_iteration"] = Double(best) }
        metrics["trees"] = Double(model.trees.count)
        metrics["training_seconds"] = trainingSeconds
        metrics["run_seconds"] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(record) + Data("\n".utf8), to: directory.appendingPathComponent("metrics.jsonl"))
        try AtomicFile.write(model.encoded(), to: Self.modelURL(directory))
        let importance = ["gain": model.featureImportance(.gain), "split": model.featureImportance(.splitCount)]
        try AtomicFile.write(try encoder.encode(importance), to: directory.appendingPathComponent("feature_importance.json"))
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(metrics), to: directory.appendingPathComponent("final_metrics.json"))
        return metrics
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
    static func evaluate(_ model: TreeModel, _ x: FeatureMatrix, _ labels: [Double], regression: Bool) throws -> [String: Double] {
        let predictions = try model.predict(x)
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
