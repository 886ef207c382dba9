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
