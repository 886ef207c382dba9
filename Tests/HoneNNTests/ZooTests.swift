import HoneTestSupport
import Testing

@testable import HoneNN

/// Model-zoo shapes and parameter counts equal to PyTorch's for the same configurations
/// (counts written out from the layer shapes of the reference models).
@Suite struct ZooTests {
    private func linearCount(_ input: Int, _ output: Int) -> Int { input * output + output }
    private func convCount(_ input: Int, _ output: Int, _ kernel: Int, bias: Bool) -> Int { output * input * kernel * kernel + (bias ? output : 0) }

    @Test func mlpMatchesW1() {
        let model = MLP(seed: 0)
        #expect(model.parameterCount == linearCount(784, 256) + linearCount(256, 128) + linearCount(128, 10))
        #expect(model(Tensor.zeros([3, 784])).shape == [3, 10])
        #expect(MLP(inputDimensions: 10, hiddenDimensions: [7, 6, 5], classCount: 2, seed: 0).layers.count == 4)
    }

    @Test func leNetMatchesW2() {
        let model = LeNet(seed: 0)
        let expected = convCount(1, 32, 3, bias: true) + convCount(32, 64, 3, bias: true) + linearCount(64 * 7 * 7, 128) + linearCount(128, 10)
        #expect(model.parameterCount == expected)
        #expect(model(Tensor.zeros([2, 1, 28, 28])).shape == [2, 10])
        let small = LeNet(inputChannels: 3, imageSize: 16, channels: (4, 8), hiddenDimensions: 12, classCount: 3, seed: 0)
        #expect(small(Tensor.zeros([1, 3, 16, 16])).shape == [1, 3])
    }

    @Test func resNetMatchesW3() {
        let model = ResNet(seed: 0)
        func batchNorm(_ channels: Int) -> Int { 2 * channels }
        func block(_ input: Int, _ output: Int) -> Int {
            var count = convCount(input, output, 3, bias: false) + batchNorm(output) + convCount(output, output, 3, bias: false) + batchNorm(output)
            if input != output { count += convCount(input, output, 1, bias: false) + batchNorm(output) }
            return count
        }
        let expected = convCount(3, 16, 3, bias: false) + batchNorm(16) + block(16, 16) + block(16, 32) + block(32, 64) + linearCount(64, 10)
        #expect(model.parameterCount == expected)
        #expect(model.namedBuffers().count == 3 * (1 + 2 + 3 + 3))
        #expect(model(Tensor.zeros([2, 3, 32, 32])).shape == [2, 10])
        let deeper = ResNet(stageChannels: [8, 16], blocksPerStage: 2, classCount: 4, batchNorm: false, seed: 0)
        #expect(deeper.stages.map(\.count) == [2, 2])
        #expect(deeper.namedBuffers().isEmpty)
        #expect(deeper(Tensor.zeros([1, 3, 8, 8])).shape == [1, 4])
    }

    @Test func transformerClassifierMatchesW4AndPyTorchKeys() {
        let model = TransformerClassifier(seed: 0)
        let d = 64, ffn = 256
        let layer = (3 * d * d + 3 * d) + linearCount(d, d) + linearCount(d, ffn) + linearCount(ffn, d) + 2 * (2 * d)
        let expected = 1000 * d + 64 * d + 2 * layer + linearCount(d, 10)
        #expect(model.parameterCount == expected)
        let names = model.namedParameters().map(\.name)
        #expect(names.contains("tok.weight") && names.contains("pos.weight") && names.contains("fc.bias"))
        #expect(names.contains("encoder.layers.1.self_attn.in_proj_weight"))
        #expect(names.contains("encoder.layers.0.self_attn.out_proj.weight"))
        #expect(names.contains("encoder.layers.0.linear2.bias") && names.contains("encoder.layers.1.norm1.weight"))
        let tokens = Tensor(shape: [2, 64], scalars: (0..<128).map { Float($0 * 7 % 1000) })
        #expect(model(tokens).shape == [2, 10])
    }

    @Test func transformerClassifierIgnoresPaddedPositions() {
        let model = TransformerClassifier(vocabularySize: 20, modelDimensions: 8, layerCount: 1, headCount: 2, feedForwardDimensions: 16, sequenceLength: 6, classCount: 3, seed: 1)
        let mask = Tensor([[0, 0, 0, 0, 1, 1]])
        let a = model(Tensor([[1, 2, 3, 4, 5, 6]]), keyPaddingMask: mask)
        let b = model(Tensor([[1, 2, 3, 4, 17, 0]]), keyPaddingMask: mask)
        expectClose(b, a.scalars, tolerance: 1e-5)
    }
}

/// State-dictionary keys of the PyTorch reference models (torch_workloads.py), written
/// out from their module structure.
@Suite struct ReferenceKeyTests {
    private func linear(_ name: String) -> [String] { ["\(name).weight", "\(name).bias"] }
    private func batchNorm(_ name: String) -> [String] {
        ["\(name).weight", "\(name).bias", "\(name).running_mean", "\(name).running_var", "\(name).num_batches_tracked"]
    }

