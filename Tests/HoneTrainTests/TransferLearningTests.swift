import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

@Suite struct TransferLearningTests {
    @Test func frozenWeightsStayUnchangedAfterAStepAndUnfreezeResumesTraining() throws {
        let model = LeNet(inputChannels: 1, imageSize: 8, channels: (2, 3), hiddenDimensions: 6, classCount: 3, seed: 4)
        let frozen = TransferLearning.freeze(model, patterns: ["conv1", "conv2"])
        #expect(frozen == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"])
        let groups = TransferLearning.parameterGroups(model, head: ["fc2"], bodyLearningRateFactor: 0.1, learningRate: 0.01)
        #expect(groups[0].learningRate == 0.001 && groups[1].learningRate == 0.01)
        #expect(groups[1].parameters.map(\.name) == ["fc2.weight", "fc2.bias"])
        let optimizer = Adam(groups: groups, learningRate: 0.01)
        let unfreeze = UnfreezeCallback(patterns: ["conv1", "conv2"], atEpoch: 1)
        final class Snapshot: TrainingCallback {
            var byEpoch: [Int: [String: [UInt32]]] = [:]
            func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws { byEpoch[record.epoch] = weightBits(trainer.model) }
        }
        let snapshot = Snapshot()
        let trainer = Trainer(model: model, optimizer: optimizer, callbacks: [unfreeze, snapshot])
        let inputs = Tensor.uniform([12, 1, 8, 8], low: 0, high: 1, seed: 1)
        let loader = try DataLoader(dataset: TensorDataset(inputs: inputs, labels: (0..<12).map { $0 % 3 }), batchSize: 4)
        let before = weightBits(model)
        try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 2)
        let afterFirst = snapshot.byEpoch[1]!
        for name in ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"] { #expect(afterFirst[name] == before[name]) }
        for name in ["fc1.weight", "fc2.weight"] { #expect(afterFirst[name] != before[name]) }
        #expect(snapshot.byEpoch[2]!["conv1.weight"] != before["conv1.weight"])
    }

    @Test func pretrainedWeightsLoadWithRenamingExceptTheNewHead() throws {
        let directory = try TemporaryDirectory()
        let pretrained = LeNet(inputChannels: 1, imageSize: 8, channels: (2, 3), hiddenDimensions: 6, classCount: 5, seed: 1)
        // Saved under PyTorch-style names with a DataParallel prefix.
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in pretrained.stateDictionary() { tensors["module." + name] = tensor }
        let file = directory.file("pretrained.safetensors")
        try Safetensors.write(tensors, to: file)

        let model = LeNet(inputChannels: 1, imageSize: 8, channels: (2, 3), hiddenDimensions: 6, classCount: 3, seed: 2)
        let freshHead = weightBits(model)["fc2.weight"]
        let report = try TransferLearning.loadPretrained(into: model, from: file, renaming: ["module.": ""], excluding: ["fc2"])
        #expect(report.missing.isEmpty)
        #expect(Set(report.loaded) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias"])
        let loaded = weightBits(model), source = weightBits(pretrained)
        for name in ["conv1.weight", "conv2.bias", "fc1.weight"] { #expect(loaded[name] == source[name]) }
        #expect(loaded["fc2.weight"] == freshHead)
        // Without renaming nothing fits: a strict load names the problem.
        #expect(throws: TrainingError.self) { try TransferLearning.loadPretrained(into: model, from: file, excluding: ["fc2"]) }
    }
}
