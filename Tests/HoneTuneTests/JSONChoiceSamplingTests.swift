import Foundation
import Testing
@testable import HoneTune

/// Samplers see a categorical of lists by index like any other categorical: every
/// suggestion is one of the lists exactly, and the model-based samplers learn which is best.
@Suite struct JSONChoiceSamplingTests {
    static let hidden = ParameterDistribution.categorical([.json("[64]"), .json("[128,64]"), .json("[256,128,64]")])
    static let cost: [ParameterValue: Double] = [.json("[64]"): 1, .json("[128,64]"): 0, .json("[256,128,64]"): 2]

    static let samplers: [(String, @Sendable () -> Sampler)] = [
        ("random", { RandomSampler(seed: 5) }), ("tpe", { TPESampler(seed: 5) }), ("gp", { GPSampler(seed: 5) }),
    ]

    @Test(arguments: ["random", "tpe", "gp"])
    func aCategoricalOfListsIsSampledByIndex(sampler name: String) throws {
        let sampler = Self.samplers.first { $0.0 == name }!.1()
        let study = try Study.create(sampler: sampler)
        var chosen: [ParameterValue] = []
        try study.optimize(trials: 25) { trial in
            let value = Self.hidden.value(fromInternal: try trial.suggest("hidden", Self.hidden))
            let rate = try trial.suggestFloat("rate", in: 0...1)
            chosen.append(value)
            return try #require(Self.cost[value]) + (rate - 0.3) * (rate - 0.3)
        }
        #expect(chosen.allSatisfy { Self.cost[$0] != nil })
        #expect(try study.bestParams["hidden"] == .json("[128,64]"))
        if name != "random" {
            // After the startup trials the model picks the cheapest list most often.
            let late = chosen.suffix(10)
            let best = late.filter { $0 == .json("[128,64]") }.count
            #expect(best > late.count / 2, "\(late)")
        }
    }
}
