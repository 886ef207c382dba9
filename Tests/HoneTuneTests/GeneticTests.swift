import Foundation
import HoneCore
import Testing
@testable import HoneTune

@Suite struct GeneticTests {
    @Test func nondominatedSortAndCrowdingOnAHandCheckedSet() {
        // Minimizing both: A(1,5) B(2,3) C(4,1) are the front; D(3,4) is dominated by B;
        // E(5,5) by everything else except … D (3,4) also dominates E; F(2,3) duplicates B.
        let pts: [[Double]] = [[1, 5], [2, 3], [4, 1], [3, 4], [5, 5], [2, 3]]
        #expect(Pareto.nondominatedRanks(pts) == [0, 0, 0, 1, 2, 0])
        // Crowding within the front A, B, C: extremes are infinite; B gets
        // (4 − 1)/(4 − 1) + (5 − 1)/(5 − 1) = 2.
        let cd = Pareto.crowdingDistances([[1, 5], [2, 3], [4, 1]])
        #expect(cd[0] == .infinity && cd[2] == .infinity)
        #expect(abs(cd[1] - 2) < 1e-12)
        // A four-point front: interior points get the normalized side lengths of their box.
        let cd4 = Pareto.crowdingDistances([[0, 10], [1, 6], [4, 2], [10, 0]])
        #expect(abs(cd4[1] - (4.0 / 10 + 8.0 / 10)) < 1e-12)
        #expect(abs(cd4[2] - (9.0 / 10 + 6.0 / 10)) < 1e-12)
        // One objective: ranks are the order of distinct values.
        #expect(Pareto.nondominatedRanks([[3], [1], [3], [2]]) == [2, 0, 2, 1])
        // NSGA-II survival keeps the front, then the least crowded of the next front.
        let kept = GeneticSampler.survive(Array(0..<6), objectives: pts, k: 4)
        #expect(Set(kept) == [0, 1, 2, 5])
        // 2-D hypervolume: boxes up to (6, 6) of A, B, C: 5·1 + 4·2 + 2·2 = 17.
        #expect(abs(Pareto.hypervolume2D([[1, 5], [2, 3], [4, 1]], reference: [6, 6]) - 17) < 1e-12)
    }

    @Test func returnsOnlyValidValuesAndRepeats() {
        func run() -> [[String: Double]] {
            let study = MiniStudy()
            study.optimize(GeneticSampler(seed: 5, populationSize: 10), params: TestFunctions.mixedParams, n: 60,
                           objective: TestFunctions.mixed)
            for t in study.all {
                for (name, d) in TestFunctions.mixedParams {
                    #expect(TestFunctions.isValid(t.params[name]!, d), "\(name) = \(t.params[name]!)")
                }
            }
            return study.all.map(\.params)
        }
        #expect(run() == run())
    }

    @Test(arguments: [true, false])
    func improvesOverGenerations(steadyState: Bool) {
        // Mean objective of each generation of 20 on a 4-D sphere drops generation by generation.
        let params = (0..<4).map { ("x\($0)", ParameterDistribution.float(low: -5, high: 5, log: false, step: nil)) }
        var firstMeans: [Double] = [], lastMeans: [Double] = []
        for seed in 0..<3 {
            let study = MiniStudy()
            study.optimize(GeneticSampler(seed: UInt64(seed), populationSize: 20, steadyState: steadyState), params: params, n: 200) { p in
                [(0..<4).reduce(0) { $0 + pow(p["x\($1)"]! - 1, 2) }]
            }
            let values = study.all.map { $0.values![0] }
            firstMeans.append(values[0..<20].reduce(0, +) / 20)
            lastMeans.append(values[180..<200].reduce(0, +) / 20)
            let bestFirst = values[0..<20].min()!, bestLast = values.min()!
            #expect(bestLast < 0.25 * bestFirst)
        }
        for (a, b) in zip(firstMeans, lastMeans) { #expect(b < 0.2 * a, "first \(a) last \(b)") }
    }

    @Test func multiObjectiveFrontAdvances() {
        // ZDT1-like, 3-D: the front improves from the random generation to the last.
        let params = (0..<3).map { ("x\($0)", ParameterDistribution.float(low: 0, high: 1, log: false, step: nil)) }
        let study = MiniStudy(directions: [.minimize, .minimize])
        study.optimize(GeneticSampler(seed: 1, populationSize: 20), params: params, n: 200) { p in
            let f1 = p["x0"]!
            let g = 1 + 9 * (p["x1"]! + p["x2"]!) / 2
            return [f1, g * (1 - (f1 / g).squareRoot())]
        }
        let ref = [1.1, 11.0]
        let first = Pareto.hypervolume2D(study.all.prefix(20).map { $0.values! }, reference: ref)
        let all = Pareto.hypervolume2D(study.all.map { $0.values! }, reference: ref)
        #expect(all > first * 1.05)
    }
}

@Suite struct GeneticCmaEsTests {
    @Test func eigenDecompositionReconstructsTheMatrix() {
        let a: [Double] = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]
        let (b, d) = CMAState.eigen(a, 3)
        for i in 0..<3 {
            for j in 0..<3 {
                var s = 0.0
                for k in 0..<3 { s += b[i * 3 + k] * d[k] * d[k] * b[j * 3 + k] }
                #expect(abs(s - a[i * 3 + j]) < 1e-10)
            }
        }
    }

    @Test func returnsOnlyValidValuesRepeatsAndBeatsRandom() {
        func run(_ seed: UInt64) -> MiniStudy {
            let study = MiniStudy()
            study.optimize(CmaEsSampler(seed: seed), params: TestFunctions.mixedParams, n: 40, objective: TestFunctions.mixed)
            return study
        }
        let a = run(3), b = run(3)
        #expect(a.all.map(\.params) == b.all.map(\.params))
        for t in a.all {
            for (name, d) in TestFunctions.mixedParams { #expect(TestFunctions.isValid(t.params[name]!, d)) }
        }
        // A 5-D sphere: CMA-ES ends far below random search with the same budget.
        let params = (0..<5).map { ("x\($0)", ParameterDistribution.float(low: -5, high: 5, log: false, step: nil)) }
        let sphere: ([String: Double]) -> [Double] = { p in [(0..<5).reduce(0) { $0 + pow(p["x\($1)"]! - 1, 2) }] }
        var cma: [Double] = [], random: [Double] = []
        for seed in 0..<3 {
            let s1 = MiniStudy()
            s1.optimize(CmaEsSampler(seed: UInt64(seed)), params: params, n: 150, objective: sphere)
            cma.append(s1.bestValue)
            let s2 = MiniStudy()
            s2.optimize(UniformTestSampler(seed: UInt64(seed)), params: params, n: 150, objective: sphere)
            random.append(s2.bestValue)
        }
        #expect(TestFunctions.median(cma) < 0.1 * TestFunctions.median(random), "cma \(cma) random \(random)")
    }
}
