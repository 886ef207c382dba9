import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

/// Loss values against their formulas (computed in Double) and gradients against finite differences.
@Suite struct LossTests {
    /// PyTorch's cross-entropy definition written out directly.
    private func referenceCrossEntropy(_ logits: [[Double]], _ targets: [Int], weights: [Double]?, smoothing: Double) -> Double {
        let classes = logits[0].count
        let w = weights ?? [Double](repeating: 1, count: classes)
        var nll = 0.0, smooth = 0.0, divisor = 0.0
        for (row, target) in zip(logits, targets) {
            let maximum = row.max()!
            let logTotal = log(row.map { exp($0 - maximum) }.reduce(0, +)) + maximum
            let logProbabilities = row.map { $0 - logTotal }
            nll += -w[target] * logProbabilities[target]
            smooth += -zip(w, logProbabilities).map { $0 * $1 }.reduce(0, +)
            divisor += w[target]
        }
        return (1 - smoothing) * nll / divisor + smoothing / Double(classes) * smooth / divisor
    }

    @Test func crossEntropyMatchesFormulaWithSmoothingAndClassWeights() {
        let logits = randomTensor([5, 4], low: -3, high: 3, seed: 1)
        let targets = [0, 3, 1, 1, 2]
        let rows = (0..<5).map { i in (0..<4).map { Double(logits[i, $0]) } }
        let weights: [Float] = [0.5, 2, 1, 3]
        for (classWeights, smoothing) in [(nil, 0.0), (nil, 0.2), (weights, 0.0), (weights, 0.1)] as [([Float]?, Double)] {
            let loss = crossEntropy(logits: logits, targets: targets, classWeights: classWeights, labelSmoothing: Float(smoothing))
            let expected = referenceCrossEntropy(rows, targets, weights: classWeights?.map(Double.init), smoothing: smoothing)
            #expect(abs(Double(loss.item) - expected) < 1e-5, "weights \(String(describing: classWeights)) smoothing \(smoothing): \(loss.item) vs \(expected)")
        }
        let perExample = crossEntropy(logits: logits, targets: targets, reduction: .none)
        #expect(perExample.shape == [5])
        let second = referenceCrossEntropy([rows[1]], [3], weights: nil, smoothing: 0)
        #expect(abs(Double(perExample[1]) - second) < 1e-5)
        let total = crossEntropy(logits: logits, targets: targets, reduction: .sum)
        #expect(abs(total.item - perExample.sum().item) < 1e-4)
    }

    @Test func crossEntropyIsStableForHugeLogits() {
        let loss = crossEntropy(logits: Tensor([[1000, 0, -1000]]), targets: [1])
        #expect(abs(loss.item - 1000) < 1e-3)
    }

    @Test func crossEntropyGradients() {
        let targets = [2, 0, 1]
        expectGradientsMatch([randomTensor([3, 4], seed: 2)]) { crossEntropy(logits: $0[0], targets: targets) }
        expectGradientsMatch([randomTensor([3, 4], seed: 3)]) {
            crossEntropy(logits: $0[0], targets: targets, classWeights: [1, 0.5, 2, 3], labelSmoothing: 0.15)
        }
        expectGradientsMatch([randomTensor([3, 4], seed: 4)]) {
            crossEntropy(logits: $0[0], targets: targets, labelSmoothing: 0.3, reduction: .none)
        }
    }

    @Test func binaryCrossEntropyWithLogitsIsStableAndCorrect() {
        let logits = Tensor([-800, -2, 0, 3, 900]), targets = Tensor([0, 1, 0.5, 0, 1])
        let losses = binaryCrossEntropyWithLogits(logits: logits, targets: targets, reduction: .none)
        let expected = zip(logits.scalars, targets.scalars).map { z, y -> Float in
            let zd = Double(z), yd = Double(y)
            // −[y·log σ(z) + (1 − y)·log(1 − σ(z))], with log σ written without overflow.
            let logSigmoid = zd >= 0 ? -log1p(exp(-zd)) : zd - log1p(exp(zd))
            let logOneMinus = zd >= 0 ? -zd - log1p(exp(-zd)) : -log1p(exp(zd))
            return Float(-(yd * logSigmoid + (1 - yd) * logOneMinus))
        }
        expectClose(losses, expected, tolerance: 1e-5)
        #expect(losses.scalars.allSatisfy { $0.isFinite })
        expectGradientsMatch([randomTensor([2, 3], low: -3, high: 3, seed: 5)]) { t in
            binaryCrossEntropyWithLogits(logits: t[0], targets: Tensor(shape: [2, 3], scalars: [0, 1, 1, 0, 0.3, 1]))
        }
    }

    @Test func regressionLossesMatchFormulas() {
        let predictions = Tensor([0.5, -1, 3, 2]), targets = Tensor([0, 1, 0.5, 2.25])
        let differences = zip(predictions.scalars, targets.scalars).map { $0 - $1 }
        #expect(abs(meanSquaredError(predictions, targets).item - differences.map { $0 * $0 }.reduce(0, +) / 4) < 1e-6)
        #expect(abs(l1Loss(predictions, targets).item - differences.map { abs($0) }.reduce(0, +) / 4) < 1e-6)
        let delta: Float = 1.5
        let huber = differences.map { abs($0) < delta ? 0.5 * $0 * $0 : delta * (abs($0) - 0.5 * delta) }
        expectClose(huberLoss(predictions, targets, delta: delta, reduction: .none), huber)
        #expect(abs(huberLoss(predictions, targets, delta: delta, reduction: .sum).item - huber.reduce(0, +)) < 1e-5)
        let away = Tensor([0.4, -1.3, 2.7, 0.9])
        expectGradientsMatch([away]) { meanSquaredError($0[0], targets) }
        expectGradientsMatch([away]) { l1Loss($0[0], targets) }
        expectGradientsMatch([away]) { huberLoss($0[0], targets, delta: delta) }
    }
}
