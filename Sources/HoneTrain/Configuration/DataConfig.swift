import Foundation
import HoneCore

/// The `data` section of a training config: where the samples come from, how they are
/// split and scaled.
///
/// ```json
/// {"source": "fashion-mnist", "validation_fraction": 0.1, "scaling": "standardize"}
/// {"source": "idx", "train_images": "x.idx.gz", "train_labels": "y.idx.gz", "test_images": "...", "test_labels": "..."}
/// {"source": "csv", "path": "train.csv", "target": "label", "test_path": "test.csv"}
/// {"source": "cifar10", "directory": "cifar-10-batches-bin"}
/// ```
public struct DataConfig {
    /// The data sources understood.
    public static let sources = ["fashion-mnist", "idx", "csv", "cifar10"]
    /// The scalings understood: standardize (zero mean, unit variance per channel, fitted
    /// on the training split), unit (min–max to [0, 1]) or none.
    public static let scalings = ["standardize", "unit", "none"]
    static let fields = [
        "source", "directory", "train_images", "train_labels", "test_images", "test_labels", "path", "target",
        "test_path", "validation_fraction", "scaling", "classes", "train_limit",
    ]

    /// The source name.
    public var source: String
    /// The data directory (Fashion-MNIST, CIFAR-10).
    public var directory: URL?
    /// Files by field name (`train_images`, `path`, …), resolved against the config's folder.
    public var files: [String: URL]
    /// The CSV target column.
    public var target: String?
    /// The share of the training data held out for validation (0 for none).
    public var validationFraction: Double
    /// The scaling applied.
    public var scaling: String
    /// Only these classes, relabelled `0..<classes.count` (transfer learning on a subset).
    public var classes: [Int]?
    /// Train on at most this many samples (drawn with the seed, stratified by class).
    public var trainLimit: Int?

    /// Reads the section at `path`, resolving relative file names against `baseDirectory`.
    public init(_ value: JSONValue, path: String, baseDirectory: URL, regression: Bool) throws {
        let object = try ConfigObject(value, path: path)
        try object.checkNoUnknownFields(allowed: Self.fields)
        guard let source = try object.choice("source", Self.sources) else { throw ConfigError.missingField(path: object.fieldPath("source")) }
        self.source = source
        func resolve(_ text: String) -> URL {
            text.hasPrefix("/") ? URL(fileURLWithPath: text) : baseDirectory.appendingPathComponent(text)
        }
        directory = try object.string("directory").map(resolve)
        let allowedFiles: [String: [String]] = [
            "fashion-mnist": [], "cifar10": [], "idx": ["train_images", "train_labels", "test_images", "test_labels"],
            "csv": ["path", "test_path"],
        ]
        files = [:]
        for key in ["train_images", "train_labels", "test_images", "test_labels", "path", "test_path"] {
            guard let text = try object.string(key) else { continue }
            guard allowedFiles[source]!.contains(key) else {
                throw ConfigError.invalidValue(path: object.fieldPath(key), message: "is not used by source '\(source)'")
            }
            files[key] = resolve(text)
        }
        target = try object.string("target")
        switch source {
        case "idx":
            for key in ["train_images", "train_labels"] where files[key] == nil { throw ConfigError.missingField(path: object.fieldPath(key)) }
            if (files["test_images"] == nil) != (files["test_labels"] == nil) {
                throw ConfigError.missingField(path: object.fieldPath(files["test_images"] == nil ? "test_images" : "test_labels"))
            }
        case "csv":
            if files["path"] == nil { throw ConfigError.missingField(path: object.fieldPath("path")) }
            if target == nil { throw ConfigError.missingField(path: object.fieldPath("target")) }
        case "cifar10":
            if directory == nil { throw ConfigError.missingField(path: object.fieldPath("directory")) }
        default: break
        }
        validationFraction = try object.double("validation_fraction", in: 0...0.9) ?? 0.1
        scaling = try object.choice("scaling", Self.scalings) ?? "standardize"
        classes = try object.intArray("classes")
        if regression && classes != nil {
            throw ConfigError.invalidValue(path: object.fieldPath("classes"), message: "selects classes, but the task is regression")
        }
        trainLimit = try object.int("train_limit", atLeast: 1)
    }
}

/// The data sets a run trains, validates and tests on.
public struct PreparedData {
    /// The training samples (before augmentation).
    public var training: AnyDataset
    /// The validation samples, if any were held out.
    public var validation: AnyDataset?
    /// The test samples, if the source has a test split.
    public var test: AnyDataset?
    /// The scaling transform fitted on the training samples (nil for none).
    public var scaler: (any Transform)?
    /// The number of classes (1 output per target value for regression).
    public var outputCount: Int
    /// How the CSV's columns, categories and classes were encoded (CSV sources only).
    public var tabularEncoding: TabularEncoding?

