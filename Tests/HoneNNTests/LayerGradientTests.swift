import HoneTestSupport
import Testing

@testable import HoneNN

/// Finite-difference checks of every layer with parameters, input and parameters together.
@Suite struct LayerGradientTests {
    @Test func linearGradients() {
        let layer = Linear(4, 3, seed: 1)
        expectLayerGradientsMatch(layer, input: randomTensor([2, 5, 4], seed: 2)) { layer($0) }
    }

    @Test func conv2dGradientsWithStridePaddingDilationAndGroups() {
        let layer = Conv2d(4, 6, kernelSize: (3, 2), stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2, seed: 3)
        expectLayerGradientsMatch(layer, input: randomTensor([2, 4, 5, 6], seed: 4)) { layer($0) }
    }

    @Test func batchNormGradientsInTrainingMode() {
        let layer = BatchNorm2d(featureCount: 3)
        layer.weight!.assign(Tensor([1.5, -0.5, 2]))
        layer.bias!.assign(Tensor([0.1, 0.2, -0.3]))
        expectLayerGradientsMatch(layer, input: randomTensor([3, 3, 2, 2], seed: 5), epsilon: 5e-3) { layer($0) }
        let flat = BatchNorm1d(featureCount: 4)
        expectLayerGradientsMatch(flat, input: randomTensor([5, 4], seed: 6), epsilon: 5e-3) { flat($0) }
    }

    @Test func fusedBatchNormReluMatchesTheTwoStepsAndTheirGradients() {
        for training in [true, false] {
            let norm = BatchNorm2d(featureCount: 3)
            norm.weight!.assign(Tensor([1.5, -0.5, 2]))
            norm.bias!.assign(Tensor([0.1, 0.2, -0.3]))
            norm.runningVar.assign(Tensor([0.5, 2, 1]))
            norm.train(training)
            let x = randomTensor([2, 3, 3, 3], seed: 35).requiringGrad()
            let fused = norm.forwardWithRelu(x)
            fused.sum().backward()
            let fusedGrad = x.grad!.scalars
            x.grad = nil
            let separate = norm(x).relu()
            separate.sum().backward()
            expectClose(fused, separate.scalars, tolerance: 1e-6)
            expectClose(x.grad!, fusedGrad, tolerance: 1e-5)
            expectLayerGradientsMatch(norm, input: randomTensor([3, 3, 2, 2], seed: 36), epsilon: 3e-3, skippingKinks: true) {
                norm.forwardWithRelu($0)
            }
        }
        let chain = Sequential { BatchNorm1d(featureCount: 2); ReLU() }
        let x = randomTensor([4, 2], seed: 37)
        expectClose(chain(x), (chain[0] as! BatchNorm1d)(x).relu().scalars, tolerance: 1e-6)
    }

    @Test func batchNormGradientsInEvaluationMode() {
        let layer = BatchNorm1d(featureCount: 2)
        layer.runningMean.assign(Tensor([0.5, -1]))
        layer.runningVar.assign(Tensor([2, 0.25]))
        layer.weight!.assign(Tensor([1.5, -2]))
        layer.eval()
        expectLayerGradientsMatch(layer, input: randomTensor([3, 2, 4], seed: 7)) { layer($0) }
    }

    @Test func layerNormGradients() {
        let layer = LayerNorm(5)
        layer.weight!.assign(randomTensor([5], low: 0.5, high: 1.5, seed: 8))
        layer.bias!.assign(randomTensor([5], seed: 9))
        expectLayerGradientsMatch(layer, input: randomTensor([2, 3, 5], seed: 10), epsilon: 5e-3) { layer($0) }
        let plain = LayerNorm(normalizedShape: [2, 3], elementwiseAffine: false)
        #expect(plain.parameters().isEmpty)
        expectLayerGradientsMatch(plain, input: randomTensor([4, 2, 3], seed: 38), epsilon: 5e-3) { plain($0) }
        let plainBatchNorm = BatchNorm1d(featureCount: 3, affine: false)
        expectLayerGradientsMatch(plainBatchNorm, input: randomTensor([4, 3], seed: 39), epsilon: 5e-3) { plainBatchNorm($0) }
    }

    @Test func embeddingGradientsAccumulateRepeatedRows() {
        let layer = Embedding(count: 6, dimensions: 3, seed: 11)
        let tokens = Tensor([[1, 4, 1], [0, 5, 4]])
        expectGradientsMatch(layer.parameters()) { _ in layer(tokens) }
        let positions = LearnedPositionalEmbedding(maximumLength: 5, dimensions: 3, seed: 12)
        expectLayerGradientsMatch(positions, input: randomTensor([2, 4, 3], seed: 13)) { positions($0) }
    }

