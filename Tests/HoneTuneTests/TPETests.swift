import Foundation
import HoneCore
import Testing
@testable import HoneTune

@Suite struct TPETests {
    @Test(arguments: [true, false])
    func returnsOnlyValidValues(multivariate: Bool) {
        let study = MiniStudy()
        let sampler = TPESampler(seed: 1, multivariate: multivariate)
        study.optimize(sampler, params: TestFunctions.mixedParams, n: 40, objective: TestFunctions.mixed)
        for t in study.all {
            for (name, d) in TestFunctions.mixedParams {
                #expect(TestFunctions.isValid(t.params[name]!, d), "\(name) = \(t.params[name]!)")
            }
        }
        // The model-based trials improve on the random startup.
        let startup = study.all.prefix(10).map { $0.values![0] }.min()!
        #expect(study.bestValue < startup)
    }

    @Test(arguments: [true, false])
    func seededRunsRepeatExactly(multivariate: Bool) {
        func run() -> [[String: Double]] {
            let study = MiniStudy()
            study.optimize(TPESampler(seed: 7, multivariate: multivariate), params: TestFunctions.mixedParams, n: 25,
                           objective: TestFunctions.mixed)
            return study.all.map(\.params)
        }
        #expect(run() == run())
    }

    @Test func beatsRandomOnBranin() {
        var tpe: [Double] = [], random: [Double] = []
        for seed in 0..<5 {
            let a = MiniStudy()
            a.optimize(TPESampler(seed: UInt64(seed)), params: TestFunctions.braninParams, n: 60, objective: TestFunctions.branin)
            tpe.append(a.bestValue - TestFunctions.braninMin)
            let b = MiniStudy()
            b.optimize(UniformTestSampler(seed: UInt64(seed)), params: TestFunctions.braninParams, n: 60, objective: TestFunctions.branin)
            random.append(b.bestValue - TestFunctions.braninMin)
        }
        #expect(TestFunctions.median(tpe) < 0.5 * TestFunctions.median(random), "tpe \(tpe) random \(random)")
    }

