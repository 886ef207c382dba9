import Foundation
import HoneCore
import HoneTestSupport
import Testing

@testable import HoneNN

/// The kernels that skip what only a backward pass needs (attention, layer norm) when no
/// graph is recorded must give what the recording path gives.
@Suite struct InferencePathTests {
    /// Runs `body` once recording a graph (the parameters require gradients) and once
    /// under `withNoGrad`, and checks both outputs agree to 1e-5.
    private func expectSamePaths(_ label: String, _ body: () -> Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
        let recorded = body()
        #expect(recorded.requiresGrad, "\(label): the first run records a graph", sourceLocation: sourceLocation)
        let inferred = withNoGrad { body() }
        #expect(!inferred.requiresGrad, sourceLocation: sourceLocation)
        #expect(inferred.scalars.allSatisfy { $0.isFinite }, "\(label): finite output", sourceLocation: sourceLocation)
        expectClose(inferred, recorded.scalars, tolerance: 1e-5, sourceLocation: sourceLocation)
    }

    @Test func attentionWithoutGraphMatchesRecordedPathUnderEveryMask() {
        let attention = MultiHeadAttention(embedDimensions: 8, headCount: 2, seed: 21)
        attention.inputProjectionBias!.assign(randomTensor([24], seed: 22))
        attention.outputProjection.bias!.assign(randomTensor([8], seed: 23))
        let x = randomTensor([3, 6, 8], seed: 24)
        let memory = randomTensor([3, 7, 8], seed: 25)
        // Batch 0 pads nothing (the skipped loop), batch 1 pads two keys, batch 2 pads all of them.
        let padding = Tensor(shape: [3, 6], scalars: [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1])
        let crossPadding = Tensor(shape: [3, 7], scalars: [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0])
        let additive = Tensor(shape: [6, 6], scalars: (0..<36).map { $0 % 7 == 3 ? -.infinity : Float($0 % 5) * 0.3 - 0.6 })
        expectSamePaths("unmasked") { attention(x) }
        expectSamePaths("padding") { attention(query: x, key: x, value: x, keyPaddingMask: padding) }
        expectSamePaths("causal") { attention(query: x, key: x, value: x, isCausal: true) }
        expectSamePaths("additive") { attention(query: x, key: x, value: x, attentionMask: additive) }
        expectSamePaths("all three") {
            attention(query: x, key: x, value: x, keyPaddingMask: padding, attentionMask: additive, isCausal: true)
        }
        expectSamePaths("cross attention") { attention(query: x, key: memory, value: memory, keyPaddingMask: crossPadding) }
    }

    @Test func attentionWithoutGraphMatchesExplicitSoftmaxWithPadding() {
        let e = 4, heads = 2, d = 2
        let attention = MultiHeadAttention(embedDimensions: e, headCount: heads, seed: 31)
        attention.inputProjectionBias!.assign(randomTensor([3 * e], seed: 32))
        let x = randomTensor([1, 5, e], seed: 33)
        let ignored: Set = [1, 3]
        let output = withNoGrad {
            attention(query: x, key: x, value: x, keyPaddingMask: Tensor([[0, 1, 0, 1, 0]]))
        }
        let w = attention.inputProjectionWeight, b = attention.inputProjectionBias!
        let (q, k, v) = withNoGrad {
            (linear(x, weight: w.slice(axis: 0, 0..<e), bias: b.slice(axis: 0, 0..<e)).scalars,
             linear(x, weight: w.slice(axis: 0, e..<2 * e), bias: b.slice(axis: 0, e..<2 * e)).scalars,
             linear(x, weight: w.slice(axis: 0, 2 * e..<3 * e), bias: b.slice(axis: 0, 2 * e..<3 * e)).scalars)
        }
        // Hand-written: per head and query, softmax over the kept keys in Double.
        var attended = [Float](repeating: 0, count: 5 * e)
        for h in 0..<heads {
            for i in 0..<5 {
                var weights: [Double] = (0..<5).map { j in
                    guard !ignored.contains(j) else { return 0 }
                    let dot = (0..<d).reduce(0.0) { $0 + Double(q[i * e + h * d + $1]) * Double(k[j * e + h * d + $1]) }
                    return Foundation.exp(dot / Double(d).squareRoot())
                }
                let total = weights.reduce(0, +)
                weights = weights.map { $0 / total }
                for c in 0..<d {
                    attended[i * e + h * d + c] = Float((0..<5).reduce(0.0) { $0 + weights[$1] * Double(v[$1 * e + h * d + c]) })
                }
            }
        }
        let expected = withNoGrad { attention.outputProjection(Tensor(shape: [1, 5, e], scalars: attended)) }
        expectClose(output, expected.scalars, tolerance: 1e-5)
    }

    @Test func attentionDropoutWithoutGraphMatchesRecordedPath() {
        // Two layers with the same seed draw the same dropout masks.
        let recording = MultiHeadAttention(embedDimensions: 8, headCount: 4, dropout: 0.3, seed: 41)
        let inferring = MultiHeadAttention(embedDimensions: 8, headCount: 4, dropout: 0.3, seed: 41)
        let x = randomTensor([2, 5, 8], seed: 42)
        let recorded = recording(x)
        #expect(recorded.requiresGrad)
        let inferred = withNoGrad { inferring(x) }
        expectClose(inferred, recorded.scalars, tolerance: 1e-5)
        recording.eval()
        #expect(zip(recording(x).scalars, recorded.scalars).contains { abs($0 - $1) > 1e-3 }, "dropout changed the output")
    }

    @Test func layerNormWithoutGraphMatchesRecordedPath() {
        let x = randomTensor([4, 3, 10], low: -3, high: 3, seed: 51)
        let affine = LayerNorm(10)
        affine.weight!.assign(randomTensor([10], low: 0.5, high: 1.5, seed: 52))
        affine.bias!.assign(randomTensor([10], seed: 53))
        expectSamePaths("affine") { affine(x) }
        let residual = randomTensor([4, 3, 10], low: -2, high: 2, seed: 54)
        expectSamePaths("affine of a sum") { affine(x, adding: residual) }
        expectClose(withNoGrad { affine(x, adding: residual) }, affine(x + residual).scalars, tolerance: 1e-5)
        let plain = LayerNorm(10, elementwiseAffine: false)
        let tracked = x.copy().requiringGrad()
        expectSamePaths("no affine") { plain(tracked) }
        // Each row of the no-affine output has mean 0 and variance 1 (less eps).
        let rows = withNoGrad { plain(x) }.scalars
        for r in 0..<12 {
            let row = rows[r * 10..<(r + 1) * 10]
            let mean = row.reduce(0, +) / 10
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 10
            #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-3, "row \(r): mean \(mean), variance \(variance)")
        }
    }

    @Test func transformerEncoderLayerWithoutGraphMatchesRecordedPath() {
        for normFirst in [false, true] {
            let layer = TransformerEncoderLayer(modelDimensions: 8, headCount: 2, feedForwardDimensions: 16, normFirst: normFirst, seed: 61)
            layer.eval()
            let x = randomTensor([2, 6, 8], seed: 62)
            let padding = Tensor(shape: [2, 6], scalars: [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
            expectSamePaths("normFirst \(normFirst)") { layer(x, keyPaddingMask: padding) }
        }
    }
}
