import Foundation
import HoneTestSupport
import HoneTrain

extension Scratch {
    /// A wine-sized tabular set: `rows` rows of `features` measurements and a `label`
    /// among three classes whose means differ by two standard deviations.
    @discardableResult
    func writeTabular(_ name: String, rows: Int, features: Int = 6, seed: UInt64) throws -> URL {
        var random = TestRandom(seed: seed)
        var lines = [((0..<features).map { "f\($0)" } + ["label"]).joined(separator: ",")]
        for row in 0..<rows {
            let label = row % 3
            let values = (0..<features).map { feature in
                String(format: "%.4f", 10 + Double(feature) + random.gaussian() + (feature % 3 == label ? 2 : 0))
            }
            lines.append((values + [String(label)]).joined(separator: ","))
        }
        return try write(lines.joined(separator: "\n") + "\n", as: name)
    }

    /// `count` square grey images of `side` pixels with labels cycling through `classes`, as gzip'd IDX files.
    func writeImages(prefix: String, count: Int, side: Int, classes: Int, seed: UInt64) throws {
        var random = TestRandom(seed: seed)
        let pixels = (0..<count * side * side).map { _ in UInt8(random.next() % 256) }
        let labels = (0..<count).map { UInt8($0 % classes) }
        try IDXArray(unsignedBytes: pixels, dimensions: [count, side, side]).write(to: file("\(prefix)-images.idx.gz"))
        try IDXArray(unsignedBytes: labels, dimensions: [count]).write(to: file("\(prefix)-labels.idx.gz"))
    }
}

/// A `hone train` configuration over `train.csv` (and `test.csv`) from ``Scratch/writeTabular(_:rows:features:seed:)``.
func tabularConfig(model: String = #"{"zoo": "mlp", "hidden": [16]}"#, optimizer: String, epochs: Int, extra: String = "") -> String {
    """
    {
      "data": {"source": "csv", "path": "train.csv", "target": "label", "test_path": "test.csv", "validation_fraction": 0.25},
      "model": \(model),
      "optimizer": \(optimizer),
      \(extra)
      "epochs": \(epochs), "batch_size": 8, "seed": 1
    }
    """
}

/// A `hone train` configuration over `train-*.idx.gz` images from ``Scratch/writeImages(prefix:count:side:classes:seed:)``.
func imageConfig(layers: String) -> String {
    """
    {
      "data": {"source": "idx", "train_images": "train-images.idx.gz", "train_labels": "train-labels.idx.gz"},
      "model": \(layers),
      "optimizer": {"name": "sgd", "learning_rate": 0.01},
      "epochs": 1, "batch_size": 8, "seed": 1
    }
    """
}
