import Foundation
import HoneCore
import HoneTrees

/// A finished run read back from its directory, to predict or evaluate on new data exactly
/// as the run saw its own: the run's configuration (`config.json`), its data preparation
/// refitted from the same files and seed (the same scaling, the same CSV encoding of
/// categories and classes), and its model (a net's `model.safetensors`, a tree model's `model.hntree`).
///
/// ```swift
/// let run = try SavedRun(directory: URL(fileURLWithPath: "runs/wine"))
/// let data = try run.read(URL(fileURLWithPath: "held-out.csv"), labelled: true)
/// print(run.evaluate(data))            // ["accuracy": 0.94, "loss": 0.17, …]
/// ```
public final class SavedRun {
    /// The run directory.
    public let directory: URL
    /// The configuration the run trained with.
    public let config: TrainingConfig
    /// The run's model (a net with its final weights in evaluation mode, or a tree model).
    public let model: RunModel
    private let prepared: PreparedData
    private let trainer: Trainer?

    /// Reads the run in `directory`.
    /// - Throws: ``PredictionError`` when the run has no configuration or model file,
    ///   the tree file format's errors for a corrupt model file, or what reading its
    ///   configuration and training data throws.
    public init(directory: URL) throws {
        self.directory = directory
        let configURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw PredictionError.notARun(directory: directory.path, detail: "it has no config.json")
        }
        config = try TrainedModel.runConfig(configURL)
        prepared = try PreparedData(config.data, regression: config.objective == .regression, seed: config.seed)
        model = try RunModel.load(directory: directory, config: config, data: prepared)
        if case .network(let net) = model {
            // The trainer only evaluates; its optimizer never steps.
            trainer = Trainer(model: net, optimizer: SGD(parameters: net.parameters(), learningRate: 0), objective: config.objective,
                              labelSmoothing: config.labelSmoothing)
        } else {
            trainer = nil
        }
    }

    /// The class names in output order (`nil` for regression): the CSV's class texts, else the indices.
    public var classNames: [String]? {
        guard config.objective == .classification else { return nil }
        return prepared.tabularEncoding?.classNames ?? (0..<prepared.outputCount).map(String.init)
    }

    /// Reads `url` in the run's data format: a CSV with the run's columns in any order (the
    /// target column only when `labelled`), IDX images (`labels` names their IDX labels), or
    /// a CIFAR-10 batch file.
    /// - Throws: ``PredictionError`` for a sample shape the model was not trained on, a
    ///   ``HoneData/DataError`` naming the file for a missing column or an unseen category.
    public func read(_ url: URL, labels: URL? = nil, labelled: Bool) throws -> AnyDataset {
        let dataset: AnyDataset
        switch config.data.source {
        case "csv":
            dataset = try readCSV(url, labelled: labelled)
        case "cifar10":
            dataset = AnyDataset(try CIFAR10.readBatch(at: url))
        default:
            if labelled {
                guard let labels else { throw PredictionError.missingLabels(file: url.path) }
                dataset = AnyDataset(try PreparedData.idxDataset(images: url, labels: labels))
            } else {
                let images = try PreparedData.idxImages(url)
                // Placeholder class 0 for every image: prediction never reads labels.
                dataset = AnyDataset(TensorDataset(inputs: images, labels: Array(repeating: 0, count: images.shape[0])))
            }
        }
        guard dataset.sampleShape == prepared.training.sampleShape else {
            throw PredictionError.shapeMismatch(file: url.path, found: dataset.sampleShape, expected: prepared.training.sampleShape)
        }
        try config.model.checkTokens(in: dataset, file: url.path)
        return dataset
    }

    private func readCSV(_ url: URL, labelled: Bool) throws -> AnyDataset {
        let encoding = prepared.tabularEncoding!
        if labelled { return AnyDataset(try CSVDataset(contentsOf: url, encoding: encoding, missingValuePolicy: .error)) }
        let records = try CSVParser.records(in: try FileAccess.readBytes(at: url), file: url.path)
        guard let header = records.first, records.count > 1 else { throw DataError.empty(file: url.path) }
        if let absent = encoding.columns.first(where: { !header.fields.contains($0.name) }) {
            throw PredictionError.missingColumn(file: url.path, column: absent.name, expected: encoding.columns.map(\.name))
        }
        let width = encoding.featureCount
        var values: [Float] = []
        values.reserveCapacity((records.count - 1) * width)
        for record in records.dropFirst() {
            let row = Dictionary(zip(header.fields, record.fields), uniquingKeysWith: { first, _ in first })
            do {
                values += try encoding.encode(row)
            } catch let error as DataError {
                throw PredictionError.badRow(file: url.path, line: record.line, detail: error.description)
            }
        }
        // Placeholder class 0 for every row: prediction never reads labels.
        let count = records.count - 1
        return AnyDataset(TensorDataset(inputs: Tensor(shape: [count, width], scalars: values), labels: Array(repeating: 0, count: count)))
    }

    /// The model's outputs for every sample of `data`, in order: class probabilities `[N, C]`
    /// for classification, values `[N, K]` for regression.
    public func predict(_ data: AnyDataset) throws -> Tensor {
        guard case .network(let model) = model else {
            // Trees and stacks read raw rows: the run trained them unscaled.
            let (x, _) = try TreeTrainingRun.rows(data)
            let outputs = try self.model.rowOutputs(x)
            let width = outputs.first?.count ?? prepared.outputCount
            return Tensor(shape: [outputs.count, width], scalars: outputs.flatMap { $0.map(Float.init) })
        }
        let batches = try loader(data)
        var outputs: [Tensor] = []
        withNoGrad {
            for batch in batches { outputs.append(model(batch.inputs)) }
        }
        let all = Tensor.concat(outputs, axis: 0)
        return config.objective == .classification ? all.softmax(axis: 1) : all
    }

    /// The metrics of a final evaluation (as `final_metrics.json` names them without the
    /// `test_` prefix) on labelled `data`.
    public func evaluate(_ data: AnyDataset) throws -> [String: Double] {
        guard let trainer else {
            let (x, labels) = try TreeTrainingRun.rows(data)
            return try TreeTrainingRun.evaluate(outputs: try model.rowOutputs(x), labels, regression: config.objective == .regression)
        }
        return trainer.evaluate(try loader(data)).detailedMetrics
    }

    /// Batches as the run's own test evaluation made them (the same size, the same scaling),
    /// so the metrics on the run's test file are the run's test metrics to the last bit.
    private func loader(_ data: AnyDataset) throws -> DataLoader<AnyDataset> {
        try DataLoader(dataset: data, batchSize: max(config.batchSize, 256), transform: prepared.scaler.map { Compose([$0]) })
    }
}

/// Why a saved run cannot predict on or evaluate some data.
public enum PredictionError: Error, Equatable, CustomStringConvertible {
    /// The directory holds no finished run.
    case notARun(directory: String, detail: String)
    /// IDX images to evaluate need their labels file.
    case missingLabels(file: String)
    /// The samples are not the shape the model was trained on.
    case shapeMismatch(file: String, found: [Int], expected: [Int])
    /// The CSV lacks a column the model reads.
    case missingColumn(file: String, column: String, expected: [String])
    /// A row that the run's encoding cannot encode (a missing column, an unseen category).
    case badRow(file: String, line: Int, detail: String)

    public var description: String {
        switch self {
        case .notARun(let directory, let detail): return "\(directory) is not a finished run: \(detail)"
        case .missingLabels(let file): return "\(file): IDX images need their labels file to evaluate (give --labels FILE)"
        case .shapeMismatch(let file, let found, let expected):
            return "\(file): samples of shape \(found), the model was trained on \(expected)"
        case .missingColumn(let file, let column, let expected):
            return "\(file): no column named '\(column)' in the header (the run reads \(expected.joined(separator: ", ")))"
        case .badRow(let file, let line, let detail): return "\(file), line \(line): \(detail)"
        }
    }
}
