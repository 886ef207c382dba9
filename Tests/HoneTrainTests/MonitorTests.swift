import Foundation
import HoneTestSupport
import HoneCore
import Testing

@testable import HoneTrain

@Suite struct MonitorTests {
    @Test func histogramMatchesHandCounts() {
        // Range 0…4 in 4 buckets of width 1; the maximum lands in the last bucket.
        let histogram = TensorStatistics.histogram(of: Tensor([0, 0.5, 1, 2.5, 4, .nan, .infinity]), bins: 4)
        #expect(histogram.counts == [2, 1, 1, 1])
        #expect(histogram.count == 5 && histogram.nonFiniteCount == 2)
        #expect(histogram.min == 0 && histogram.max == 4)
        #expect(histogram.sum == 8 && histogram.sumOfSquares == 0.25 + 1 + 6.25 + 16)
        #expect(histogram.upperEdges == [1, 2, 3, 4])
        #expect(abs(histogram.mean - 1.6) < 1e-12)
        let constant = TensorStatistics.histogram(of: Tensor([2, 2, 2]), bins: 3)
        #expect(constant.counts == [3, 0, 0] && constant.standardDeviation == 0)
    }

    @Test func deadUnitsAreThoseNeverPositiveOverEveryBatch() {
        // Features: column 0 positive once, columns 1 and 2 never.
        var alive = [false, false, false]
        TensorStatistics.markPositiveUnits(Tensor([[1, 0, -1], [0, 0, -2]]), alive: &alive)
        #expect(alive == [true, false, false])
        // A later batch revives column 2: over both batches only column 1 is dead.
        TensorStatistics.markPositiveUnits(Tensor([[0, 0, 3]]), alive: &alive)
        #expect(alive == [true, false, true])
        // Channels of [B, C, H, W]: channel 1 is all zero.
        var channels = [false, false]
        TensorStatistics.markPositiveUnits(Tensor(shape: [1, 2, 1, 2], scalars: [0, 0.5, 0, 0]), alive: &channels)
        #expect(channels == [true, false])
    }

    @Test func saturatedFractionCountsOutputsNearTheEnds() {
        let output = Tensor([0.001, 0.5, 0.995, 0.2])
        #expect(TensorStatistics.saturatedFraction(output, range: 0...1, margin: 0.01) == 0.5)
        #expect(TensorStatistics.saturatedFraction(Tensor([-0.99, 0, 0.985]), range: -1...1, margin: 0.02) == 2.0 / 3)
    }

