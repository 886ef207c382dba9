import Foundation

/// Fashion-MNIST: 70,000 grey 28×28 images of clothing in 10 classes, stored as IDX
/// files (MNIST's format, usually gzip-compressed).
///
/// By default the files are read where Debian's `dataset-fashion-mnist` package
/// installs them; the `HONE_FASHION_MNIST_DIR` environment variable or the
/// `directory` argument points elsewhere.
///
/// ```swift
/// let train = try FashionMNIST.load(split: .train)   // inputs [60000, 1, 28, 28] in [0, 1]
/// let firstFive = try train.filteringClasses([0, 1, 2, 3, 4])
/// ```
///
/// ### References
/// Xiao, Rasul & Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking
/// Machine Learning Algorithms", 2017 (https://arxiv.org/abs/1708.07747).
public enum FashionMNIST {
    /// Where Debian's `dataset-fashion-mnist` package puts the files.
    public static let debianDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
    /// The environment variable that overrides the default directory.
    public static let directoryEnvironmentVariable = "HONE_FASHION_MNIST_DIR"
    /// The class names in label order.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Which part of the data set.
    public enum Split: String, Sendable {
        /// 60,000 training images.
        case train
        /// 10,000 test images.
        case test

        var filePrefix: String { self == .train ? "train" : "t10k" }
    }

    /// The directory used when none is given: the environment override, else Debian's location.
    public static var defaultDirectory: URL {
        defaultDirectory(environment: ProcessInfo.processInfo.environment)
    }

    /// The default directory as `environment` decides it.
    static func defaultDirectory(environment: [String: String]) -> URL {
        if let override = environment[directoryEnvironmentVariable], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return debianDirectory
    }

    /// Whether both files of `split` exist in `directory` (gzip or plain).
    public static func isAvailable(split: Split, directory: URL = defaultDirectory) -> Bool {
        ["images-idx3-ubyte", "labels-idx1-ubyte"].allSatisfy { kind in
            findFile(directory, "\(split.filePrefix)-\(kind)") != nil
        }
    }

    /// Loads `split` as images `[N, 1, 28, 28]` scaled to [0, 1] and labels 0–9.
    ///
    /// - Throws: ``DataError`` naming the file when one is missing or damaged, when the
    ///   images are not N × 28 × 28 unsigned bytes, when image and label counts differ,
    ///   or when a label is above 9.
    public static func load(split: Split, directory: URL = defaultDirectory) throws -> TensorDataset {
        let imagesName = "\(split.filePrefix)-images-idx3-ubyte", labelsName = "\(split.filePrefix)-labels-idx1-ubyte"
        let imagesURL = findFile(directory, imagesName) ?? directory.appendingPathComponent(imagesName + ".gz")
        let labelsURL = findFile(directory, labelsName) ?? directory.appendingPathComponent(labelsName + ".gz")
        // The images are checked before the labels are read, so a bad images file is
        // reported as such even when the labels file is damaged too.
        let images = try IDXArray(contentsOf: imagesURL)
        guard images.dataType == .unsignedByte, images.dimensions.count == 3, images.dimensions.dropFirst() == [28, 28] else {
            throw DataError.invalidHeader(
                file: imagesURL.path, detail: "expected N × 28 × 28 unsigned bytes, found \(images.dimensions) of \(images.dataType)")
        }
        let labels = try IDXArray(contentsOf: labelsURL)
        guard labels.dataType == .unsignedByte, labels.dimensions.count == 1 else {
            throw DataError.invalidHeader(
                file: labelsURL.path, detail: "expected N unsigned-byte labels, found \(labels.dimensions) of \(labels.dataType)")
        }
        guard labels.dimensions[0] == images.dimensions[0] else {
            throw DataError.invalidHeader(
                file: labelsURL.path, detail: "\(labels.dimensions[0]) labels for \(images.dimensions[0]) images")
        }
        let classes = try labels.integerValues()
        if let index = classes.firstIndex(where: { $0 > 9 }) {
            throw DataError.invalidLabel(file: labelsURL.path, index: index, value: classes[index], detail: "Fashion-MNIST labels are 0...9")
        }
        let inputs = Tensor(uninitializedShape: [images.dimensions[0], 1, 28, 28])
        images.copyFloatValues(into: inputs.storage.pointer, scale: 1 / 255)
        return TensorDataset(inputs: inputs, labels: classes)
    }

    /// The `.gz` file if present, else the uncompressed one, else nil.
    private static func findFile(_ directory: URL, _ name: String) -> URL? {
        for candidate in [name + ".gz", name] {
            let url = directory.appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }
}
