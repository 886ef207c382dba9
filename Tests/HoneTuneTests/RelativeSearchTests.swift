import Foundation
import HoneCore
import Testing
@testable import HoneTune

/// The model-based samplers' shared reading of the study keeps finished trials instead of
/// reading the whole study every trial; it must see exactly what a full read sees, also
/// when trials finish out of order (parallel workers) and the joint space changes.
@Suite struct RelativeSearchTests {
    /// What a full read gives: the complete trials with values, oldest first, that have
    /// every named parameter.
    private static func plain(_ study: MiniStudy, _ names: [String]) -> [Int] {
        study.trials(states: [.complete])
            .filter { t in t.values != nil && names.allSatisfy { t.params[$0] != nil } }
            .map(\.number)
    }

    @Test func incrementalReadMatchesAFullRead() {
        var rng = SeededGenerator(seed: 21)
        let a = ParameterDistribution.float(low: 0, high: 1, log: false, step: nil)
        let b = ParameterDistribution.int(low: 0, high: 9, log: false, step: 1)
        for round in 0..<20 {
            let study = MiniStudy()
            let search = RelativeSearch(seed: UInt64(round))
            var running: [Int] = []
            for number in 0..<120 {
                // Finish some running trials, in random order, in one of the final states.
                running.shuffle(using: &rng)
                while let r = running.last, rng.nextDouble() < 0.5 {
                    running.removeLast()
                    let u = rng.nextDouble()
                    study.all[r].state = u < 0.7 ? .complete : (u < 0.85 ? .pruned : .failed)
                    if study.all[r].state == .complete { study.all[r].values = [rng.nextDouble()] }
                }
                // The new trial: some have only "a" (a conditional "b").
                var t = FrozenTrial(number: number, state: .running)
                t.params["a"] = rng.nextDouble()
                t.distributions["a"] = a
                if rng.nextDouble() < 0.8 {
                    t.params["b"] = Double(rng.nextInt(below: 10))
                    t.distributions["b"] = b
                }
                study.all.append(t)
                // Alternate the joint space asked for, as a conditional search would.
                let space: [String: ParameterDistribution] = number % 3 == 0 ? ["a": a] : ["a": a, "b": b]
                let layout = search.layout(study: study, trial: t, space: space)
                let names = space.keys.sorted()
                #expect(layout?.trials.map(\.number) == Self.plain(study, names), "round \(round) trial \(number)")
                #expect(layout?.names == names)
                running.append(number)
            }
        }
    }

    @Test func searchSpaceIsTheIntersectionOfCompleteTrials() {
        let study = MiniStudy()
        let search = RelativeSearch(seed: 1)
        let a = ParameterDistribution.float(low: 0, high: 1, log: false, step: nil)
        let b = ParameterDistribution.float(low: 0, high: 2, log: false, step: nil)
        func add(_ params: [String: ParameterDistribution], _ state: TrialState) {
            var t = FrozenTrial(number: study.all.count, state: state, values: state == .complete ? [0] : nil)
            for (name, d) in params { t.params[name] = 0.5; t.distributions[name] = d }
            study.all.append(t)
        }
        add(["a": a, "b": b], .complete)
        add(["a": a], .running)
        add(["a": a, "b": b], .complete)
        #expect(search.searchSpace(study: study, trial: study.all[1]).keys.sorted() == ["a", "b"])
        // Trial 1 completes without "b": the intersection loses it.
        study.all[1].state = .complete
        study.all[1].values = [1]
        add([:], .running)
        #expect(search.searchSpace(study: study, trial: study.all[3]).keys.sorted() == ["a"])
    }
}