    @Test func sumOfSquaresMatchesADoubleLoop() {
        var generator = SeededGenerator(seed: 4)
        let tensors = [Tensor.normal([3000], using: &generator), Tensor.normal([7, 5], using: &generator)]
        let expected = tensors.flatMap(\.scalars).reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(TensorStatistics.sumOfSquares(tensors) - expected) < 1e-4 * expected)
    }

    @Test func logRoundTripsRecordsWithNonFiniteValues() throws {
        let directory = try TemporaryDirectory()
        let histogram = Histogram(min: -1, max: 1, count: 2, sum: 0, sumOfSquares: 2, counts: [1, 1])
        let records: [MonitorRecord] = [
            .step(StepRecord(step: 10, epoch: 1, loss: .nan, learningRate: 0.1, gradientNorm: .infinity, clippedGradientNorm: 1,
                             samplesPerSecond: 100)),
            .sample(SampleRecord(
                step: 10, epoch: 1, input: histogram,
                layers: [LayerSample(name: "1", type: "ReLU", histogram: histogram, unitCount: 4, deadCount: 1)],
                parameters: [ParameterSample(name: "0.weight", gradientNorm: 2, gradientHistogram: histogram, weightNorm: 3, updateRatio: nil)])),
            .failure(FailureRecord(step: 11, epoch: 1, message: "loss became nan", value: -.infinity)),
        ]
        let url = directory.file("monitors.jsonl")
        try Data(records.map { try JSONLines.line($0) }.joined()).write(to: url)
        #expect(String(decoding: try Data(contentsOf: url), as: UTF8.self).contains("\"loss\":\"NaN\""))
        let log = try MonitorLog.read(url: url, partialLastRecord: .fail)
        #expect(log.steps.count == 1 && log.steps[0].loss.isNaN && log.steps[0].gradientNorm == .infinity)
        #expect(log.samples.first?.layers.first?.deadFraction == 0.25)
        #expect(log.failure?.value == -.infinity)
        #expect(!log.skippedPartialRecord)
    }

    @Test func partialLastRecordIsSkippedWhileWritingAndAnErrorWhenFinished() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("monitors.jsonl")
        let record = MonitorRecord.step(StepRecord(step: 1, epoch: 1, loss: 1, learningRate: 1, gradientNorm: 1, clippedGradientNorm: 1, samplesPerSecond: 1))
        let line = try JSONLines.line(record)
        try (line + line.prefix(20)).write(to: url)
        let log = try MonitorLog.read(url: url)
        #expect(log.steps.count == 1 && log.skippedPartialRecord)
        #expect { try MonitorLog.read(url: url, partialLastRecord: .fail) } throws: { error in
            guard case .invalidRunRecord(_, let lineNumber, let detail) = error as? TrainingError else { return false }
            return lineNumber == 2 && detail.contains("cut short")
        }
        // A damaged line in the middle is an error even while the run writes.
        try (line.prefix(20) + Data("\n".utf8) + line).write(to: url)
        #expect { try MonitorLog.read(url: url) } throws: { error in
            guard case .invalidRunRecord(_, let lineNumber, _) = error as? TrainingError else { return false }
            return lineNumber == 1
        }
        #expect(throws: TrainingError.self) { try MonitorLog.read(url: directory.file("absent.jsonl")) }
    }

    @Test func monitorRecordsDeadUnitsSaturationAndUpdateRatios() throws {
        let directory = try TemporaryDirectory()
        try writeIDXImages(in: directory, prefix: "train", count: 48, seed: 1)
        let model = """
            [{"flatten": {}}, {"linear": {"out_features": 6}}, {"relu": {}}, {"linear": {"out_features": 5}}, {"sigmoid": {}},
             {"linear": {"out_features": 3}}]
            """
        let config = try TrainingConfig.load(from: try directory.write("""
            {"data": {"source": "idx", "train_images": "train-images.idx.gz", "train_labels": "train-labels.idx.gz",
                      "validation_fraction": 0, "scaling": "none"},
             "model": \(model), "optimizer": {"name": "sgd", "learning_rate": 0.01},
             "callbacks": {"gradient_clipping": {"max_norm": 0.5}},
             "monitors": {"step_interval": 1, "sample_interval": 1, "histogram_bins": 8},
             "epochs": 1, "batch_size": 16, "seed": 0}
            """, as: "config.json"))
        try TrainingRun(config: config, directory: directory.file("run"), progress: false).run()
        let log = try MonitorLog.read(runDirectory: directory.file("run"), partialLastRecord: .fail)
        #expect(log.steps.map(\.step) == [1, 2, 3])
        for step in log.steps { #expect(step.clippedGradientNorm <= 0.5 + 1e-4 && step.gradientNorm >= step.clippedGradientNorm) }
        #expect(log.samples.count == 3)
        let sample = log.samples[0]
        // IDX bytes arrive divided by 255 and "scaling": "none" keeps them so: the input
        // histogram shows the batch in [0, 1], its brightest pixels near 1.
        #expect(sample.input.min >= 0 && sample.input.max <= 1 && sample.input.max > 0.9)
        let relu = try #require(sample.layers.first { $0.type == "ReLU" })
        #expect(relu.unitCount == 6 && relu.deadCount != nil && relu.histogram.min >= 0)
        let sigmoid = try #require(sample.layers.first { $0.type == "Sigmoid" })
        #expect(sigmoid.saturatedFraction != nil && sigmoid.histogram.count == 16 * 5)
        let weight = try #require(sample.parameters.first { $0.name == "1.weight" })
        #expect(weight.gradientHistogram.count == 6 * 64)
        #expect(abs(weight.gradientNorm - weight.gradientHistogram.sumOfSquares.squareRoot()) < 1e-9)
        // SGD without momentum moves the weights by lr × clipped gradient.
        let ratio = try #require(weight.updateRatio)
        let clippedScale = min(1, 0.5 / log.steps[0].gradientNorm)
        #expect(abs(ratio - 0.01 * weight.gradientNorm * clippedScale / weight.weightNorm) < 1e-3 * ratio)
    }

    @Test func monitorsAreOnByDefaultAndOffWithFalse() throws {
        let directory = try TemporaryDirectory()
        let base = smallImageConfig(epochs: 1).replacingOccurrences(
            of: "\"monitors\": {\"gradients\": true, \"activations\": true, \"step_interval\": 2, \"sample_interval\": 2},", with: "")
        #expect(try TrainingConfig.load(from: directory.write(base, as: "default.json")).monitors == MonitorSettings())
        let off = base.replacingOccurrences(of: "\"epochs\"", with: "\"monitors\": false, \"epochs\"")
        #expect(try TrainingConfig.load(from: directory.write(off, as: "off.json")).monitors == nil)
        let bad = base.replacingOccurrences(of: "\"epochs\"", with: "\"monitors\": {\"sample_interval\": 0}, \"epochs\"")
        #expect(throws: ConfigError.self) { try TrainingConfig.load(from: directory.write(bad, as: "bad.json")) }
    }
}
