import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

/// Forward values of layers against references computed another way.
@Suite struct LayerValueTests {
    @Test func batchNormTrainingMatchesMeanVarianceFormulaAndUpdatesRunningStatistics() {
        let layer = BatchNorm2d(featureCount: 2)
        layer.weight!.assign(Tensor([2, 0.5]))
        layer.bias!.assign(Tensor([1, -1]))
        let x = randomTensor([4, 2, 3, 3], low: -2, high: 3, seed: 1)
        let y = layer(x)
        let mean = x.mean(axes: [0, 2, 3], keepDims: true)
        let biased = x.variance(axes: [0, 2, 3], keepDims: true, unbiased: false)
        let expected = (x - mean) / (biased + 1e-5).sqrt() * layer.weight!.reshaped([1, 2, 1, 1]) + layer.bias!.reshaped([1, 2, 1, 1])
        expectClose(y, expected.scalars, tolerance: 1e-4)
        let unbiased = x.variance(axes: [0, 2, 3], unbiased: true)
        expectClose(layer.runningMean, mean.scalars.map { 0.1 * $0 }, tolerance: 1e-5)
        expectClose(layer.runningVar, unbiased.scalars.map { 0.9 + 0.1 * $0 }, tolerance: 1e-5)
        #expect(layer.numBatchesTracked.item == 1)
    }

    @Test func batchNormEvaluationUsesRunningStatistics() {
        let layer = BatchNorm1d(featureCount: 3)
        layer.runningMean.assign(Tensor([1, 2, 3]))
        layer.runningVar.assign(Tensor([4, 9, 16]))
        layer.eval()
        let x = Tensor([[1, 2, 3], [5, 8, 11]])
        expectClose(layer(x), [0, 0, 0, 4 / Float(4 + 1e-5).squareRoot(), 6 / Float(9 + 1e-5).squareRoot(), 8 / Float(16 + 1e-5).squareRoot()], tolerance: 1e-5)
        #expect(layer.runningMean.scalars == [1, 2, 3] && layer.numBatchesTracked.item == 0)
    }

    @Test func layerNormMatchesFormula() {
        let layer = LayerNorm(4)
        layer.weight!.assign(Tensor([1, 2, 3, 4]))
        layer.bias!.assign(Tensor([0, 1, 0, -1]))
        let x = randomTensor([3, 4], low: -3, high: 3, seed: 2)
        let centered = x - x.mean(axes: [1], keepDims: true)
        let expected = centered / (x.variance(axes: [1], keepDims: true, unbiased: false) + 1e-5).sqrt() * layer.weight! + layer.bias!
        expectClose(layer(x), expected.scalars, tolerance: 1e-4)
    }

    @Test func attentionMatchesExplicitSoftmaxComputation() {
        let e = 6, heads = 3, d = 2
        let attention = MultiHeadAttention(embedDimensions: e, headCount: heads, seed: 3)
        attention.inputProjectionBias!.assign(randomTensor([3 * e], seed: 4))
        attention.outputProjection.bias!.assign(randomTensor([e], seed: 5))
        let x = randomTensor([2, 4, e], seed: 6)
        let output = attention(x)
        let w = attention.inputProjectionWeight, b = attention.inputProjectionBias!
        let q = linear(x, weight: w.slice(axis: 0, 0..<e), bias: b.slice(axis: 0, 0..<e))
        let k = linear(x, weight: w.slice(axis: 0, e..<2 * e), bias: b.slice(axis: 0, e..<2 * e))
        let v = linear(x, weight: w.slice(axis: 0, 2 * e..<3 * e), bias: b.slice(axis: 0, 2 * e..<3 * e))
        var headsOut: [Tensor] = []
        for h in 0..<heads {
            let columns = h * d..<(h + 1) * d
            let qh = q.slice(axis: 2, columns), kh = k.slice(axis: 2, columns), vh = v.slice(axis: 2, columns)
            let weights = (matmul(qh, kh.transposed()) / Float(d).squareRoot()).softmax(axis: -1)
            headsOut.append(matmul(weights, vh))
        }
        let expected = attention.outputProjection(Tensor.concat(headsOut, axis: 2))
        expectClose(output, expected.scalars, tolerance: 1e-4)
    }

    @Test func keyPaddingMaskBlocksMaskedKeys() {
        let attention = MultiHeadAttention(embedDimensions: 4, headCount: 2, seed: 7)
        let query = randomTensor([1, 3, 4], seed: 8)
        let keys = randomTensor([1, 5, 4], seed: 9)
        let mask = Tensor([[0, 1, 0, 0, 1]])
        let before = attention(query: query, key: keys, value: keys, keyPaddingMask: mask)
        // Change only the masked keys and values: the output must not move.
        let changed = keys.copy()
        changed.withUnsafeMutableBufferPointer { p in
            for position in [1, 4] { for i in 0..<4 { p[position * 4 + i] = Float(10 + i) } }
        }
        let after = attention(query: query, key: changed, value: changed, keyPaddingMask: mask)
        expectClose(after, before.scalars, tolerance: 1e-5)
        let unmasked = attention(query: query, key: changed, value: changed)
        #expect(zip(unmasked.scalars, before.scalars).contains { abs($0 - $1) > 1e-3 }, "without the mask the change shows")
    }

