import Foundation

/// The CIFAR-10 binary format: records of 1 label byte followed by 3072 pixel bytes
/// (1024 red, 1024 green, 1024 blue, each 32×32 row-major).
///
/// ```swift
/// let train = try CIFAR10.load(split: .train, directory: URL(fileURLWithPath: "cifar-10-batches-bin"))
/// // train.inputs: [50000, 3, 32, 32] in [0, 1]
/// ```
///
/// ### References
/// Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009.
public enum CIFAR10 {
    /// The bytes of one record.
    public static let recordSize = 1 + 3 * 32 * 32
    /// The class names in label order.
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// Which part of the data set.
    public enum Split: String, Sendable {
        /// `data_batch_1.bin` … `data_batch_5.bin` (50,000 images).
        case train
        /// `test_batch.bin` (10,000 images).
        case test

        /// The batch files of this split.
        public var fileNames: [String] {
            switch self {
            case .train: return (1...5).map { "data_batch_\($0).bin" }
            case .test: return ["test_batch.bin"]
            }
        }
    }

    /// Reads the split's batch files from `directory` into one dataset of images
    /// `[N, 3, 32, 32]` scaled to [0, 1] and labels 0–9.
    public static func load(split: Split, directory: URL) throws -> TensorDataset {
        let files = try split.fileNames.map { try FileAccess.readBytes(at: directory.appendingPathComponent($0)) }
        let paths = split.fileNames.map { directory.appendingPathComponent($0).path }
        return try decode(zip(paths, files).map { ($0, $1) })
    }

    /// Reads one batch file (gzip when its name ends in `.gz`).
    ///
    /// - Throws: ``DataError/sizeMismatch(file:expectedBytes:actualBytes:)`` when the
    ///   size is not a whole number of records, ``DataError/invalidLabel(file:index:value:detail:)``
    ///   for a label above 9, or a file error.
    public static func readBatch(at url: URL) throws -> TensorDataset {
        try decode([(url.path, try FileAccess.readBytes(at: url))])
    }

    /// Decodes batch files already in memory, each named by its path for errors.
    static func decode(_ files: [(path: String, bytes: [UInt8])]) throws -> TensorDataset {
        var total = 0
        for (path, bytes) in files {
            guard !bytes.isEmpty else { throw DataError.empty(file: path) }
            guard bytes.count % recordSize == 0 else {
                let whole = (bytes.count / recordSize + 1) * recordSize
                throw DataError.sizeMismatch(file: path, expectedBytes: whole, actualBytes: bytes.count)
            }
            total += bytes.count / recordSize
        }
        let pixelsPerImage = recordSize - 1
        let images = Tensor(uninitializedShape: [total, 3, 32, 32])
        var labels = [Int]()
        labels.reserveCapacity(total)
        var destination = images.storage.pointer
        for (path, bytes) in files {
            try bytes.withUnsafeBufferPointer { raw in
                for record in 0..<(bytes.count / recordSize) {
                    let start = raw.baseAddress! + record * recordSize
                    guard start[0] < 10 else {
                        throw DataError.invalidLabel(file: path, index: record, value: Int(start[0]), detail: "CIFAR-10 labels are 0...9")
                    }
                    labels.append(Int(start[0]))
                    for i in 0..<pixelsPerImage { destination[i] = Float(start[1 + i]) * (1 / 255) }
                    destination += pixelsPerImage
                }
            }
        }
        return TensorDataset(inputs: images, labels: labels)
    }

    /// Encodes images `[N, 3, 32, 32]` with values in [0, 1] and their labels as a batch
    /// file, written atomically (for tests and for exporting subsets).
    public static func writeBatch(images: Tensor, labels: [Int], to url: URL) throws {
        guard images.rank == 4, images.shape.dropFirst() == [3, 32, 32], images.shape[0] == labels.count else {
            throw DataError.invalidParameter(name: "CIFAR10.writeBatch", detail: "need [N, 3, 32, 32] images and N labels, got \(images.shape) and \(labels.count)")
        }
        if let bad = labels.first(where: { !(0..<10).contains($0) }) {
            throw DataError.invalidParameter(name: "CIFAR10.writeBatch", detail: "label \(bad) is outside 0...9")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(labels.count * recordSize)
        images.withUnsafeBufferPointer { pixels in
            for (record, label) in labels.enumerated() {
                bytes.append(UInt8(label))
                for i in 0..<(recordSize - 1) {
                    bytes.append(UInt8((min(max(pixels[record * (recordSize - 1) + i], 0), 1) * 255).rounded()))
                }
            }
        }
        try FileAccess.writeBytes(bytes, to: url)
    }
}
