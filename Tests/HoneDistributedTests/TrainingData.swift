import Foundation
import HoneTestSupport
import HoneTrain

/// Small generated data sets and the configs that train W1- and W2-like models on them.
enum TrainingData {
    /// `rows` rows of 8 features and a label among 3 classes whose means differ, as `train.csv` in `directory`.
    static func writeTabular(rows: Int, in directory: URL) throws {
        var random = TestRandom(seed: 7)
        var lines = [((0..<8).map { "f\($0)" } + ["label"]).joined(separator: ",")]
        for row in 0..<rows {
            let label = row % 3
            let values = (0..<8).map { String(format: "%.4f", random.gaussian() + ($0 % 3 == label ? 1.5 : 0)) }
            lines.append((values + [String(label)]).joined(separator: ","))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
    }

    /// `count` grey 12×12 images in 4 classes (each class brightens one quadrant), as IDX files in `directory`.
    static func writeImages(count: Int, in directory: URL) throws {
        var random = TestRandom(seed: 11)
        var pixels: [UInt8] = []
        for index in 0..<count {
            let label = index % 4
            for row in 0..<12 {
                for column in 0..<12 {
                    let quadrant = (row / 6) * 2 + column / 6
                    pixels.append(UInt8(random.next() % 128) + (quadrant == label ? 100 : 0))
                }
            }
        }
        try IDXArray(unsignedBytes: pixels, dimensions: [count, 12, 12]).write(to: directory.appendingPathComponent("train-images.idx"))
        try IDXArray(unsignedBytes: (0..<count).map { UInt8($0 % 4) }, dimensions: [count])
            .write(to: directory.appendingPathComponent("train-labels.idx"))
    }

    /// A W1-like MLP (two hidden layers) trained by SGD with momentum on `train.csv`.
    static func mlpConfig(epochs: Int, batchSize: Int) -> String {
        """
        {
          "data": {"source": "csv", "path": "train.csv", "target": "label", "validation_fraction": 0.2, "scaling": "standardize"},
          "model": {"zoo": "mlp", "hidden": [32, 16]},
          "optimizer": {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9},
          "epochs": \(epochs), "batch_size": \(batchSize), "seed": 3
        }
        """
    }

    /// A W2-like CNN (LeNet: two conv + ReLU + max-pool blocks, two linear layers) trained by Adam on the IDX images.
    static func cnnConfig(epochs: Int, batchSize: Int) -> String {
        """
        {
          "data": {"source": "idx", "train_images": "train-images.idx", "train_labels": "train-labels.idx",
                   "validation_fraction": 0.2, "scaling": "standardize"},
          "model": {"zoo": "lenet", "channels": [4, 8], "hidden": 16},
          "optimizer": {"name": "adam", "learning_rate": 0.002},
          "epochs": \(epochs), "batch_size": \(batchSize), "seed": 5
        }
        """
    }

    /// The largest absolute difference between the same tensors of two safetensors files.
    static func largestDifference(_ first: URL, _ second: URL) throws -> Float {
        let a = try Safetensors.read(from: first).tensors, b = try Safetensors.read(from: second).tensors
        precondition(Set(a.keys) == Set(b.keys), "the files hold different tensors: \(a.keys.sorted()) and \(b.keys.sorted())")
        var largest: Float = 0
        for (name, tensor) in a {
            for (x, y) in zip(tensor.scalars, b[name]!.scalars) { largest = max(largest, abs(x - y)) }
        }
        return largest
    }
}