    @Test func causalMaskHidesLaterPositions() {
        let attention = MultiHeadAttention(embedDimensions: 4, headCount: 1, seed: 10)
        let x = randomTensor([1, 4, 4], seed: 11)
        let before = attention(query: x, key: x, value: x, isCausal: true)
        let changed = x.copy()
        changed.withUnsafeMutableBufferPointer { p in for i in 12..<16 { p[i] = 5 } }
        let after = attention(query: changed, key: changed, value: changed, isCausal: true)
        // Positions 0…2 cannot see position 3.
        expectClose(after.slice(axis: 1, 0..<3), before.slice(axis: 1, 0..<3).scalars, tolerance: 1e-5)
        // The additive −∞ mask is the same thing.
        let blocked = Tensor(shape: [4, 4], scalars: (0..<16).map { $0 % 4 > $0 / 4 ? -.infinity : 0 })
        expectClose(attention(query: x, key: x, value: x, attentionMask: blocked), before.scalars, tolerance: 1e-5)
    }

    @Test func transformerLayerComposesSublayersInPostAndPreNormOrder() {
        for normFirst in [false, true] {
            let layer = TransformerEncoderLayer(modelDimensions: 8, headCount: 2, feedForwardDimensions: 12, dropout: 0, normFirst: normFirst, seed: 41)
            layer.norm1.weight!.assign(randomTensor([8], low: 0.5, high: 1.5, seed: 42))
            layer.norm2.bias!.assign(randomTensor([8], seed: 43))
            let x = randomTensor([2, 5, 8], seed: 44)
            func feedForward(_ h: Tensor) -> Tensor { layer.linear2(layer.linear1(h).relu()) }
            let expected: Tensor
            if normFirst {
                let h = x + layer.selfAttention(layer.norm1(x))
                expected = h + feedForward(layer.norm2(h))
            } else {
                let h = layer.norm1(x + layer.selfAttention(x))
                expected = layer.norm2(h + feedForward(h))
            }
            expectClose(layer(x), expected.scalars, tolerance: 1e-5)
        }
    }

    @Test func dropoutScalesInTrainingAndIsIdentityInEvaluation() {
        let dropout = Dropout(probability: 0.25, seed: 12)
        let x = Tensor.ones([10_000])
        let y = dropout(x)
        let values = Set(y.scalars)
        #expect(values == [0, Float(1) / 0.75])
        let keptFraction = Float(y.scalars.filter { $0 > 0 }.count) / 10_000
        #expect(abs(keptFraction - 0.75) < 0.02)
        #expect(abs(y.mean().item - 1) < 0.03, "inverted scaling keeps the mean")
        let again = Dropout(probability: 0.25, seed: 12)
        #expect(again(x).scalars == y.scalars, "same seed, same mask")
        let input = randomTensor([50], seed: 40).requiringGrad()
        let output = dropout(input)
        output.sum().backward()
        // The gradient is the mask: 0 where dropped, 1 / (1 − p) where kept.
        expectClose(input.grad!, output.scalars.map { $0 == 0 ? 0 : Float(1) / 0.75 }, tolerance: 1e-6)
        dropout.eval()
        #expect(dropout(x) === x)
    }

    @Test func activationLayersComputeTheirFunctions() {
        let x = Tensor([-2, -0.5, 0.5, 2])
        expectClose(ReLU()(x), [0, 0, 0.5, 2])
        expectClose(LeakyReLU(negativeSlope: 0.1)(x), [-0.2, -0.05, 0.5, 2])
        expectClose(PReLU()(x), [-0.5, -0.125, 0.5, 2])
        expectClose(Sigmoid()(x), x.scalars.map { 1 / (1 + exp(-$0)) })
        expectClose(Tanh()(x), x.scalars.map { tanh($0) })
        expectClose(GELU()(x), x.scalars.map { 0.5 * $0 * (1 + erf($0 / Float(2).squareRoot())) })
        let softmax = Softmax(axis: 1)(Tensor([[1, 2, 3]]))
        let total = exp(Float(1)) + exp(2) + exp(3)
        expectClose(softmax, [exp(1) / total, exp(2) / total, exp(3) / total])
    }

    @Test func poolingAndFlattenShapesAndValues() {
        let x = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        expectClose(MaxPool2d(kernelSize: 2)(x), [5, 7, 13, 15])
        expectClose(AvgPool2d(kernelSize: 2)(x), [2.5, 4.5, 10.5, 12.5])
        expectClose(GlobalAvgPool2d()(x), [7.5])
        #expect(Flatten()(Tensor.zeros([2, 3, 4, 5])).shape == [2, 60])
    }

