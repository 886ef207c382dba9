import Foundation
import HoneCore
import Testing
@testable import HoneTune

@Suite struct TPERankWeightingTests {
    private static func complete(_ number: Int, _ value: Double) -> FrozenTrial {
        var t = FrozenTrial(number: number, state: .complete)
        t.values = [value]
        t.params = ["x": Double(number)]
        t.distributions = ["x": .float(low: 0, high: 10, log: false, step: nil)]
        return t
    }

    @Test(arguments: [StudyDirection.minimize, .maximize])
    func rankWeightsFollowTheObjective(direction: StudyDirection) {
        let table = TrialTable(directions: [direction])
        var pruned = FrozenTrial(number: 4, state: .pruned)
        pruned.intermediateValues = [3: 0.5]
        table.update([Self.complete(0, 3), Self.complete(1, 1), Self.complete(2, 2), Self.complete(3, 1), pruned])
        let weights = TPESampler.rankWeights(table, rows: [0, 1, 2, 3, 4])
        // Minimizing: 1 (trial 1, the earlier of the tie), 1 (trial 3), 2, 3; pruned last.
        let expected: [Double] = direction == .minimize ? [2, 5, 3, 4, 1] : [5, 3, 4, 2, 1]
        #expect(weights == expected.map { $0 / 5 })
        // A subset of rows ranks among itself.
        #expect(TPESampler.rankWeights(table, rows: [2, 0]) == (direction == .minimize ? [1, 0.5] : [0.5, 1]))
    }

    /// Draws of one sampler from a fixed 1-D history of (x − 0.31)² (40 trials on a grid
    /// of step 0.025, so no two trials tie), each draw for a new trial.
    private static func draws(_ sampler: TPESampler, count: Int) -> [Double] {
        let study = MiniStudy()
        let distribution = ParameterDistribution.float(low: 0, high: 1, log: false, step: nil)
        for j in 0..<40 {
            var t = FrozenTrial(number: j, state: .complete)
            let x = (Double(j) + 0.5) / 40
            t.params = ["x": x]
            t.distributions = ["x": distribution]
            t.values = [(x - 0.31) * (x - 0.31)]
            study.all.append(t)
        }
        return (0..<count).map { k in
            let trial = FrozenTrial(number: 40 + k, state: .running)
            let space = sampler.inferRelativeSearchSpace(study: study, trial: trial)
            return sampler.sampleRelative(study: study, trial: trial, searchSpace: space)["x"]!
        }
    }

    @Test func drawsConcentrateNearTheGoodTrialsAndMoreSoWithRankWeights() {
        let weighted = Self.draws(TPESampler(seed: 21), count: 400)
        let unweighted = Self.draws(TPESampler(seed: 21, rankWeightedGoodGroup: false), count: 400)
        func near(_ xs: [Double]) -> Double { Double(xs.filter { abs($0 - 0.31) < 0.1 }.count) / Double(xs.count) }
        func meanDistance(_ xs: [Double]) -> Double { xs.map { abs($0 - 0.31) }.reduce(0, +) / Double(xs.count) }
        // Uniform draws would land within 0.1 of the optimum 20% of the time.
        #expect(near(weighted) > 0.8, "\(near(weighted))")
        #expect(near(unweighted) > 0.6, "\(near(unweighted))")
        #expect(meanDistance(weighted) < 0.75 * meanDistance(unweighted),
                "\(meanDistance(weighted)) vs \(meanDistance(unweighted))")
    }

    @Test func optunaCompatibleKeepsOptunasSettings() {
        let optuna = TPESampler.optunaCompatible(seed: 1)
        #expect(optuna.nStartupTrials == 10 && optuna.nEICandidates == 24)
        #expect(optuna.maxAboveKernels == nil && !optuna.rankWeightedGoodGroup)
        #expect(optuna.bandwidthFactor == 1 && optuna.bandwidthFloor == nil && optuna.candidatesPerDimension == 0)
        #expect(!optuna.constantLiar && TPESampler(seed: 1).constantLiar)
        let hone = TPESampler(seed: 1)
        #expect(hone.nStartupTrials == TPESampler.defaultStartupTrials && hone.nEICandidates == TPESampler.defaultEICandidates)
        #expect(hone.rankWeightedGoodGroup && hone.maxAboveKernels == 100)
        // The same settings spelled out sample the same sequence.
        let spelled = TPESampler(seed: 1, nStartupTrials: 10, nEICandidates: 24, priorWeight: 1, constantLiar: false,
                                 maxAboveKernels: nil,
                                 rankWeightedGoodGroup: false, bandwidthFactor: 1, bandwidthFloor: nil,
                                 candidatesPerDimension: 0, gamma: { TPESampler.optunaGamma($0) })
        #expect(Self.draws(optuna, count: 50) == Self.draws(spelled, count: 50))
    }

    @Test func registryOptionTurnsRankWeightingOff() throws {
        let a = try tpeSamplerFromConfig("")
        let b = try tpeSamplerFromConfig(#", "rank_weighted_good_group": false"#)
        #expect(a.rankWeightedGoodGroup && !b.rankWeightedGoodGroup)
        let on = MiniStudy(), off = MiniStudy()
        on.optimize(a, params: TestFunctions.braninParams, n: 30, objective: TestFunctions.branin)
        off.optimize(b, params: TestFunctions.braninParams, n: 30, objective: TestFunctions.branin)
        let startup = TPESampler.defaultStartupTrials
        #expect(on.all.prefix(startup).map(\.params) == off.all.prefix(startup).map(\.params))
        #expect(on.all.map(\.params) != off.all.map(\.params))
    }
}
