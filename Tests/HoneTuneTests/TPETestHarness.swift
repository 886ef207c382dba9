import Foundation
import HoneCore
@testable import HoneTune

// A tiny in-test study shared by the sampler tests (TPE, GP, genetic, importance):
// asks a sampler for parameters in define-by-run order, evaluates, stores FrozenTrials.

final class MiniStudy: StudyView {
    let directions: [StudyDirection]
    var all: [FrozenTrial] = []

    init(directions: [StudyDirection] = [.minimize]) { self.directions = directions }

    func trials(states: Set<TrialState>?) -> [FrozenTrial] {
        guard let states else { return all }
        return all.filter { states.contains($0.state) }
    }

    /// Runs one trial: `space(params so far)` gives the next parameter to ask (nil when
    /// done), so conditional spaces can be expressed; `objective` maps params to values.
    @discardableResult
    func run(
        _ sampler: Sampler,
        space: ([String: Double]) -> (String, ParameterDistribution)?,
        objective: ([String: Double]) -> [Double]
    ) -> FrozenTrial {
        var trial = FrozenTrial(number: all.count, state: .running)
        all.append(trial)
        let rel = sampler.inferRelativeSearchSpace(study: self, trial: trial)
        let relValues = rel.isEmpty ? [:] : sampler.sampleRelative(study: self, trial: trial, searchSpace: rel)
        while let (name, dist) = space(trial.params) {
            let v: Double
            if let r = relValues[name], rel[name] == dist {
                v = r
            } else {
                v = sampler.sampleIndependent(study: self, trial: trial, name: name, distribution: dist)
            }
            trial.params[name] = v
            trial.distributions[name] = dist
            all[trial.number] = trial
        }
        let values = objective(trial.params)
        sampler.afterTrial(study: self, trial: trial, state: .complete, values: values)
        trial.state = .complete
        trial.values = values
        all[trial.number] = trial
        return trial
    }

    /// Runs `n` trials over a fixed list of parameters.
    func optimize(
        _ sampler: Sampler, params: [(String, ParameterDistribution)], n: Int,
        objective: @escaping ([String: Double]) -> [Double]
    ) {
        for _ in 0..<n {
            run(sampler, space: { p in params.first { p[$0.0] == nil } }, objective: objective)
        }
    }

    var bestValue: Double { all.compactMap { $0.values?.first }.min() ?? .infinity }
}

/// Uniform baseline sampler for comparisons.
final class UniformTestSampler: Sampler {
    var rng: SeededGenerator
    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }
    func sampleIndependent(study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution) -> Double {
        distribution.fromUnit(rng.nextDouble())
    }
}

enum TestFunctions {
    static let braninParams: [(String, ParameterDistribution)] = [
        ("x1", .float(low: -5, high: 10, log: false, step: nil)),
        ("x2", .float(low: 0, high: 15, log: false, step: nil)),
    ]
    static let braninMin = 0.397887

    static func branin(_ p: [String: Double]) -> [Double] {
        let x1 = p["x1"]!, x2 = p["x2"]!
        let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
        let u = x2 - b * x1 * x1 + c * x1 - 6
        return [u * u + 10 * (1 - t) * cos(x1) + 10]
    }

    /// A mixed space: log float, stepped float, int, log int, categorical.
    static let mixedParams: [(String, ParameterDistribution)] = [
        ("lr", .float(low: 1e-5, high: 1e-1, log: true, step: nil)),
        ("drop", .float(low: 0, high: 0.5, log: false, step: 0.1)),
        ("layers", .int(low: 1, high: 8, log: false, step: 1)),
        ("units", .int(low: 16, high: 512, log: true, step: 1)),
        ("even", .int(low: 2, high: 20, log: false, step: 2)),
        ("act", .categorical([.string("relu"), .string("tanh"), .string("gelu")])),
    ]

    static func mixed(_ p: [String: Double]) -> [Double] {
        let lr = log10(p["lr"]!) + 3
        let act = p["act"]! == 2 ? 0.0 : 1.0
        return [lr * lr + (p["drop"]! - 0.2) * (p["drop"]! - 0.2) + abs(p["layers"]! - 3)
                + abs(log2(p["units"]!) - 7) + act + abs(p["even"]! - 8) / 4]
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }

    /// Checks every stored value is valid for its distribution (range, step, integer, category).
    static func isValid(_ v: Double, _ d: ParameterDistribution) -> Bool {
        guard d.contains(v) else { return false }
        switch d {
        case .float(let low, _, _, let step):
            if let step {
                let k = (v - low) / step
                return abs(k - k.rounded()) < 1e-9
            }
            return true
        case .int(let low, _, _, let step):
            return (Int(v) - low) % step == 0
        case .categorical:
            return true
        }
    }
}
