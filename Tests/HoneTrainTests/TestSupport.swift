import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain


/// Two Gaussian blobs in `featureCount` dimensions, classes 0 and 1, seeded.
func blobs(count: Int, featureCount: Int = 4, seed: UInt64) -> TensorDataset {
    var generator = SeededGenerator(seed: seed)
    var values: [Float] = []
    var labels: [Int] = []
    for index in 0..<count {
        let label = index % 2
        labels.append(label)
        for _ in 0..<featureCount { values.append(Float(generator.nextGaussian()) + (label == 0 ? -1 : 1)) }
    }
    return TensorDataset(inputs: Tensor(shape: [count, featureCount], scalars: values), labels: labels)
}

/// Writes a small image classification set as IDX files: `count` images of
/// `side`×`side` bytes whose brightness pattern depends on the class (3 classes). A
/// pattern pixel is `brightness` plus noise drawn below `noise`, any other pixel the noise alone.
func writeIDXImages(
    in directory: TemporaryDirectory, prefix: String, count: Int, side: Int = 8, seed: UInt64,
    brightness: Int = 195, noise noiseLevels: Int = 60
) throws {
    var generator = SeededGenerator(seed: seed)
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    for index in 0..<count {
        let label = index % 3
        labels.append(UInt8(label))
        for row in 0..<side {
            for column in 0..<side {
                let bright = (label == 0 && row < side / 2) || (label == 1 && column < side / 2) || (label == 2 && (row + column) % 2 == 0)
                let noise = Int(generator.nextInt(below: noiseLevels))
                pixels.append(UInt8(bright ? brightness + noise : noise))
            }
        }
    }
    try IDXArray(unsignedBytes: pixels, dimensions: [count, side, side]).write(to: directory.file("\(prefix)-images.idx.gz"))
    try IDXArray(unsignedBytes: labels, dimensions: [count]).write(to: directory.file("\(prefix)-labels.idx.gz"))
}

/// A small complete config over the IDX files `writeIDXImages` made (train and test).
func smallImageConfig(epochs: Int = 3, extra: String = "") -> String {
    """
    {
      "data": {"source": "idx", "train_images": "train-images.idx.gz", "train_labels": "train-labels.idx.gz",
               "test_images": "test-images.idx.gz", "test_labels": "test-labels.idx.gz", "validation_fraction": 0.25},
      "model": [{"conv2d": {"out_channels": 4, "kernel_size": 3, "padding": 1}}, {"relu": {}}, {"max_pool2d": {"kernel_size": 2}},
                {"flatten": {}}, {"dropout": {"probability": 0.2}}, {"linear": {"out_features": 3}}],
      "augmentation": [{"random_crop": {"padding": 1}}, {"horizontal_flip": {}}],
      "optimizer": {"name": "adam", "learning_rate": 0.01},
      "schedule": {"name": "cosine", "interval": "batch"},
      "callbacks": {"early_stopping": {"monitor": "val_loss", "patience": 10}, "checkpoint": {"monitor": "val_accuracy"}},
      "monitors": {"gradients": true, "activations": true, "step_interval": 2, "sample_interval": 2},
      \(extra)
      "epochs": \(epochs), "batch_size": 16, "seed": 3
    }
    """
}

/// Every parameter and buffer of `model` as raw bit patterns, by name.
func weightBits(_ model: Module) -> [String: [UInt32]] {
    var result: [String: [UInt32]] = [:]
    for (name, tensor) in model.stateDictionary() { result[name] = tensor.scalars.map(\.bitPattern) }
    return result
}

/// A thrown error's message.
struct Crash: Error, CustomStringConvertible {
    var description: String { "simulated crash" }
}
