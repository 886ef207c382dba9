import Foundation
import HoneCore
import Testing
@testable import HoneTune

// TPE reads only the trials it has not seen on each call. These tests compare that path
// with a reference that hands the sampler every trial on every call (what TPE did before
// it read incrementally): the sampled sequences must be identical.

/// A study driven by a fixed script: some trials stay running while later ones start (as
/// with parallel workers) and finish out of order, some are pruned, some fail.
private final class ScriptedStudy: StudyView {
    let directions: [StudyDirection] = [.minimize]
    /// Answer `trials(states:fromNumber:)` with every trial, ignoring `fromNumber`.
    let readsEverything: Bool
    var all: [FrozenTrial] = []
    /// How many times the sampler asked for trials, and how many trials it was handed.
    private(set) var handedOut = 0

    init(readsEverything: Bool) { self.readsEverything = readsEverything }

    func trials(states: Set<TrialState>?) -> [FrozenTrial] {
        let selected = states.map { s in all.filter { s.contains($0.state) } } ?? all
        handedOut += selected.count
        return selected
    }

    func trials(states: Set<TrialState>?, fromNumber: Int) -> [FrozenTrial] {
        if readsEverything { return trials(states: states) }
        let tail = all[min(max(fromNumber, 0), all.count)...]
        let selected = states.map { s in tail.filter { s.contains($0.state) } } ?? Array(tail)
        handedOut += selected.count
        return selected
    }

    /// Runs `count` trials of `objective` over `params`; returns every trial's parameters.
    func run(_ sampler: Sampler, params: [(String, ParameterDistribution)], count: Int,
             objective: ([String: Double]) -> Double) -> [[String: Double]] {
        var delayed: [(due: Int, number: Int)] = []
        for number in 0..<count {
            var trial = FrozenTrial(number: number, state: .running)
            all.append(trial)
            let space = sampler.inferRelativeSearchSpace(study: self, trial: trial)
            let relative = space.isEmpty ? [:] : sampler.sampleRelative(study: self, trial: trial, searchSpace: space)
            for (name, distribution) in params {
                let value = space[name] == distribution ? relative[name] : nil
                trial.params[name] = value
                    ?? sampler.sampleIndependent(study: self, trial: trial, name: name, distribution: distribution)
                trial.distributions[name] = distribution
            }
            all[number] = trial
            // Every seventh trial finishes five trials later, behind newer ones.
            if number % 7 == 3 { delayed.append((number + 5, number)) } else { finish(number, objective) }
            for d in delayed where d.due == number { finish(d.number, objective) }
            delayed.removeAll { $0.due == number }
        }
        for d in delayed { finish(d.number, objective) }
        return all.map(\.params)
    }

    private func finish(_ number: Int, _ objective: ([String: Double]) -> Double) {
        var trial = all[number]
        let value = objective(trial.params)
        switch number % 11 {
        case 5:
            trial.state = .pruned
            trial.intermediateValues = [1: value + 1]
        case 9:
            trial.state = .failed
        default:
            trial.state = .complete
            trial.values = [value]
        }
        all[number] = trial
    }
}

@Suite struct TPEIncrementalTests {
    static let samplers: [(String, (UInt64) -> TPESampler)] = [
        ("default", { TPESampler(seed: $0) }),
        ("optuna", { TPESampler.optunaCompatible(seed: $0) }),
        ("independent", { TPESampler(seed: $0, multivariate: false) }),
        ("constant liar, few kernels", { TPESampler(seed: $0, constantLiar: true, maxAboveKernels: 20) }),
    ]

    @Test(arguments: 0..<4)
    func readingOnlyNewTrialsSamplesTheSameSequence(sampler index: Int) {
        let (name, make) = Self.samplers[index]
        let incremental = ScriptedStudy(readsEverything: false)
        let reference = ScriptedStudy(readsEverything: true)
        let a = incremental.run(make(11), params: TestFunctions.mixedParams, count: 90) { TestFunctions.mixed($0)[0] }
        let b = reference.run(make(11), params: TestFunctions.mixedParams, count: 90) { TestFunctions.mixed($0)[0] }
        #expect(a == b, "\(name)")
        // The model-based trials did run (the sequences are not all random startup draws).
        #expect(Set(a.map { $0["act"]! }).count > 1)
        // The incremental reads hand out far fewer trials than re-reading every call.
        #expect(incremental.handedOut * 5 < reference.handedOut, "\(name)")
    }

    @Test func studyReadsTrialsFromANumberLikeAFilteredFullRead() throws {
        let study = try Study.create(sampler: RandomSampler(seed: 2))
        var mismatches: [String] = []
        try study.optimize(trials: 30) { trial in
            let x = try trial.suggestFloat("x", in: 0...1)
            // Compare while this trial runs, so running trials are among those read.
            for states: Set<TrialState>? in [nil, [.running], [.complete, .pruned]] {
                for from in [0, 1, trial.number / 2, trial.number, trial.number + 1, 100] {
                    let full = study.trials(states: states).filter { $0.number >= from }
                    let part = study.trials(states: states, fromNumber: from)
                    if part.map(\.number) != full.map(\.number) || part.map(\.state) != full.map(\.state) {
                        mismatches.append("trial \(trial.number) from \(from) states \(String(describing: states))")
                    }
                }
            }
            if trial.number % 5 == 1 { throw TrialPruned() }
            if trial.number % 7 == 2 { throw TuneError.invalidArgument("failing on purpose") }
            return x
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        let states = Set(try study.allTrials.map(\.state))
        #expect(states == [.complete, .pruned, .failed])
    }
}
