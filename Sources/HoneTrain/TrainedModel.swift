import Foundation
import HoneCore
import HoneTrees

/// A finished run's model, net or trees, ready to predict on raw rows: the model read by
/// ``RunModel/load(directory:config:data:)`` from the run's `config.json` and model file,
/// and (for nets) the training split's scaler refitted from the run's data (the same seed
/// gives the same split).
///
/// ```swift
/// let trained = try TrainedModel(runDirectory: URL(fileURLWithPath: "runs/cancer"))
/// let probabilities = trained.predict(Tensor(shape: [2, 30], scalars: rows))   // class probabilities
/// ```
public final class TrainedModel {
    /// The run's configuration.
    public let config: TrainingConfig
    /// The data the run trained on (the training split is the explainers' reference data).
    public let data: PreparedData
    /// The trained model.
    public let model: RunModel
    /// The CSV layout of the training file, for reading other CSV files the same way (CSV runs only).
    public let encoding: TabularEncoding?

    /// Loads the run in `runDirectory`; `config` replaces the run's `config.json` when its
    /// data paths are relative to a folder other than the run directory or the current one
    /// (the run's copy resolves them against the run directory, then the current directory).
    ///
    /// - Throws: ``TrainingError/invalidCheckpoint(file:detail:)`` without a config or a
    ///   model file, or with net weights of another shape; the tree file format's errors for
    ///   a corrupt tree model; config and data errors as `hone train` reports them.
    public init(runDirectory: URL, config configURL: URL? = nil) throws {
        let configFile = configURL ?? runDirectory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configFile.path) else {
            throw TrainingError.invalidCheckpoint(file: configFile.path, detail: "no config: \(runDirectory.path) is not a run directory")
        }
        config = try configURL.map { try TrainingConfig.load(from: $0) } ?? Self.runConfig(configFile)
        let modelFile = RunModel.modelFile(directory: runDirectory, config: config)
        guard FileManager.default.fileExists(atPath: modelFile.path) else {
            throw TrainingError.invalidCheckpoint(file: modelFile.path, detail: "no trained model: the run has not finished")
        }
        data = try PreparedData(config.data, regression: config.objective == .regression, seed: config.seed)
        model = try RunModel.load(directory: runDirectory, config: config, data: data)
        if config.data.source == "csv", let path = config.data.files["path"] {
            let options = CSVOptions(targetColumn: config.data.target, targetKind: config.objective == .regression ? .regression : .classification)
            encoding = try CSVDataset(contentsOf: path, options: options).encoding
        } else {
            encoding = nil
        }
    }

    /// The run's own config, its relative paths resolved against the run directory when the
    /// data is there, else against the current directory (where `hone train` usually ran).
    static func runConfig(_ file: URL) throws -> TrainingConfig {
        let inRun = try TrainingConfig.load(from: file)
        let paths = Array(inRun.data.files.values) + (inRun.data.directory.map { [$0] } ?? [])
        guard !paths.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) else { return inRun }
        let json = try JSONValue.parse(String(decoding: try Data(contentsOf: file), as: UTF8.self))
        return try TrainingConfig(json: json, baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    /// Whether the model classifies (its outputs are class probabilities) rather than regresses.
    public var isClassifier: Bool { config.objective == .classification }

    /// The number of input values per sample.
    public var featureCount: Int { data.training.sampleElementCount }

    /// Feature names: the CSV columns (one-hot columns expanded), else `x0`, `x1`, ….
    public var featureNames: [String] { encoding?.featureNames ?? (0..<featureCount).map { "x\($0)" } }

    /// The net's forward pass on raw rows, through the autodiff tape (`nil` for trees).
    public var differentiable: ((Tensor) -> Tensor)? {
        guard case .network(let net) = model else { return nil }
        return { self.predictNetwork(net, $0) }
    }

    /// Outputs for a batch `[N, featureCount]` of raw (unscaled) rows: class probabilities
    /// for a classifier, values for a regressor. For a net the pass is recorded on the
    /// autodiff tape when gradients are on and the scaler is per feature, so gradient
    /// attributions reach the raw inputs; trees and stacks read the raw rows as they trained.
    public func predict(_ rows: Tensor) -> Tensor {
        guard case .network(let net) = model else {
            do {
                let x = try FeatureMatrix(floats: rows.scalars, rowCount: rows.shape[0], featureCount: featureCount)
                let outputs = try model.rowOutputs(x)
                return Tensor(shape: [outputs.count, outputs.first?.count ?? data.outputCount], scalars: outputs.flatMap { $0.map(Float.init) })
            } catch {
                preconditionFailure("rows of \(rows.shape) for a model of \(featureCount) features: \(error)")
            }
        }
        return predictNetwork(net, rows)
    }

    private func predictNetwork(_ model: any UnaryLayer, _ rows: Tensor) -> Tensor {
        let n = rows.shape[0]
        var x = rows
        if let standardizer = data.scaler as? Standardizer, standardizer.mean.count == featureCount {
            let inverse = standardizer.standardDeviation.map { $0 > 0 ? 1 / $0 : 1 }
            x = (x - Tensor(shape: [1, featureCount], scalars: standardizer.mean)) * Tensor(shape: [1, featureCount], scalars: inverse)
        } else if let normalizer = data.scaler as? MinMaxNormalizer, normalizer.minimum.count == featureCount {
            let inverse = zip(normalizer.minimum, normalizer.maximum).map { $1 > $0 ? 1 / ($1 - $0) : 0 }
            x = (x - Tensor(shape: [1, featureCount], scalars: normalizer.minimum)) * Tensor(shape: [1, featureCount], scalars: inverse)
        } else if let standardizer = data.scaler as? Standardizer {
            x = standardizer(x.reshaped([n] + data.training.sampleShape))
        } else if let normalizer = data.scaler as? MinMaxNormalizer {
            x = normalizer(x.reshaped([n] + data.training.sampleShape))
        }
        let outputs = model(x.reshaped([n] + data.training.sampleShape))
        return isClassifier ? outputs.softmax(axis: -1) : outputs
    }

    /// Reads a CSV file laid out like the training file: its features as rows, and its
    /// labels (classification) or targets (regression) when it has the target column.
    ///
    /// - Throws: a feature-count mismatch naming the file and both counts, or the reader's own errors.
    public func readRows(csv url: URL) throws -> (rows: [Float], featureCount: Int, labels: [Int]?, targets: [Float]?) {
        guard let encoding else {
            throw TrainingError.invalidSetting(name: "DATA", detail: "the run trained on \(config.data.source) data; only CSV runs read another data file")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        let hasTarget = encoding.targetColumn.map { target in
            text.prefix { $0 != "\n" }.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == target }
        } ?? false
        let options = CSVOptions(targetColumn: hasTarget ? encoding.targetColumn : nil, targetKind: encoding.targetKind)
        let loose = try CSVDataset(contentsOf: url, options: options)
        guard loose.encoding.featureCount == encoding.featureCount else {
            throw TrainingError.invalidSetting(
                name: url.path, detail: "has \(loose.encoding.featureCount) features but the model takes \(encoding.featureCount)")
        }
        let table = hasTarget ? try CSVDataset(contentsOf: url, encoding: encoding, missingValuePolicy: .error) : loose
        let targets = table.targets?.scalars
        return (table.features.scalars, encoding.featureCount, table.labels, targets)
    }
}
