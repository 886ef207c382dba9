import Foundation
import HoneCore
import Testing
@testable import HoneTune

/// TPE's leave-one-out score: l(x) at a candidate without the kernel it was drawn from.
@Suite struct TPELeaveOneOutTests {
    private static let unit = ParameterDistribution.float(low: 0, high: 1, log: false, step: nil)
    private static func transforms(_ d: Int) -> [ParamTransform] {
        (0..<d).map { ParamTransform(name: "x\($0)", distribution: unit) }
    }

    /// The density without kernel p equals an estimator built without observation p
    /// (same bandwidths, given as gaps) rescaled to the full estimator's total weight.
    @Test func densityWithoutTheParentIsTheMixtureOfTheOthers() {
        var rng = SeededGenerator(seed: 13)
        let d = 3, n = 6
        let observations = (0..<d).map { _ in (0..<n).map { _ in rng.nextDouble() } }
        let weights = (0..<n).map { Double($0 + 1) / Double(n) }
        let p = ParzenParameters(priorWeight: 0.5)
        let full = ParzenEstimator(transforms: Self.transforms(d), observations: observations, obsWeights: weights, parameters: p)
        let gaps = observations.map { ParzenEstimator.neighbourGaps($0, considerEndpoints: false) }
        let candidates = (0..<d).map { _ in (0..<n + 1).map { _ in rng.nextDouble() } }
        let parents = Array(0...n)  // candidate c "drawn from" kernel c; the last from the prior
        let loo = full.logPDF(candidates, leavingOut: parents)
        let total = weights.reduce(0, +) + p.priorWeight
        for c in 0..<n {
            let keep = (0..<n).filter { $0 != c }
            let without = ParzenEstimator(
                transforms: Self.transforms(d), observations: observations.map { o in keep.map { o[$0] } },
                obsWeights: keep.map { weights[$0] }, parameters: p,
                neighbourGaps: gaps.map { g in keep.map { g[$0] } }, bandwidthCount: n)
            let column = (0..<d).map { [candidates[$0][c]] }
            let expected = without.logPDF(column)[0] + log((total - weights[c]) / total)
            #expect(abs(loo[c] - expected) < 1e-9, "candidate \(c): \(loo[c]) vs \(expected)")
            #expect(loo[c] < full.logPDF(column)[0])
        }
        // A candidate drawn from the prior keeps the whole mixture.
        #expect(loo[n] == full.logPDF(candidates)[n])
    }

    /// Each candidate lies by its parent kernel (narrow, far-apart kernels), and drawing
    /// with parents takes the same random numbers as drawing without.
    @Test func parentsAreTheKernelsDrawnFrom() {
        let centres = [0.1, 0.5, 0.9]
        let estimator = ParzenEstimator(
            transforms: Self.transforms(1), observations: [centres], obsWeights: [1, 1, 1],
            parameters: ParzenParameters(priorWeight: 0.3, considerMagicClip: false),
            neighbourGaps: [[0.002, 0.002, 0.002]], bandwidthCount: 3)
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        let (values, parents) = estimator.sampleWithParents(count: 200, rng: &a)
        #expect(values == estimator.sample(count: 200, rng: &b))
        #expect(Set(parents).isSubset(of: [0, 1, 2, 3]) && Set(parents).count == 4)
        for (x, k) in zip(values[0], parents) where k < 3 {
            #expect(abs(x - centres[k]) < 0.02, "\(x) drawn from kernel \(k)")
        }
    }

    /// Samples of a seeded study of `dimensions` parameters on a sum of squares.
    private static func samples(_ sampler: TPESampler, dimensions: Int) throws -> [[Double]] {
        let study = try Study.create(sampler: sampler)
        var out: [[Double]] = []
        try study.optimize(trials: 25, callbacks: [{ _, t in out.append(t.params.keys.sorted().map { t.params[$0]! }) }]) { trial in
            try (0..<dimensions).map { try trial.suggestFloat("x\($0)", in: 0...1) }.reduce(0) { $0 + ($1 - 0.3) * ($1 - 0.3) }
        }
        return out
    }

    @Test func onlyFromItsDimensionOn() throws {
        let plain = { TPESampler(seed: 8, leaveOneOutDimensions: nil) }
        #expect(try Self.samples(TPESampler(seed: 8), dimensions: 3) == Self.samples(plain(), dimensions: 3))
        #expect(try Self.samples(TPESampler(seed: 8), dimensions: 4) != Self.samples(plain(), dimensions: 4))
        #expect(try Self.samples(TPESampler(seed: 8, leaveOneOutDimensions: 3), dimensions: 3)
                != Self.samples(plain(), dimensions: 3))
        #expect(TPESampler.optunaCompatible().leaveOneOutDimensions == nil)
    }

    @Test func configOption() throws {
        #expect(try tpeSamplerFromConfig("").leaveOneOutDimensions == TPESampler.defaultLeaveOneOutDimensions)
        #expect(try tpeSamplerFromConfig(#", "leave_one_out_dimensions": 0"#).leaveOneOutDimensions == nil)
        #expect(try tpeSamplerFromConfig(#", "leave_one_out_dimensions": 2"#).leaveOneOutDimensions == 2)
        #expect(throws: ConfigError.self) { try tpeSamplerFromConfig(#", "leave_one_out_dimensions": -1"#) }
    }
}
