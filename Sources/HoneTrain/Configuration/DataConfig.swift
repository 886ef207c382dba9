import Foundation
import HoneCore

/// The `data` section of a training config: where the samples come from, how they are
/// split and scaled.
///
/// ```json
/// {"source": "fashion-mnist", "validation_fraction": 0.1, "scaling": "standardize"}
/// {"source": "idx", "train_images": "x.idx.gz", "train_labels": "y.idx.gz", "test_images": "...", "test_labels": "..."}
/// {"source": "csv", "path": "train.csv", "target": "label", "test_path": "test.csv",
///  "categorical": ["island"], "ignore": ["id"], "missing_values": "impute_median", "folds": 5}
/// {"source": "csv", "path": "houses.csv", "target": "price", "target_scaling": "standardize"}
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
        "test_path", "validation_fraction", "scaling", "classes", "train_limit", "categorical", "categorical_encoding",
        "ignore", "missing_values", "target_scaling", "folds", "validate_on_test",
    ]
    /// The missing-value policies understood (CSV).
    public static let missingValuePolicies: [MissingValuePolicy] = [.error, .dropRows, .imputeMean, .imputeMedian, .imputeMostFrequent]
    static let csvOnlyFields = ["categorical", "categorical_encoding", "ignore", "missing_values", "target_scaling"]

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
    /// CSV columns holding categories (strings or codes), encoded as `categoricalEncoding` says.
    public var categoricalColumns: [String]
    /// How categorical columns are encoded: one-hot (networks) or ordinal (trees).
    public var categoricalEncoding: CategoricalEncoding
    /// CSV columns left out of the features (ids, free text).
    public var ignoredColumns: [String]
    /// What to do with missing CSV values (`error` unless set).
    public var missingValuePolicy: MissingValuePolicy
    /// Whether regression targets are standardized for training (metrics stay in the original units).
    public var standardizesTarget: Bool
    /// The number of cross-validation folds (nil for a single run with a validation split).
    public var folds: Int?
    /// Whether each epoch's validation pass runs on the test split, so `val_*` metrics are
    /// test metrics: for time-to-accuracy measurements (seconds of training until the test
    /// accuracy first reaches a target), where nothing is held out of training. Nothing
    /// should be selected on these metrics; the config check refuses a validation split
    /// or folds beside it.
    public var validatesOnTest: Bool

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
        validatesOnTest = try object.bool("validate_on_test") ?? false
        validationFraction = try object.double("validation_fraction", in: 0...0.9) ?? (validatesOnTest ? 0 : 0.1)
        if validatesOnTest {
            if validationFraction > 0 {
                throw ConfigError.invalidValue(path: object.fieldPath("validate_on_test"),
                                               message: "validates on the test split; set \"validation_fraction\": 0 (or leave it out)")
            }
            if object["folds"] != nil {
                throw ConfigError.invalidValue(path: object.fieldPath("validate_on_test"), message: "cannot be combined with folds")
            }
            let testField = ["csv": "test_path", "idx": "test_images"][source]
            if let testField, files[testField] == nil {
                throw ConfigError.invalidValue(path: object.fieldPath("validate_on_test"),
                                               message: "needs a test split; set \"\(testField)\"")
            }
        }
        scaling = try object.choice("scaling", Self.scalings) ?? "standardize"
        classes = try object.intArray("classes")
        if regression && classes != nil {
            throw ConfigError.invalidValue(path: object.fieldPath("classes"), message: "selects classes, but the task is regression")
        }
        trainLimit = try object.int("train_limit", atLeast: 1)
        for key in Self.csvOnlyFields where source != "csv" && object[key] != nil {
            throw ConfigError.invalidValue(path: object.fieldPath(key), message: "applies to CSV tables, not source '\(source)'")
        }
        categoricalColumns = try object.stringArray("categorical") ?? []
        ignoredColumns = try object.stringArray("ignore") ?? []
        if let target, let column = (categoricalColumns + ignoredColumns).first(where: { $0 == target }) {
            throw ConfigError.invalidValue(path: object.fieldPath(categoricalColumns.contains(column) ? "categorical" : "ignore"),
                                           message: "names the target column '\(column)'")
        }
        if let column = categoricalColumns.first(where: ignoredColumns.contains) {
            throw ConfigError.invalidValue(path: object.fieldPath("ignore"), message: "'\(column)' is also listed in categorical; choose one")
        }
        categoricalEncoding = try object.choice("categorical_encoding", ["one_hot", "ordinal"]).flatMap(CategoricalEncoding.init(rawValue:)) ?? .oneHot
        let policyNames = Self.missingValuePolicies.map(\.configName)
        let policyName = try object.choice("missing_values", policyNames) ?? "error"
        missingValuePolicy = Self.missingValuePolicies.first { $0.configName == policyName }!
        let targetScaling = try object.choice("target_scaling", ["standardize", "none"])
        if targetScaling == "standardize" && !regression {
            throw ConfigError.invalidValue(path: object.fieldPath("target_scaling"), message: "scales regression targets; set \"task\": \"regression\"")
        }
        standardizesTarget = targetScaling == "standardize"
        folds = try object.int("folds", atLeast: 2)
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
    /// The CSV column encoding fitted on the training file (nil for other sources).
    public var tabularEncoding: TabularEncoding?
    /// The standardization of regression targets, when `target_scaling` asks for it.
    public var targetScaling: TargetScaling?
    /// Things the user should know that do not stop the run (a likely wrong task).
    public var warnings: [String] = []

    /// Loads and splits the data `config` names.
    ///
    /// - Parameters:
    ///   - taskIsExplicit: whether the config set `task`; when not, a CSV target of many
    ///     distinct numbers read as classes adds a warning suggesting regression.
    ///   - fold: for cross-validation, which of how many folds is held out for
    ///     validation (stratified by class for classification); replaces `validation_fraction`.
    /// - Throws: ``HoneData/DataError`` naming the file for unreadable or malformed data.
    public init(_ config: DataConfig, regression: Bool, seed: UInt64, taskIsExplicit: Bool = true,
                fold: (index: Int, count: Int)? = nil) throws {
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
            let options = CSVOptions(
                targetColumn: config.target, targetKind: regression ? .regression : .classification,
                categoricalColumns: Set(config.categoricalColumns), categoricalEncoding: config.categoricalEncoding,
                ignoredColumns: Set(config.ignoredColumns), missingValuePolicy: config.missingValuePolicy)
            let table = try CSVDataset(contentsOf: config.files["path"]!, options: options)
            training = AnyDataset(table)
            tabularEncoding = table.encoding
            if let testPath = config.files["test_path"] {
                test = AnyDataset(try CSVDataset(contentsOf: testPath, encoding: table.encoding, missingValuePolicy: config.missingValuePolicy))
            }
            if !regression && !taskIsExplicit, let warning = Self.regressionHint(table.encoding) { warnings.append(warning) }
        }
        if let classes = config.classes {
            training = AnyDataset(try training.filteringClasses(classes))
            test = try test.map { AnyDataset(try $0.filteringClasses(classes)) }
        }
        let labels = training.classLabels
        var validation: AnyDataset?
        if let fold {
            let folds = try labels.map { try Splits.stratifiedKFold(labels: $0, folds: fold.count, seed: seed) }
                ?? Splits.kFold(count: training.count, folds: fold.count, seed: seed)
            validation = AnyDataset(try training.subset(folds[fold.index].validation))
            training = AnyDataset(try training.subset(folds[fold.index].train))
        } else if config.validationFraction > 0 {
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
            if config.standardizesTarget {
                let scaling = try TargetScaling.fit(training)
                training = scaling.scaled(training)
                validation = validation.map { scaling.scaled($0) }
                test = test.map { scaling.scaled($0) }
                targetScaling = scaling
            }
        } else {
            guard let classLabels = training.classLabels else {
                throw DataError.invalidParameter(name: "task", detail: "classification needs class labels, the data has numeric targets")
            }
            let allLabels = classLabels + (validation?.classLabels ?? []) + (test?.classLabels ?? [])
            outputCount = config.classes?.count ?? ((allLabels.max() ?? 0) + 1)
        }
        self.training = training
        self.validation = config.validatesOnTest && fold == nil ? test : validation
        self.test = test
    }

    /// The warning for a classification target whose classes are many distinct numbers
    /// (more than 20, or any with a fraction): most likely a quantity to regress on.
    static func regressionHint(_ encoding: TabularEncoding) -> String? {
        let numbers = encoding.classNames.compactMap(Double.init)
        guard numbers.count == encoding.classNames.count, !numbers.isEmpty,
            numbers.count > 20 || numbers.contains(where: { $0.rounded() != $0 })
        else { return nil }
        return "data.target: column '\(encoding.targetColumn ?? "target")' holds \(numbers.count) distinct numbers, read as "
            + "\(numbers.count) classes; if it is a quantity to predict, set \"task\": \"regression\""
    }

    /// An IDX image file (`[N, H, W]` or `[N, C, H, W]`, any numeric type, bytes scaled to
    /// [0, 1]) with an IDX label file of N class indices.
    static func idxDataset(images imagesURL: URL, labels labelsURL: URL) throws -> TensorDataset {
        // Each file is checked as soon as it is read, so an error names the file at fault.
        let inputs = try idxImages(imagesURL)
        let labels = try IDXArray(contentsOf: labelsURL)
        guard [.unsignedByte, .signedByte, .short, .int].contains(labels.dataType) else {
            throw DataError.invalidHeader(file: labelsURL.path, detail: "expected integer class labels (unsigned bytes), found \(labels.dataType)")
        }
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
