import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

/// Saving and loading modules: exact round trips, strict and lenient loading, renaming.
@Suite struct CheckpointTests {
    @Test func saveAndLoadRestoresParametersAndBuffers() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("resnet.safetensors")
        let original = ResNet(stageChannels: [4, 8], seed: 1)
        _ = original(randomTensor([2, 3, 8, 8], seed: 2))  // moves the running statistics
        try original.save(to: url, metadata: ["model": "resnet"])
        let restored = ResNet(stageChannels: [4, 8], seed: 99)
        let report = try restored.load(from: url)
        #expect(report.isExact)
        for ((name, a), (_, b)) in zip(original.stateDictionary(), restored.stateDictionary()) {
            #expect(a.scalars == b.scalars, "\(name) differs after loading")
        }
        original.eval()
        restored.eval()
        let x = randomTensor([1, 3, 8, 8], seed: 3)
        #expect(original(x).scalars == restored(x).scalars)
    }

    @Test func snapshotRestoresEarlierWeights() throws {
        let model = ResNet(stageChannels: [4], seed: 1)
        let best = model.snapshot()
        let before = model.stateDictionary().map(\.tensor.scalars)
        _ = model(randomTensor([2, 3, 4, 4], seed: 2))
        for parameter in model.parameters() { parameter.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] += 1 } } }
        #expect(model.stateDictionary().map(\.tensor.scalars) != before)
        try model.load(best)
        #expect(model.stateDictionary().map(\.tensor.scalars) == before)
    }

    @Test func strictLoadingRejectsMismatchesAndChangesNothing() throws {
        let source = MLP(inputDimensions: 4, hiddenDimensions: [5], classCount: 3, seed: 1)
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in source.stateDictionary() { tensors[name] = tensor }
        tensors["layers.1.bias"] = nil
        tensors["layers.0.weight"] = Tensor.zeros([6, 4])
        tensors["extra.weight"] = Tensor([1])
        let target = MLP(inputDimensions: 4, hiddenDimensions: [5], classCount: 3, seed: 2)
        let before = target.stateDictionary().map(\.tensor.scalars)
        #expect {
            try target.load(tensors, source: "model.safetensors")
        } throws: { error in
            guard let error = error as? CheckpointError else { return false }
            return error.report.missing == ["layers.1.bias"] && error.report.unexpected == ["extra.weight"]
                && error.report.mismatched == [.init(key: "layers.0.weight", expected: [5, 4], found: [6, 4])]
                && error.description.contains("model.safetensors")
        }
        #expect(target.stateDictionary().map(\.tensor.scalars) == before)

        let report = try target.load(tensors, strict: false)
        #expect(!report.isExact && report.loaded == ["layers.0.bias", "layers.1.weight"])
        #expect(target.layers[1].weight.scalars == source.layers[1].weight.scalars)
        #expect(target.layers[0].weight.scalars == before[0], "mis-shaped keys are not loaded")
    }

    @Test func renamingMapsPyTorchKeys() throws {
        let source = Sequential { Linear(2, 3, seed: 1); ReLU(); Linear(3, 1, seed: 2) }
        var checkpoint: [String: Tensor] = [:]
        for (name, tensor) in source.stateDictionary() {
            let renamed = name.replacingOccurrences(of: "0.", with: "fc1.").replacingOccurrences(of: "2.", with: "fc2.")
            checkpoint["module." + renamed] = tensor
        }
        let target = Sequential { Linear(2, 3, seed: 3); ReLU(); Linear(3, 1, seed: 4) }
        let renaming = ["module.fc1.weight": "0.weight", "module.fc1.bias": "0.bias", "module.fc2.": "2.", "module.": "unused."]
        let report = try target.load(checkpoint, renaming: renaming)
        #expect(report.isExact)
        let x = randomTensor([4, 2], seed: 5)
        #expect(target(x).scalars == source(x).scalars)
    }
}

@Suite struct TransferLearningTests {
    @Test func pretrainedBackboneWithNewFrozenHeadWorkflow() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pretrained.safetensors")
        let pretrained = ResNet(stageChannels: [4, 8], classCount: 10, seed: 1)
        try pretrained.save(to: url)

        let model = ResNet(stageChannels: [4, 8], classCount: 3, seed: 2)
        let report = try model.load(from: url, strict: false)
        #expect(report.mismatched.map(\.key) == ["fc.weight", "fc.bias"])
        #expect(report.missing.isEmpty && report.unexpected.isEmpty)
        #expect(model.stem.layers[0].parameters()[0].scalars == pretrained.stem.layers[0].parameters()[0].scalars)

        model.fc = Linear(8, 5, seed: 3)
        model.freeze(matching: "stem")
        model.freeze(matching: "stages.*")
        #expect(model.trainableParameters().map(\.shape) == [[5, 8], [5]])
        #expect(model.namedParameters().map(\.name).suffix(2) == ["fc.weight", "fc.bias"])
        let logits = model(randomTensor([2, 3, 8, 8], seed: 4))
        #expect(logits.shape == [2, 5])
        crossEntropy(logits: logits, targets: [0, 4]).backward()
        #expect(model.fc.weight.grad != nil && model.stages[0].parameters().allSatisfy { $0.grad == nil })
    }
}
