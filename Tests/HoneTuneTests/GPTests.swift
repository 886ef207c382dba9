import Foundation
import HoneCore
import Testing
@testable import HoneTune

@Suite struct GPTests {
    @Test func logEIMatchesDirectAndStaysFinite() {
        for z in stride(from: -6.0, through: 4.0, by: 0.25) {
            let ei = z * SamplerMath.normalCDF(z) + SamplerMath.normalPDF(z)
            #expect(abs(SamplerMath.standardLogEI(z) - log(ei)) < 1e-9 * max(1, abs(log(ei))))
        }
        // Where EI underflows, log EI stays finite and follows −z²/2 − log(z²) asymptotically.
        var previous = SamplerMath.standardLogEI(-30)
        for z in [-40.0, -60, -100, -1e3, -1e5, -1e10] {
            let v = SamplerMath.standardLogEI(z)
            #expect(v.isFinite)
            #expect(v < previous)
            previous = v
            let asymptote = -0.5 * z * z - SamplerMath.logSqrt2Pi - log(z * z)
            #expect(abs(v - asymptote) < 1e-2 * max(1, 10 / (z * z)))
        }
        // Continuity across branch boundaries.
        for z0 in [-1.0, -40.0] {
            let a = SamplerMath.standardLogEI(z0 - 1e-9), b = SamplerMath.standardLogEI(z0 + 1e-9)
            #expect(abs(a - b) < 1e-6)
        }
        // Derivative against finite differences.
        for z in [-50.0, -10, -2, -0.5, 0, 1.5, 3] {
            let h = 1e-5
            let fd = (SamplerMath.standardLogEI(z + h) - SamplerMath.standardLogEI(z - h)) / (2 * h)
            #expect(abs(SamplerMath.standardLogEIDerivative(z) - fd) < 1e-5 * max(1, abs(fd)))
        }
    }

    @Test func maternGradientMatchesFiniteDifferences() {
        for d2 in [1e-6, 0.01, 0.3, 1, 4.5, 20] {
            let h = 1e-7 * max(d2, 1e-3)
            let fd = (matern52(d2 + h).value - matern52(d2 - h).value) / (2 * h)
            #expect(abs(matern52(d2).derivative - fd) < 1e-6 * max(1, abs(fd)))
        }
        #expect(matern52(0).value == 1)
    }

    @Test func marginalLikelihoodGradientMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 3)
        let x = (0..<12).map { _ in [rng.nextDouble(), rng.nextDouble(), Double(rng.nextInt(below: 3))] }
        let y = x.map { sin(5 * $0[0]) + $0[1] * $0[1] + ($0[2] == 1 ? 0.5 : 0) }
        let gp = GaussianProcess(
            x: x, y: y, isCategorical: [false, false, true], hyper: .defaults(dimensions: 3))!
        let raw = [0.3, -0.5, 0.1, 0.2, -3.0]
        let (_, g) = gp.negativeLogPosterior(raw: raw, deterministic: false)!
        for i in raw.indices {
            var p = raw, m = raw
            p[i] += 1e-6; m[i] -= 1e-6
            let fd = (gp.negativeLogPosterior(raw: p, deterministic: false)!.0
                - gp.negativeLogPosterior(raw: m, deterministic: false)!.0) / 2e-6
            #expect(abs(g[i] - fd) < 1e-4 * max(1, abs(fd)), "component \(i): \(g[i]) vs \(fd)")
        }
    }

    @Test func maternKernelMatchesTheTextbookFormula() {
        // (1 + √5·r + 5/3·r²)·exp(−√5·r) at r² = d2, from Fixtures/gp_reference.py (its output in gp_reference.txt).
        let reference: [(Double, Double)] = [
            (0, 1), (0.01, 0.99175923617117756), (0.0625, 0.95095992167863297), (0.16, 0.88354532941287656),
            (0.25, 0.82864914241812526), (1, 0.52399410883182029), (4.5, 0.11533481683308253),
        ]
        for (d2, value) in reference { #expect(abs(matern52(d2).value - value) < 1e-14, "d2 = \(d2)") }
    }

    @Test func posteriorMatchesIndependentlyComputedValues() {
        // Two points, one dimension, θ = 1, s = 1, noise 0.01; the reference solves the 2×2
        // system from the kernel formula (Fixtures/gp_reference.py), not with this code's kernel.
        let x = [[0.0], [0.5]], y = [1.0, -1.0]
        let h = GPHyperparameters(inverseSquaredLengthscales: [1], kernelScale: 1, noiseVariance: 0.01)
        let gp = GaussianProcess(x: x, y: y, isCategorical: [false], hyper: h)!
        // The midpoint is equally close to +1 and −1: mean 0 by symmetry.
        let middle = gp.posterior([0.25])
        #expect(abs(middle.mean) < 1e-12)
        #expect(abs(middle.variance - 0.016316107542196256) < 1e-12)
        let near = gp.posterior([0.1])
        #expect(abs(near.mean - 0.59671020143616094) < 1e-12)
        #expect(abs(near.variance - 0.011368452181933275) < 1e-12)
    }

    @Test func acquisitionGradientMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 5)
        let x = (0..<15).map { _ in [rng.nextDouble(), rng.nextDouble()] }
        let y = x.map { -(($0[0] - 0.3) * ($0[0] - 0.3) + ($0[1] - 0.7) * ($0[1] - 0.7)) }
        let gp = GaussianProcess.fit(x: x, y: y, isCategorical: [false, false])
        let transforms = [ParamTransform(name: "a", distribution: .float(low: 0, high: 1, log: false, step: nil)),
                          ParamTransform(name: "b", distribution: .float(low: 0, high: 1, log: false, step: nil))]
        let opt = AcquisitionOptimizer(gp: gp, transforms: transforms, threshold: y.max()!)
        for _ in 0..<5 {
            let q = [rng.nextDouble(), rng.nextDouble()]
            let (_, g) = opt.valueAndGradient(q)
            for i in 0..<2 {
                var p = q, m = q
                p[i] += 1e-6; m[i] -= 1e-6
                let fd = (opt.value(p) - opt.value(m)) / 2e-6
                #expect(abs(g[i] - fd) < 2e-3 * max(1, abs(fd)), "\(g[i]) vs \(fd)")
            }
        }
    }
}