    @Test func preluSlopeAndInputGradients() {
        let shared = PReLU()
        expectLayerGradientsMatch(shared, input: randomTensor([3, 4], seed: 14)) { shared($0) }
        let perChannel = PReLU(parameterCount: 3)
        perChannel.weight.assign(Tensor([0.25, -0.5, 1.5]))
        expectLayerGradientsMatch(perChannel, input: randomTensor([2, 3, 2, 2], seed: 15)) { perChannel($0) }
    }

    @Test func multiHeadAttentionGradientsWithMasks() {
        let attention = MultiHeadAttention(embedDimensions: 6, headCount: 2, seed: 16)
        let padding = Tensor([[0, 0, 0, 1], [0, 1, 1, 0]])
        expectLayerGradientsMatch(attention, input: randomTensor([2, 4, 6], seed: 17)) { x in
            attention(query: x, key: x, value: x, keyPaddingMask: padding, isCausal: false)
        }
        expectLayerGradientsMatch(attention, input: randomTensor([2, 4, 6], seed: 18)) { x in
            attention(query: x, key: x, value: x, keyPaddingMask: padding, isCausal: true)
        }
    }

    @Test func attentionDropoutGradientsWithAFixedMask() {
        let attention = MultiHeadAttention(embedDimensions: 4, headCount: 2, dropout: 0.4, seed: 31)
        expectLayerGradientsMatch(attention, input: randomTensor([2, 3, 4], seed: 32)) { x in
            // The same generator state each call gives the same dropout mask.
            attention.generator = SeededGenerator(seed: 33)
            return attention(x)
        }
        attention.generator = SeededGenerator(seed: 33)
        let x = randomTensor([2, 3, 4], seed: 34)
        let training = attention(x)
        attention.eval()
        #expect(zip(training.scalars, attention(x).scalars).contains { abs($0 - $1) > 1e-4 }, "dropout acts only in training")
    }

    @Test func crossAttentionGradientsForQueryKeyAndValue() {
        let attention = MultiHeadAttention(embedDimensions: 4, headCount: 2, seed: 19)
        let query = randomTensor([2, 3, 4], seed: 20), key = randomTensor([2, 5, 4], seed: 21), value = randomTensor([2, 5, 4], seed: 22)
        let mask = randomTensor([3, 5], seed: 23)
        expectGradientsMatch([query, key, value] + attention.parameters()) { t in
            attention(query: t[0], key: t[1], value: t[2], attentionMask: mask)
        }
    }

    @Test func transformerEncoderLayerGradientsPostAndPreNorm() {
        for normFirst in [false, true] {
            for activation in [TransformerEncoderLayer.Activation.relu, .gelu] {
                let layer = TransformerEncoderLayer(
                    modelDimensions: 4, headCount: 2, feedForwardDimensions: 6, dropout: 0, activation: activation,
                    normFirst: normFirst, seed: 24)
                let padding = Tensor([[0, 0, 1], [0, 0, 0]])
                expectLayerGradientsMatch(layer, input: randomTensor([2, 3, 4], seed: 25), epsilon: 3e-3, absoluteTolerance: 5e-3) { x in
                    layer(x, keyPaddingMask: padding)
                }
            }
        }
    }

    @Test func residualBlockGradientsWithAndWithoutBatchNorm() {
        let projected = ResidualBlock(inputChannels: 2, outputChannels: 3, stride: 2, seed: 26)
        expectLayerGradientsMatch(projected, input: randomTensor([2, 2, 4, 4], seed: 27), epsilon: 3e-3, absoluteTolerance: 5e-3, skippingKinks: true) { projected($0) }
        let plain = ResidualBlock(inputChannels: 2, outputChannels: 2, batchNorm: false, seed: 28)
        #expect(plain.shortcut == nil && plain.bn1 == nil && plain.conv1.bias != nil)
        expectLayerGradientsMatch(plain, input: randomTensor([1, 2, 4, 4], seed: 29), epsilon: 3e-3, skippingKinks: true) { plain($0) }
    }

    @Test func globalAveragePoolGradient() {
        expectGradientsMatch([randomTensor([2, 3, 2, 3], seed: 30)]) { globalAveragePool($0[0]) }
    }
}