    /// Loads and splits the data `config` names.
    ///
    /// - Throws: ``HoneData/DataError`` naming the file for unreadable or malformed data.
    public init(_ config: DataConfig, regression: Bool, seed: UInt64) throws {
        var training: AnyDataset, test: AnyDataset?
        switch config.source {
        case "fashion-mnist":
            let directory = config.directory ?? FashionMNIST.defaultDirectory
            training = AnyDataset(try FashionMNIST.load(split: .train, directory: directory))
            test = AnyDataset(try FashionMNIST.load(split: .test, directory: directory))
        case "cifar10":
            training = AnyDataset(try CIFAR10.load(split: .train, directory: config.directory!))
            test = AnyDataset(try CIFAR10.load(split: .test, directory: config.directory!))
        case "idx":
            training = AnyDataset(try Self.idxDataset(images: config.files["train_images"]!, labels: config.files["train_labels"]!))
            if let images = config.files["test_images"], let labels = config.files["test_labels"] {
                test = AnyDataset(try Self.idxDataset(images: images, labels: labels))
            }
        default:
            let options = CSVOptions(targetColumn: config.target, targetKind: regression ? .regression : .classification)
            let table = try CSVDataset(contentsOf: config.files["path"]!, options: options)
            training = AnyDataset(table)
            tabularEncoding = table.encoding
            if let testPath = config.files["test_path"] {
                test = AnyDataset(try CSVDataset(contentsOf: testPath, encoding: table.encoding, missingValuePolicy: .error))
            }
        }
        if let classes = config.classes {
            training = AnyDataset(try training.filteringClasses(classes))
            test = try test.map { AnyDataset(try $0.filteringClasses(classes)) }
        }
        let labels = training.classLabels
        var validation: AnyDataset?
        if config.validationFraction > 0 {
            let fold = try labels.map { try Splits.stratified(labels: $0, validationFraction: config.validationFraction, seed: seed) }
                ?? Splits.trainValidation(count: training.count, validationFraction: config.validationFraction, seed: seed)
            validation = AnyDataset(try training.subset(fold.validation))
            training = AnyDataset(try training.subset(fold.train))
        }
        if let limit = config.trainLimit, limit < training.count {
            let fraction = 1 - Double(limit) / Double(training.count)
            let kept = try training.classLabels.map { try Splits.stratified(labels: $0, validationFraction: fraction, seed: seed &+ 1).train }
                ?? Splits.trainValidation(count: training.count, validationFraction: fraction, seed: seed &+ 1).train
            training = AnyDataset(try training.subset(kept))
        }
        guard training.count > 0 else { throw DataError.invalidParameter(name: "data", detail: "no training samples left after selection") }
        switch config.scaling {
        case "standardize": scaler = try Standardizer.fit(training)
        case "unit": scaler = try MinMaxNormalizer.fit(training)
        default: scaler = nil
        }
        if regression {
            guard case .values(let values) = training.label(at: 0) else {
                throw DataError.invalidParameter(name: "task", detail: "regression needs numeric targets, the data has class labels")
            }
            outputCount = values.count
        } else {
            guard let classLabels = training.classLabels else {
                throw DataError.invalidParameter(name: "task", detail: "classification needs class labels, the data has numeric targets")
            }
            let allLabels = classLabels + (validation?.classLabels ?? []) + (test?.classLabels ?? [])
            outputCount = config.classes?.count ?? ((allLabels.max() ?? 0) + 1)
        }
        self.training = training
        self.validation = validation
        self.test = test
    }

    /// An IDX image file (`[N, H, W]` or `[N, C, H, W]`, any numeric type, bytes scaled to
    /// [0, 1]) with an IDX label file of N class indices.
    static func idxDataset(images imagesURL: URL, labels labelsURL: URL) throws -> TensorDataset {
        let inputs = try idxImages(imagesURL)
        let labels = try IDXArray(contentsOf: labelsURL)
        guard labels.dimensions.count == 1, labels.dimensions[0] == inputs.shape[0] else {
            throw DataError.invalidHeader(file: labelsURL.path, detail: "expected \(inputs.shape[0]) labels, found dimensions \(labels.dimensions)")
        }
        let classes = try labels.integerValues()
        if let index = classes.firstIndex(where: { $0 < 0 }) {
            throw DataError.invalidLabel(file: labelsURL.path, index: index, value: classes[index], detail: "labels must be class indices ≥ 0")
        }
        return TensorDataset(inputs: inputs, labels: classes)
    }

    /// The images of an IDX file as `[N, C, H, W]` (`[N, 1, H, W]` for `N × H × W`), bytes scaled to [0, 1].
    static func idxImages(_ imagesURL: URL) throws -> Tensor {
        let images = try IDXArray(contentsOf: imagesURL)
        guard (2...4).contains(images.dimensions.count) else {
            throw DataError.invalidHeader(file: imagesURL.path, detail: "expected N × H × W or N × C × H × W images (or N × F rows), found \(images.dimensions)")
        }
        var shape = images.dimensions
        if shape.count == 3 { shape.insert(1, at: 1) }
        let inputs = Tensor(uninitializedShape: shape)
        images.copyFloatValues(into: inputs.storage.pointer, scale: images.dataType == .unsignedByte ? 1 / 255 : 1)
        return inputs
    }
}
