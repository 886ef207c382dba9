import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// Samples of `base`, except that once `poisoned` is set every input holds `value`
/// (a validation set whose outputs blow up from a chosen epoch on).
final class PoisonableDataset: Dataset, @unchecked Sendable {
    let base: TensorDataset
    let value: Float
    var poisoned = false

    init(_ base: TensorDataset, value: Float) {
        self.base = base
        self.value = value
    }

    var count: Int { base.count }
    var sampleShape: [Int] { base.sampleShape }
    func label(at index: Int) -> Label { base.label(at: index) }

    func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        base.copyInput(at: index, into: destination)
        if poisoned { destination[0] = value }
    }
}

/// Sets the dataset's `poisoned` flag when epoch `epoch` (counting from 1) begins.
final class PoisonAtEpoch: TrainingCallback {
    let dataset: PoisonableDataset
    let epoch: Int

    init(_ dataset: PoisonableDataset, epoch: Int) {
        self.dataset = dataset
        self.epoch = epoch
    }

    func epochWillBegin(_ trainer: Trainer, epoch: Int) throws {
        if epoch + 1 == self.epoch { dataset.poisoned = true }
    }
}

@Suite struct DivergenceTests {
    @Test func nonFiniteNumbersSurviveTheEpochRecordAsDocumentedStrings() throws {
        let record = EpochRecord(
            epoch: 2, trainLoss: 0.5, trainMetrics: ["accuracy": .infinity], validationLoss: .nan,
            validationMetrics: ["accuracy": -.infinity])
        let line = try record.jsonLine()
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(parsed["val_loss"] as? String == "NaN")
        #expect((parsed["train_metrics"] as? [String: Any])?["accuracy"] as? String == "Infinity")
        #expect((parsed["val_metrics"] as? [String: Any])?["accuracy"] as? String == "-Infinity")
        let back = try EpochRecord(jsonLine: line)
        #expect(back.validationLoss!.isNaN)
        #expect(back.trainMetrics["accuracy"] == .infinity && back.validationMetrics["accuracy"] == -.infinity)
        #expect(back.trainLoss == 0.5 && back.epoch == 2)
    }

    @Test func firstNonFiniteNamesValidationBeforeTraining() {
        #expect(EpochRecord(epoch: 1, trainLoss: 1).firstNonFinite == nil)
        #expect(EpochRecord(epoch: 1, trainLoss: .nan, validationLoss: .infinity).firstNonFinite?.metric == "val_loss")
        #expect(EpochRecord(epoch: 1, trainLoss: 1, validationLoss: 1, validationMetrics: ["mae": .infinity]).firstNonFinite?.metric == "val_mae")
        #expect(EpochRecord(epoch: 1, trainLoss: -.infinity).firstNonFinite?.metric == "loss")
    }

    @Test func aValidationLossGoingNonFiniteInALaterEpochIsLoggedAndLeavesTheLastGoodCheckpoint() throws {
        let directory = try TemporaryDirectory()
        let validationSet = PoisonableDataset(blobs(count: 16, seed: 2), value: .infinity)
        let metrics = directory.file("metrics.jsonl"), checkpoints = directory.file("checkpoints")
        let model = MLP(inputDimensions: 4, hiddenDimensions: [8], classCount: 2, seed: 1)
        let trainer = Trainer(
            model: model, optimizer: SGD(parameters: model.parameters(), learningRate: 0.05),
            callbacks: [PoisonAtEpoch(validationSet, epoch: 2), ModelCheckpoint(directory: checkpoints, monitor: nil), MetricsLogger(url: metrics)])
        let training = try DataLoader(dataset: blobs(count: 32, seed: 1), batchSize: 8, shuffle: true, seed: 0)
        let validation = try DataLoader(dataset: validationSet, batchSize: 16)
        #expect {
            try trainer.fit(training: training, validation: validation, epochs: 4)
        } throws: { error in
            guard case .nonFiniteMetric(let epoch, let metric, let value) = error as? TrainingError else { return false }
            return epoch == 2 && metric == "val_loss" && !value.isFinite
        }
        let lines = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n").map { try EpochRecord(jsonLine: String($0)) }
        #expect(lines.map(\.epoch) == [1, 2])
        #expect(lines[0].validationLoss!.isFinite && !lines[1].validationLoss!.isFinite)
        #expect(trainer.epoch == 1 && trainer.history.count == 1)
        let sidecar = try Data(contentsOf: CheckpointStore.sidecarURL(checkpoints, "last"))
        let saved = try #require(try JSONSerialization.jsonObject(with: sidecar) as? [String: Any])
        #expect(saved["epoch"] as? Int == 1)
    }
}