    @Test func conditionalParametersUseOnlyTrialsThatHaveThem() {
        // "model" picks which of two parameters exists; the good region is model 1, b near 0.8.
        let model = ParameterDistribution.categorical([.int(0), .int(1)])
        let a = ParameterDistribution.float(low: 0, high: 1, log: false, step: nil)
        let b = ParameterDistribution.int(low: 0, high: 100, log: false, step: 5)
        for multivariate in [true, false] {
            let study = MiniStudy()
            let sampler = TPESampler(seed: 3, multivariate: multivariate)
            for _ in 0..<60 {
                study.run(sampler, space: { p in
                    if p["model"] == nil { return ("model", model) }
                    if p["model"] == 0 { return p["a"] == nil ? ("a", a) : nil }
                    return p["b"] == nil ? ("b", b) : nil
                }, objective: { p in
                    p["model"] == 0 ? [0.5 + p["a"]!] : [abs(p["b"]! - 80) / 100]
                })
            }
            for t in study.all {
                #expect(t.params.count == 2)
                if let v = t.params["a"] { #expect(TestFunctions.isValid(v, a)) }
                if let v = t.params["b"] { #expect(TestFunctions.isValid(v, b)) }
            }
            #expect(study.bestValue < 0.05)
            // Later trials concentrate on the better branch.
            let late = study.all.suffix(20).filter { $0.params["model"] == 1 }.count
            #expect(late >= 12)
        }
    }

    @Test func parzenEstimatorIsANormalizedDensity() {
        var rng = SeededGenerator(seed: 2)
        let cont = ParamTransform(name: "x", distribution: .float(low: 1e-3, high: 10, log: true, step: nil))
        let obs = (0..<15).map { _ in exp(log(1e-3) + rng.nextDouble() * log(1e4)) }
        let pe = ParzenEstimator(transforms: [cont], observations: [obs], obsWeights: TPESampler.defaultWeights(15),
                                 parameters: ParzenParameters())
        // ∫ over the unit (log) scale: density values are per unit of normalized coordinate.
        let grid = (0..<4000).map { (Double($0) + 0.5) / 4000 }
        let lp = pe.logPDF([grid.map { cont.denormalize($0) }])
        let integral = lp.reduce(0) { $0 + exp($1) } / 4000
        #expect(abs(integral - 1) < 1e-3, "integral \(integral)")

        let disc = ParamTransform(name: "k", distribution: .int(low: 1, high: 9, log: false, step: 2))
        let pd = ParzenEstimator(transforms: [disc], observations: [[3, 3, 7]], obsWeights: [1, 1, 1],
                                 parameters: ParzenParameters())
        let mass = pd.logPDF([[1, 3, 5, 7, 9]]).reduce(0) { $0 + exp($1) }
        #expect(abs(mass - 1) < 1e-9)

        let cat = ParamTransform(name: "c", distribution: .categorical([.int(0), .int(1), .int(2)]))
        let pc = ParzenEstimator(transforms: [cat], observations: [[0, 0, 2]], obsWeights: [1, 1, 1],
                                 parameters: ParzenParameters())
        let probs = pc.logPDF([[0, 1, 2]]).map { exp($0) }
        #expect(abs(probs.reduce(0, +) - 1) < 1e-12)
        #expect(probs[0] > probs[2] && probs[2] > probs[1])
    }

    @Test func splitFollowsOptunaRules() {
        func trial(_ n: Int, _ v: Double?, _ state: TrialState = .complete, steps: [Int: Double] = [:]) -> FrozenTrial {
            FrozenTrial(number: n, state: state, values: v.map { [$0] }, intermediateValues: steps)
        }
        let trials = (0..<20).map { trial($0, Double(($0 * 7) % 20)) } + [
            trial(20, nil, .pruned, steps: [3: 0.5]), trial(21, nil, .pruned, steps: [5: 9.0]),
        ]
        // n = 22 → γ = ⌈2.2⌉ = 3: the three best complete trials (values 0, 1, 2).
        let (below, above) = TPESampler.splitTrials(trials, directions: [.minimize], gamma: TPESampler.optunaGamma)
        #expect(below.map(\.number) == [0, 3, 6])
        #expect(above.count == 19)
        // Maximizing flips the order; a γ that exceeds the complete trials takes the
        // pruned trial that got furthest first.
        let (b2, _) = TPESampler.splitTrials(trials, directions: [.maximize], gamma: { _ in 21 })
        #expect(b2.contains { $0.number == 21 } && !b2.contains { $0.number == 20 })
        let (b3, _) = TPESampler.splitTrials(Array(trials.prefix(2)), directions: [.maximize], gamma: { _ in 1 })
        #expect(b3.map(\.number) == [1])
        // The table-based split agrees with the reference one.
        let table = TrialTable(directions: [.minimize])
        table.update(trials)
        let mask = TPESampler.belowMask(table, directions: [.minimize], gamma: TPESampler.optunaGamma)
        let fromMask = (0..<table.count).filter { mask[$0] }.map { table.numbers[$0] }.sorted()
        #expect(fromMask == below.map(\.number))
    }

    @Test func multiObjectiveSplitKeepsTheParetoFront() {
        // Points on a front (i, 10 − i) plus dominated ones (i + 5, 15 − i).
        var trials: [FrozenTrial] = []
        for i in 0..<10 { trials.append(FrozenTrial(number: i, state: .complete, values: [Double(i), Double(10 - i)])) }
        for i in 0..<10 { trials.append(FrozenTrial(number: 10 + i, state: .complete, values: [Double(i + 5), Double(15 - i)])) }
        let (below, _) = TPESampler.splitTrials(trials, directions: [.minimize, .minimize], gamma: { _ in 4 })
        #expect(below.count == 4)
        #expect(below.allSatisfy { $0.number < 10 })
        // Greedy hypervolume selection: the first pick is the point with the largest box
        // to the reference (9.9, 11), i.e. (4, 6) or (5, 5).
        #expect(below.contains { $0.number == 4 || $0.number == 5 })

        let study = MiniStudy(directions: [.minimize, .maximize])
        let sampler = TPESampler(seed: 4)
        study.optimize(sampler, params: TestFunctions.braninParams, n: 30) { p in
            [TestFunctions.branin(p)[0], p["x1"]!]
        }
        #expect(study.all.allSatisfy { t in TestFunctions.braninParams.allSatisfy { TestFunctions.isValid(t.params[$0.0]!, $0.1) } })
    }

    @Test func constantLiarSpreadsParallelTrials() {
        let study = MiniStudy()
        let sampler = TPESampler(seed: 9, constantLiar: true)
        study.optimize(sampler, params: TestFunctions.braninParams, n: 20, objective: TestFunctions.branin)
        // Four trials asked before any finishes: with the lie they differ.
        var pending: [FrozenTrial] = []
        for _ in 0..<4 {
            var t = FrozenTrial(number: study.all.count, state: .running)
            study.all.append(t)
            let rel = sampler.inferRelativeSearchSpace(study: study, trial: t)
            let values = sampler.sampleRelative(study: study, trial: t, searchSpace: rel)
            #expect(values.count == 2)
            for (name, d) in TestFunctions.braninParams {
                t.params[name] = values[name]
                t.distributions[name] = d
                #expect(TestFunctions.isValid(values[name]!, d))
            }
            study.all[t.number] = t
            pending.append(t)
        }
        #expect(Set(pending.map { $0.params["x1"]! }).count == 4)
    }

    @Test func defaultWeightsAndGamma() {
        #expect(TPESampler.optunaGamma(1) == 1)
        #expect(TPESampler.optunaGamma(10) == 1)
        #expect(TPESampler.optunaGamma(11) == 2)
        #expect(TPESampler.optunaGamma(1000) == 25)
        #expect((0...300).allSatisfy { TPESampler.defaultGamma($0) == TPESampler.optunaGamma($0) })
        let w = TPESampler.defaultWeights(30)
        #expect(w.count == 30)
        #expect(abs(w[0] - 1.0 / 30) < 1e-12 && w[4] == 1 && w[29] == 1)
    }
}

@Suite struct TPEStartupTests {
    @Test func latinHypercubeStartupStratifiesEveryParameter() {
        let study = MiniStudy()
        let sampler = TPESampler(seed: 5, nStartupTrials: 10, spaceFillingStartup: true)
        study.optimize(sampler, params: TestFunctions.braninParams, n: 10, objective: TestFunctions.branin)
        for (name, d) in TestFunctions.braninParams {
            let strata = Set(study.all.map { Int(d.toUnit($0.params[name]!) * 10) })
            #expect(strata.count == 10)
        }
    }

    @Test func registryBuildsConfiguredSamplers() throws {
        #expect(Set(["tpe", "gp", "genetic", "nsga2"]).isSubset(of: Set(TuneSamplers.names)))
    }
}
