import Foundation

/// K-fold cross-validation of a training config: the training data is cut into
/// `data.folds` folds (stratified by class for classification, drawn with the config's
/// seed); each fold in turn is held out for validation while a fresh model trains on the
/// rest, and every metric is summarized by its mean and standard deviation over folds.
///
/// Fold `k` is recorded as a complete run in `DIRECTORY/fold-k`; the summary goes to
/// `DIRECTORY/cv_metrics.json`: `{"folds": K, "mean": {…}, "std": {…}, "per_fold": [{…}, …]}`.
/// Validation metrics (`val_accuracy`, `val_macro_f1`, `val_rmse`, …) are measured on each
/// held-out fold; test metrics, when the config has a test file, on that file.
///
/// ```swift
/// let result = try CrossValidation.run(config: config, directory: runDirectory)
/// print(result.mean["val_accuracy"]!, result.standardDeviation["val_accuracy"]!)
/// ```
public enum CrossValidation {
    /// The summary file in the run directory.
    public static let summaryFileName = "cv_metrics.json"

    /// The metrics of every fold and their summary.
    public struct Result: Codable, Equatable {
        /// The number of folds.
        public var folds: Int
        /// The mean of each metric measured in every fold.
        public var mean: [String: Double]
        /// The sample standard deviation (n − 1 in the denominator) of each metric over folds.
        public var standardDeviation: [String: Double]
        /// Each fold's final metrics, fold 1 first.
        public var perFold: [[String: Double]]

        enum CodingKeys: String, CodingKey {
            case folds, mean
            case standardDeviation = "std"
            case perFold = "per_fold"
        }

        /// Summarizes `perFold`: the metrics every fold measured, with their mean and deviation.
        public init(perFold: [[String: Double]]) {
            folds = perFold.count
            self.perFold = perFold
            let shared = perFold.dropFirst().reduce(Set(perFold.first?.keys ?? [:].keys)) { $0.intersection($1.keys) }
            var mean: [String: Double] = [:], deviation: [String: Double] = [:]
            for name in shared {
                let values = perFold.map { $0[name]! }
                let average = values.reduce(0, +) / Double(values.count)
                mean[name] = average
                let squares = values.reduce(0) { $0 + ($1 - average) * ($1 - average) }
                deviation[name] = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
            }
            self.mean = mean
            standardDeviation = deviation
        }
    }

    /// Runs the `config.data.folds` trainings into subfolders of `directory` and writes the summary.
    ///
    /// - Parameters:
    ///   - progress: show each fold's progress (nil: live on a terminal).
    ///   - foldDidEnd: called with the fold number (from 1) and its metrics after each fold.
    /// - Throws: ``TrainingError/invalidSetting(name:detail:)`` when `data.folds` is not
    ///   set or `directory` already holds a cross-validation; what a run throws.
    @discardableResult
    public static func run(config: TrainingConfig, directory: URL, progress: Bool? = nil,
                           foldDidEnd: (Int, [String: Double]) -> Void = { _, _ in }) throws -> Result {
        guard let folds = config.data.folds else {
            throw TrainingError.invalidSetting(name: "data.folds", detail: "is not set; cross-validation needs a fold count ≥ 2")
        }
        let summary = directory.appendingPathComponent(summaryFileName)
        if FileManager.default.fileExists(atPath: summary.path)
            || FileManager.default.fileExists(atPath: foldDirectory(directory, 1).path)
        {
            throw TrainingError.invalidSetting(
                name: "run directory", detail: "\(directory.path) already holds a cross-validation; choose another directory")
        }
        var perFold: [[String: Double]] = []
        for index in 0..<folds {
            let run = try TrainingRun(config: config, directory: foldDirectory(directory, index + 1), progress: progress,
                                      fold: (index, folds))
            let metrics = try run.run()
            perFold.append(metrics)
            foldDidEnd(index + 1, metrics)
        }
        let result = Result(perFold: perFold)
        try AtomicFile.write(try NonFiniteJSON.encoder([.sortedKeys, .prettyPrinted]).encode(result), to: summary)
        return result
    }

    /// The run directory of fold `number` (from 1).
    public static func foldDirectory(_ directory: URL, _ number: Int) -> URL {
        directory.appendingPathComponent("fold-\(number)")
    }
}
