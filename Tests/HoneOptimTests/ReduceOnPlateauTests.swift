import Foundation
import Testing

@testable import HoneOptim

@Suite struct ReduceOnPlateauTests {
    func run(_ policy: inout ReduceOnPlateau, _ metrics: [Float]) -> [Float] {
        metrics.map { metric in
            policy.step(metric: metric)
            return policy.learningRate
        }
    }

    @Test func minModeWithCooldownAndFloorMatchesPyTorch() throws {
        var policy = ReduceOnPlateau(learningRate: 0.1, factor: 0.5, patience: 2, cooldown: 1, minimumLearningRate: 0.02)
        let expected = try #require(Reference.schedules["plateau_min"])
        expectClose(run(&policy, Reference.plateauMetricsMin), expected, tolerance: 1e-6)
    }

    @Test func maxModeWithAbsoluteThresholdMatchesPyTorch() throws {
        var policy = ReduceOnPlateau(
            learningRate: 0.1, mode: .max, factor: 0.2, patience: 1, threshold: 0.02, thresholdMode: .absolute)
        let expected = try #require(Reference.schedules["plateau_max_absolute"])
        expectClose(run(&policy, Reference.plateauMetricsMax), expected, tolerance: 1e-6)
    }

    @Test func reducesOnlyAfterPatienceIsExhausted() {
        // Best 1.0 at evaluation 1; three evaluations without improvement exceed patience 2.
        var policy = ReduceOnPlateau(learningRate: 1, factor: 0.5, patience: 2)
        let cuts = [Float(1.0), 1.0, 1.0, 1.0, 0.5, 0.6, 0.6].map { policy.step(metric: $0) }
        #expect(cuts == [false, false, false, true, false, false, false])
        #expect(policy.learningRate == 0.5)
        #expect(policy.best == 0.5)
        #expect(policy.badEvaluations == 2)
    }

    @Test func relativeThresholdIgnoresTinyImprovements() {
        var policy = ReduceOnPlateau(learningRate: 1, patience: 0, threshold: 0.1)
        policy.step(metric: 1.0)
        let cutAfterSmallGain = policy.step(metric: 0.95)  // 0.95 is not below 1.0 · 0.9
        let cutAfterLargeGain = policy.step(metric: 0.5)
        #expect(cutAfterSmallGain && !cutAfterLargeGain)
    }

    @Test func nanMetricsCountAsNoImprovement() {
        var policy = ReduceOnPlateau(learningRate: 1, patience: 1)
        policy.step(metric: 1)
        policy.step(metric: .nan)
        let cut = policy.step(metric: .nan)
        #expect(cut)
        #expect(policy.best == 1)
    }

    @Test func stateRoundTripsThroughCodableAndResumesIdentically() throws {
        var uninterrupted = ReduceOnPlateau(learningRate: 0.1, factor: 0.5, patience: 2, cooldown: 1)
        var interrupted = uninterrupted
        let metrics = Reference.plateauMetricsMin
        let expected = run(&uninterrupted, metrics)
        var first = run(&interrupted, Array(metrics[..<7]))
        let data = try JSONEncoder().encode(interrupted)
        var restored = try JSONDecoder().decode(ReduceOnPlateau.self, from: data)
        #expect(restored == interrupted)
        first += run(&restored, Array(metrics[7...]))
        #expect(first == expected)
    }

    @Test func stepSetsTheOptimizerLearningRate() {
        let optimizer = SGD(parameters: [Tensor.zeros([1]).requiringGrad()], learningRate: 0.1)
        var policy = ReduceOnPlateau(learningRate: 0.1, factor: 0.5, patience: 0)
        policy.step(metric: 1, optimizer: optimizer)
        let cut = policy.step(metric: 2, optimizer: optimizer)
        #expect(cut)
        #expect(optimizer.learningRate == 0.05)
    }
}
