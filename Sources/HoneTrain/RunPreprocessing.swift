import Foundation
import HoneCore

/// What a run fitted on its training data to turn raw rows into model inputs, saved as
/// `preprocessing.json` in the run directory so new data is prepared exactly the same
/// way for prediction and evaluation.
///
/// The file is JSON with these keys (absent when not used):
/// - `version`: the format version, 1.
/// - `task`: `classification` or `regression`.
/// - `tabular_encoding`: for CSV data, the ``HoneData/TabularEncoding``: input columns in
///   feature order with their categories (one-hot order) and imputed values, the target
///   column, class names in class-index order, the missing-value markers.
/// - `missing_values`: the policy's config name (`error`, `impute_median`, …).
/// - `standardizer`: per-feature (or per-channel) `mean` and `standardDeviation`.
/// - `min_max`: per-feature (or per-channel) `minimum` and `maximum`.
/// - `target_scaling`: the regression target's `mean` and `standardDeviation`.
///
/// ```swift
/// let preprocessing = try RunPreprocessing.load(runDirectory: run)
/// let table = try preprocessing.prepareTable(at: URL(fileURLWithPath: "new.csv"))
/// let scores = model(table.features)
/// ```
public struct RunPreprocessing: Codable, Equatable {
    /// The file name inside a run directory.
    public static let fileName = "preprocessing.json"
    /// The format version written.
    public static let currentVersion = 1

    /// The format version.
    public var version: Int
    /// Classification or regression.
    public var task: Trainer.Objective
    /// The CSV column encoding, for tabular runs.
    public var tabularEncoding: TabularEncoding?
    /// The missing-value policy the training file was read with (CSV).
    public var missingValues: String?
    /// The standardization of the inputs, if fitted.
    public var standardizer: Standardizer?
    /// The min–max normalization of the inputs, if fitted.
    public var minMax: MinMaxNormalizer?
    /// The standardization of regression targets, if fitted.
    public var targetScaling: TargetScaling?

    enum CodingKeys: String, CodingKey {
        case version, task
        case tabularEncoding = "tabular_encoding"
        case missingValues = "missing_values"
        case standardizer
        case minMax = "min_max"
        case targetScaling = "target_scaling"
    }

    /// The preprocessing of a run's prepared data.
    public init(task: Trainer.Objective, data: PreparedData, missingValuePolicy: MissingValuePolicy?) {
        version = Self.currentVersion
        self.task = task
        tabularEncoding = data.tabularEncoding
        missingValues = data.tabularEncoding == nil ? nil : missingValuePolicy?.configName
        standardizer = data.scaler as? Standardizer
        minMax = data.scaler as? MinMaxNormalizer
        targetScaling = data.targetScaling
    }

    /// The file's location in `runDirectory`.
    public static func url(runDirectory: URL) -> URL { runDirectory.appendingPathComponent(fileName) }

    /// Writes `preprocessing.json` into `runDirectory` atomically (keys sorted, so it diffs cleanly).
    public func write(runDirectory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(self), to: Self.url(runDirectory: runDirectory))
    }

    /// Reads `preprocessing.json` from `runDirectory`.
    ///
    /// - Throws: ``HoneData/DataError`` naming the file when it is missing, unreadable,
    ///   not this format, or of a newer version.
    public static func load(runDirectory: URL) throws -> RunPreprocessing {
        let file = url(runDirectory: runDirectory)
        guard let bytes = FileManager.default.contents(atPath: file.path) else { throw DataError.fileNotFound(file: file.path) }
        let preprocessing: RunPreprocessing
        do {
            preprocessing = try JSONDecoder().decode(RunPreprocessing.self, from: bytes)
        } catch {
            throw DataError.invalidHeader(file: file.path, detail: "not a run's preprocessing record (\(error))")
        }
        guard preprocessing.version == currentVersion else {
            throw DataError.invalidHeader(file: file.path, detail: "unsupported version \(preprocessing.version), expected \(currentVersion)")
        }
        return preprocessing
    }

    /// Reads a CSV table with the run's encoding (columns in any order, extra columns
    /// ignored, the target column optional) and returns its scaled features.
    ///
    /// - Throws: ``HoneData/DataError``: ``HoneData/DataError/missingColumn(file:column:)``
    ///   naming a column the model needs, ``HoneData/DataError/unknownCategory(file:line:column:value:)``
    ///   for a category or class not seen in training, missing values the run could not
    ///   impute, or ``HoneData/DataError/invalidParameter(name:detail:)`` when the run was
    ///   not trained on a table.
    public func prepareTable(at url: URL) throws -> PreparedTable {
        guard let encoding = tabularEncoding else {
            throw DataError.invalidParameter(name: url.path, detail: "the run was not trained on a CSV table; give data in its own format")
        }
        let imputes = encoding.columns.contains { $0.imputedNumber != nil || $0.imputedCategory != nil }
        let table = try CSVDataset(contentsOf: url, encoding: encoding, missingValuePolicy: imputes ? .imputeMean : .error,
                                   targetIsOptional: true)
        var features = table.features
        if let standardizer { features = standardizer(features) }
        if let minMax { features = minMax(features) }
        return PreparedTable(features: features, labels: table.labels, targets: table.targets, sourceLines: table.sourceLines)
    }
}

/// A new table prepared with a run's preprocessing.
public struct PreparedTable {
    /// The model inputs `[N, F]`, encoded and scaled as in training.
    public let features: Tensor
    /// The class index of each row, when the table has the target column (classification).
    public let labels: [Int]?
    /// The regression targets `[N, 1]` in the original units, when the table has the target column.
    public let targets: Tensor?
    /// The file line each row came from.
    public let sourceLines: [Int]
}