    @Test func poolingLayersTakeStrideAndPaddingFromTheirSharedGeometry() {
        let x = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        let maxPool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        let avgPool = AvgPool2d(kernelSize: 3, stride: 2, padding: 1)
        for layer in [maxPool, avgPool] as [Pool2d] {
            #expect(layer.kernelSize == (3, 3) && layer.stride == (2, 2) && layer.padding == (1, 1))
            #expect(layer.settingsDescription == "kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)")
        }
        let defaults = MaxPool2d(kernelSize: 2)
        #expect(defaults.stride == (2, 2) && defaults.padding == (0, 0))
        // Windows start at rows and columns −1 and 1: padding is −∞ for the maximum and a
        // counted zero for the average, summed here over the in-range cells only.
        expectClose(maxPool(x), [5, 7, 13, 15])
        var averages: [Float] = []
        for top in [-1, 1] {
            for left in [-1, 1] {
                var total: Float = 0
                for row in top..<(top + 3) where (0..<4).contains(row) {
                    for column in left..<(left + 3) where (0..<4).contains(column) { total += Float(row * 4 + column) }
                }
                averages.append(total / 9)
            }
        }
        expectClose(avgPool(x), averages)
    }

    @Test func conv2dLayerMatchesDirectSum() {
        let conv = Conv2d(2, 1, kernelSize: 2, seed: 13)
        let x = randomTensor([1, 2, 3, 3], seed: 14)
        let y = conv(x)
        var expected: [Float] = []
        for oy in 0..<2 {
            for ox in 0..<2 {
                var total = conv.bias![0]
                for c in 0..<2 { for ky in 0..<2 { for kx in 0..<2 { total += conv.weight[0, c, ky, kx] * x[0, c, oy + ky, ox + kx] } } }
                expected.append(total)
            }
        }
        expectClose(y, expected, tolerance: 1e-5)
    }

    @Test func embeddingLooksUpRowsAndRejectsNothingValid() {
        let embedding = Embedding(count: 4, dimensions: 2, seed: 15)
        let rows = embedding(Tensor([[3, 0]]))
        #expect(rows.shape == [1, 2, 2])
        expectClose(rows, [embedding.weight[3, 0], embedding.weight[3, 1], embedding.weight[0, 0], embedding.weight[0, 1]])
    }

    @Test func initializersFollowPyTorchBoundsAndStatistics() {
        let layer = Linear(400, 300, seed: 16)
        let bound = 1 / Float(400).squareRoot()
        #expect(layer.weight.scalars.allSatisfy { abs($0) <= bound })
        #expect(layer.weight.scalars.max()! > 0.95 * bound, "spans the whole range")
        #expect(layer.bias!.scalars.allSatisfy { abs($0) <= bound })
        let conv = Conv2d(8, 16, kernelSize: 3, seed: 17)
        #expect(conv.weight.scalars.allSatisfy { abs($0) <= 1 / Float(72).squareRoot() })
        var generator = SeededGenerator(seed: 18)
        let he = Initializer.kaimingNormal().makeTensor([500, 200], generator: &generator)
        let std = he.variance(axes: [0, 1]).item.squareRoot()
        #expect(abs(std - (2 / Float(200)).squareRoot()) < 0.002)
        let glorot = Initializer.xavierUniform().makeTensor([100, 300], generator: &generator)
        let glorotBound = (6 / Float(400)).squareRoot()
        #expect(glorot.scalars.allSatisfy { abs($0) <= glorotBound } && glorot.scalars.max()! > 0.95 * glorotBound)
        let heUniform = Initializer.kaimingUniform().makeTensor([64, 16, 3, 3], generator: &generator)
        #expect(heUniform.scalars.allSatisfy { abs($0) <= (6 / Float(144)).squareRoot() })
        let xavierNormal = Initializer.xavierNormal(gain: 2).makeTensor([300, 500], generator: &generator)
        #expect(abs(xavierNormal.variance(axes: [0, 1]).item.squareRoot() - 2 * (2 / Float(800)).squareRoot()) < 0.002)
        #expect(Initializer.constant(3).makeTensor([2], generator: &generator).scalars == [3, 3])
        #expect(Initializer.zeros.makeTensor([2], generator: &generator).scalars == [0, 0])
        let embedding = Embedding(count: 200, dimensions: 100, seed: 19)
        #expect(abs(embedding.weight.variance(axes: [0, 1]).item - 1) < 0.03)
        let norm = BatchNorm2d(featureCount: 3)
        #expect(norm.weight!.scalars == [1, 1, 1] && norm.bias!.scalars == [0, 0, 0])
        #expect(Initializer.fans([10, 4, 3, 3]) == (36, 90))
        let custom = Linear(3, 2, weightInitializer: .constant(0.5), biasInitializer: .zeros, seed: 20)
        #expect(custom.weight.scalars == [Float](repeating: 0.5, count: 6) && custom.bias!.scalars == [0, 0])
        let heConvolution = Conv2d(4, 8, kernelSize: 3, weightInitializer: .kaimingNormal(), seed: 21)
        let heDeviation = heConvolution.weight.variance(axes: [0, 1, 2, 3]).item.squareRoot()
        #expect(abs(heDeviation - (2 / Float(36)).squareRoot()) < 0.03)
    }
}
