import HoneTestSupport
import Testing

@testable import HoneCore
@testable import HoneNN

/// At inference a linear layer and the ReLU after it run as one product with the ReLU in
/// its epilogue: in layer lists, the MLP of the model zoo and the Transformer's
/// feed-forward. Each is checked against the same layers run one by one while a graph
/// is recorded, and `linearInference` against `linear` then `relu` written out.
@Suite struct LinearReluFusionTests {
    @Test func linearInferenceIsTheProductThenReLUOnBothRoutes() {
        // 128·96·80 multiply-adds run on oneDNN's matmul primitive; 4·6·5 on the GEMM.
        for (rows, inFeatures, outFeatures) in [(128, 96, 80), (4, 6, 5)] {
            let x = randomTensor([rows, inFeatures], seed: 1)
            let w = randomTensor([outFeatures, inFeatures], seed: 2), b = randomTensor([outFeatures], seed: 3)
            // The product by hand, then max(·, 0).
            var expected = [Float](repeating: 0, count: rows * outFeatures)
            let xs = x.scalars, ws = w.scalars, bs = b.scalars
            for r in 0..<rows {
                for o in 0..<outFeatures {
                    var sum = bs[o]
                    for i in 0..<inFeatures { sum += xs[r * inFeatures + i] * ws[o * inFeatures + i] }
                    expected[r * outFeatures + o] = max(sum, 0)
                }
            }
            #expect(expected.contains(0) && expected.contains { $0 > 0 }, "the check needs both sides of the ReLU")
            let fused = withNoGrad { linearInference(x, weight: w, bias: b, relu: true) }
            expectClose(fused, expected, tolerance: 1e-4)
            let plain = withNoGrad { linearInference(x, weight: w, bias: nil, relu: false) }
            expectClose(plain, withNoGrad { linear(x, weight: w) }.scalars, tolerance: 1e-5)
            #expect(plain.scalars.contains { $0 < 0 })
        }
        #expect(DNNLLinear.hasPrimitive(for: .init(rows: 128, inFeatures: 96, outFeatures: 80, hasBias: true, relu: true)))
    }

    @Test func layerListsAndTheZooMLPFuseAtInferenceWithTheSameValues() {
        let x = randomTensor([64, 40], seed: 4)
        let list = Sequential([Linear(40, 48, seed: 5), ReLU(), Linear(48, 32, seed: 6), ReLU(), Linear(32, 3, seed: 7)])
        let mlp = MLP(inputDimensions: 40, hiddenDimensions: [48, 32], classCount: 3, seed: 8)
        for model in [list, mlp] as [any UnaryLayer] {
            let recorded = model(x).scalars
            expectClose(withNoGrad { model(x) }, recorded, tolerance: 1e-5)
        }
        #expect(DNNLLinear.hasPrimitive(for: .init(rows: 64, inFeatures: 40, outFeatures: 48, hasBias: true, relu: true)))
    }

    @Test func theTransformerFeedForwardFusesAtInferenceWithTheSameValues() {
        let layer = TransformerEncoderLayer(modelDimensions: 32, headCount: 4, feedForwardDimensions: 64, dropout: 0, seed: 9)
        layer.eval()
        let x = randomTensor([4, 16, 32], seed: 10)
        let recorded = layer(x).scalars
        expectClose(withNoGrad { layer(x) }, recorded, tolerance: 1e-4)
        #expect(DNNLLinear.hasPrimitive(for: .init(rows: 64, inFeatures: 32, outFeatures: 64, hasBias: true, relu: true)))
    }
}