    @Test func w1AndW2KeysMapOntoPyTorch() throws {
        let torchW1 = linear("fc1") + linear("fc2") + linear("fc3")
        let renaming = MLP.referenceKeyRenaming()
        var checkpoint: [String: Tensor] = [:]
        let source = MLP(seed: 1)
        for ((_, tensor), key) in zip(source.stateDictionary(), torchW1) { checkpoint[key] = tensor }
        let target = MLP(seed: 2)
        #expect(try target.load(checkpoint, renaming: renaming).isExact)
        #expect(target.layers[2].bias!.scalars == source.layers[2].bias!.scalars)
        let torchW2 = linear("conv1") + linear("conv2") + linear("fc1") + linear("fc2")
        #expect(LeNet(seed: 0).stateDictionary().map(\.name) == torchW2)
    }

    @Test func w3KeysMapOntoPyTorch() throws {
        func block(_ name: String, projection: Bool) -> [String] {
            var keys = ["\(name).conv1.weight"] + batchNorm("\(name).bn1") + ["\(name).conv2.weight"] + batchNorm("\(name).bn2")
            if projection { keys += ["\(name).shortcut.0.weight"] + batchNorm("\(name).shortcut.1") }
            return keys
        }
        let torchW3 = ["stem.0.weight"] + batchNorm("stem.1") + block("stage1", projection: false) + block("stage2", projection: true)
            + block("stage3", projection: true) + linear("fc")
        let model = ResNet(seed: 0)
        var checkpoint: [String: Tensor] = [:]
        for key in torchW3 {
            var own = key
            for (from, to) in ResNet.referenceKeyRenaming() where key.hasPrefix(from) { own = to + key.dropFirst(from.count) }
            let tensor = try #require(model.stateDictionary().first { $0.name == own }?.tensor, "no module key for \(key)")
            checkpoint[key] = tensor.copy()
        }
        #expect(checkpoint.count == model.stateDictionary().count)
        #expect(try ResNet(seed: 5).load(checkpoint, renaming: ResNet.referenceKeyRenaming()).isExact)
    }

    @Test func w4KeysAreExactlyPyTorchs() {
        var torchW4 = ["tok.weight", "pos.weight"]
        for layer in 0..<2 {
            let prefix = "encoder.layers.\(layer)"
            torchW4 += ["\(prefix).self_attn.in_proj_weight", "\(prefix).self_attn.in_proj_bias"] + linear("\(prefix).self_attn.out_proj")
                + linear("\(prefix).linear1") + linear("\(prefix).linear2") + linear("\(prefix).norm1") + linear("\(prefix).norm2")
        }
        torchW4 += linear("fc")
        #expect(Set(TransformerClassifier(seed: 0).stateDictionary().map(\.name)) == Set(torchW4))
    }

    @Test func embeddingTakesIntegerTokens() {
        let embedding = Embedding(count: 5, dimensions: 2, seed: 0)
        let rows = embedding(tokens: [4, 0, 4], shape: [1, 3])
        #expect(rows.shape == [1, 3, 2])
        #expect(rows.scalars == embedding(Tensor([[4, 0, 4]])).scalars)
    }
}

@Suite struct MLPVariantTests {
    @Test func activationsBatchNormAndDropoutAreConfigurable() {
        let x = randomTensor([6, 5], seed: 1)
        let plain = MLP(inputDimensions: 5, hiddenDimensions: [4], classCount: 3, seed: 2)
        let expected = plain.layers[1](plain.layers[0](x).relu())
        expectClose(plain(x), expected.scalars, tolerance: 1e-6)

        let leaky = MLP(inputDimensions: 5, hiddenDimensions: [4], classCount: 3, activation: .leakyRelu(negativeSlope: 0.2), seed: 2)
        expectClose(leaky(x), leaky.layers[1](leaky.layers[0](x).leakyRelu(slope: 0.2)).scalars, tolerance: 1e-6)
        for activation in [MLP.Activation.sigmoid, .tanh, .gelu] {
            let model = MLP(inputDimensions: 5, hiddenDimensions: [4], classCount: 3, activation: activation, seed: 2)
            let hidden = model.layers[0](x)
            let activated = activation == .sigmoid ? hidden.sigmoid() : activation == .tanh ? hidden.tanh() : hidden.gelu()
            expectClose(model(x), model.layers[1](activated).scalars, tolerance: 1e-6)
        }

        let full = MLP(inputDimensions: 5, hiddenDimensions: [4, 3], classCount: 2, activation: .prelu, batchNorm: true, dropout: 0.5, seed: 3)
        let names = full.namedParameters().map(\.name)
        #expect(names.contains("activations.0.weight") && names.contains("norms.1.bias"))
        #expect(full.parameterCount == (5 * 4 + 4) + (4 * 3 + 3) + (3 * 2 + 2) + 2 * (4 + 3) + (4 + 3))
        let training = full(x)
        full.eval()
        let evaluated = full(x)
        #expect(evaluated.scalars == full(x).scalars && training.scalars != evaluated.scalars)
        expectGradientsMatch(full.parameters()) { _ in full(x) }
    }
}