@Suite struct GPSamplerTests {
    @Test func returnsOnlyValidValuesAndRepeats() {
        func run() -> [[String: Double]] {
            let study = MiniStudy()
            study.optimize(GPSampler(seed: 2), params: TestFunctions.mixedParams, n: 22, objective: TestFunctions.mixed)
            for t in study.all {
                for (name, d) in TestFunctions.mixedParams {
                    #expect(TestFunctions.isValid(t.params[name]!, d), "\(name) = \(t.params[name]!)")
                }
            }
            return study.all.map(\.params)
        }
        #expect(run() == run())
    }

    @Test func beatsRandomOnBranin() {
        var gp: [Double] = [], random: [Double] = []
        for seed in 0..<3 {
            let a = MiniStudy()
            a.optimize(GPSampler(seed: UInt64(seed)), params: TestFunctions.braninParams, n: 60, objective: TestFunctions.branin)
            gp.append(a.bestValue - TestFunctions.braninMin)
            let b = MiniStudy()
            b.optimize(UniformTestSampler(seed: UInt64(seed)), params: TestFunctions.braninParams, n: 60, objective: TestFunctions.branin)
            random.append(b.bestValue - TestFunctions.braninMin)
        }
        #expect(TestFunctions.median(gp) < 0.1 * TestFunctions.median(random), "gp \(gp) random \(random)")
    }

    @Test func maximizeAndMultiObjectiveWork() {
        let study = MiniStudy(directions: [.maximize])
        study.optimize(GPSampler(seed: 1), params: TestFunctions.braninParams, n: 25) { p in
            [-TestFunctions.branin(p)[0]]
        }
        #expect(-study.all.compactMap { $0.values?.first }.max()! - TestFunctions.braninMin < 1.0)
        let mo = MiniStudy(directions: [.minimize, .minimize])
        mo.optimize(GPSampler(seed: 1), params: TestFunctions.braninParams, n: 20) { p in
            [TestFunctions.branin(p)[0], abs(p["x1"]!)]
        }
        #expect(mo.all.count == 20)
    }

    /// Four trials asked while none finishes, as parallel workers would: with the kriging
    /// believer each is pushed away from the ones already running; without it they pile
    /// up on the same maximum of EI.
    @Test func runningTrialsSpreadTheNextProposals() {
        func pendingPoints(believer: Bool) -> [[Double]] {
            let study = MiniStudy()
            let sampler = GPSampler(seed: 5)
            sampler.krigingBeliever = believer
            study.optimize(sampler, params: TestFunctions.braninParams, n: 15, objective: TestFunctions.branin)
            var points: [[Double]] = []
            for _ in 0..<4 {
                var t = FrozenTrial(number: study.all.count, state: .running)
                study.all.append(t)
                let rel = sampler.inferRelativeSearchSpace(study: study, trial: t)
                let values = sampler.sampleRelative(study: study, trial: t, searchSpace: rel)
                for (name, d) in TestFunctions.braninParams {
                    t.params[name] = values[name]
                    t.distributions[name] = d
                    #expect(values[name].map { TestFunctions.isValid($0, d) } == true)
                }
                study.all[t.number] = t
                // Normalized to the unit square: x1 ∈ [−5, 10], x2 ∈ [0, 15].
                points.append([(values["x1"]! + 5) / 15, values["x2"]! / 15])
            }
            return points
        }
        func closestPair(_ p: [[Double]]) -> Double {
            var best = Double.infinity
            for i in p.indices { for j in p.indices where j > i {
                best = min(best, ((p[i][0] - p[j][0]) * (p[i][0] - p[j][0]) + (p[i][1] - p[j][1]) * (p[i][1] - p[j][1])).squareRoot())
            } }
            return best
        }
        let spread = closestPair(pendingPoints(believer: true))
        let piled = closestPair(pendingPoints(believer: false))
        // Measured: 0.016 of the range with the believer, 1.5e-6 without.
        #expect(spread > 0.01, "\(spread) vs \(piled)")
        #expect(piled < 0.01 * spread, "\(piled) vs \(spread)")
    }

    @Test func configTurnsTheBelieverOff() throws {
        func sampler(_ options: String) throws -> GPSampler { try samplerFromConfig("gp", options) }
        #expect(try sampler("").krigingBeliever)
        #expect(try !sampler(#", "kriging_believer": false"#).krigingBeliever)
        #expect(throws: ConfigError.self) { try sampler(#", "kriging_believer": 3"#) }
    }
}
