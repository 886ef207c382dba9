import Foundation
import Testing
@testable import HoneTune

/// A hand-made study: finished trials given directly, so every threshold can be checked by hand.
final class FakeStudy: StudyView {
    var directions: [StudyDirection]
    var studyName: String
    var stored: [FrozenTrial]

    init(_ trials: [FrozenTrial], direction: StudyDirection = .minimize, name: String = "fake") {
        stored = trials
        directions = [direction]
        studyName = name
    }

    func trials(states: Set<TrialState>?) -> [FrozenTrial] {
        stored.filter { states?.contains($0.state) ?? true }
    }
}

func curve(_ number: Int, _ values: [Double], state: TrialState = .complete) -> FrozenTrial {
    var iv: [Int: Double] = [:]
    for (k, v) in values.enumerated() { iv[k] = v }
    return FrozenTrial(number: number, state: state, values: state == .complete ? [values.last!] : nil,
                       intermediateValues: iv)
}

@Suite struct MedianPrunerTests {
    // Completed curves. At step 2 the values are 3, 5, 7, 9 → median (5 + 7) / 2 = 6.
    let done = [
        curve(0, [10, 6, 3, 2]), curve(1, [10, 8, 5, 4]),
        curve(2, [10, 9, 7, 6]), curve(3, [10, 9.5, 9, 8]),
    ]

    @Test func prunesAboveTheMedianAtTheSameStep() {
        let study = FakeStudy(done)
        let pruner = MedianPruner(startupTrials: 2)
        // Best so far 6.5 > 6 → prune; 5.9 < 6 → keep.
        #expect(pruner.shouldPrune(study: study, trial: curve(9, [10, 8, 6.5], state: .running)))
        #expect(!pruner.shouldPrune(study: study, trial: curve(9, [10, 8, 5.9], state: .running)))
        // The trial's best over its steps counts: 5.0 at step 1 beats 6.
        #expect(!pruner.shouldPrune(study: study, trial: curve(9, [10, 5, 6.5], state: .running)))
        // Step 1: 6, 8, 9, 9.5 → median 8.5. 8.6 pruned, 8.4 kept.
        #expect(pruner.shouldPrune(study: study, trial: curve(9, [10, 8.6], state: .running)))
        #expect(!pruner.shouldPrune(study: study, trial: curve(9, [10, 8.4], state: .running)))
    }

    @Test func startupWarmupAndInterval() {
        let study = FakeStudy(done)
        let bad = curve(9, [20, 20, 20], state: .running)
        #expect(!MedianPruner(startupTrials: 5).shouldPrune(study: study, trial: bad))
        #expect(MedianPruner(startupTrials: 4).shouldPrune(study: study, trial: bad))
        #expect(!MedianPruner(startupTrials: 0, warmupSteps: 3).shouldPrune(study: study, trial: bad))
        #expect(MedianPruner(startupTrials: 0, warmupSteps: 2).shouldPrune(study: study, trial: bad))
        // Interval 2 from step 0: judged at steps 0, 2, 4…; at step 3 (after a report at 2) not.
        let badToStep3 = curve(9, [20, 20, 20, 20], state: .running)
        #expect(!MedianPruner(startupTrials: 0, intervalSteps: 2).shouldPrune(study: study, trial: badToStep3))
        #expect(MedianPruner(startupTrials: 0, intervalSteps: 2).shouldPrune(study: study, trial: bad))
        // minTrials: only 4 trials reported step 2.
        #expect(!MedianPruner(startupTrials: 0, minTrials: 5).shouldPrune(study: study, trial: bad))
        // All-NaN values are pruned.
        #expect(MedianPruner(startupTrials: 0).shouldPrune(study: study, trial: curve(9, [.nan], state: .running)))
    }

    @Test func maximizeMirrors() {
        // Negated curves: at step 2 values −3, −5, −7, −9 → median −6; −6.5 is worse.
        let study = FakeStudy(done.map { t in
            var t = t
            t.intermediateValues = t.intermediateValues.mapValues { -$0 }
            return t
        }, direction: .maximize)
        #expect(MedianPruner(startupTrials: 0).shouldPrune(study: study, trial: curve(9, [-10, -8, -6.5], state: .running)))
        #expect(!MedianPruner(startupTrials: 0).shouldPrune(study: study, trial: curve(9, [-10, -8, -5.9], state: .running)))
        #expect(PercentilePruner.nanPercentile([1, 2, 3, 4], 25) == 1.75)
    }

    /// Through a real study: curves parallel to each other, pruned as soon as they are
    /// above the median of the 5 startup trials.
    @Test func prunesInsideAStudy() throws {
        let study = try Study.create(sampler: RandomSampler(seed: 0), pruner: MedianPruner(startupTrials: 5))
        for offset in [0.0, 1, 2, 3, 4, 0.5, 3.5, 10, -1] { try study.enqueueTrial(params: ["offset": .float(offset)]) }
        try study.optimize(trials: 9) { t in
            let offset = try t.suggestFloat("offset", in: -10...10)
            for step in 0..<10 {
                try t.report(offset + 10 - Double(step), step: step)
                if try t.shouldPrune() { throw TrialPruned() }
            }
            return offset
        }
        let states = try study.allTrials.map(\.state)
        // Medians of offsets 0…4 is 2: 0.5 kept, 3.5 and 10 pruned at step 0, −1 kept.
        #expect(states == [.complete, .complete, .complete, .complete, .complete, .complete, .pruned, .pruned, .complete])
        let pruned = try study.allTrials[7]
        #expect(pruned.intermediateValues.count == 1 && pruned.value == 20)
    }
}

@Suite struct SuccessiveHalvingPrunerTests {
    /// η = 2, min resource 1: rungs at steps 1, 2, 4, 8.
    @Test func promotesTheTopFractionAtEachRung() {
        let study = FakeStudy([])
        let sha = SuccessiveHalvingPruner(minResource: 1, reductionFactor: 2)
        func at(_ n: Int, _ values: [Double]) -> FrozenTrial {
            var t = curve(n, values, state: .running)
            t.systemAttributes = study.stored.first { $0.number == n }?.systemAttributes ?? [:]
            return t
        }
        // Step 0 is below the first rung: never pruned.
        #expect(!sha.shouldPrune(study: study, trial: at(0, [5])))
        // First trial at rung 0 (step 1): alone, it is the best → promoted; no rung 1 yet at step 1.
        #expect(!sha.shouldPrune(study: study, trial: at(0, [5, 4])))
        study.stored.append(at(0, [5, 4]))
        // Second trial: worse (6 vs 4); 2 competing, top 1/2 = index 0 → 4; 6 > 4 → pruned.
        #expect(sha.shouldPrune(study: study, trial: at(1, [5, 6])))
        study.stored.append(at(1, [5, 6]))
        // Third: 3 ≤ best 3 of {4, 6, 3} (index 3/2 − 1 = 0) → promoted at rung 0.
        #expect(!sha.shouldPrune(study: study, trial: at(2, [5, 3])))
        study.stored.append(at(2, [5, 3]))
        // Fourth: competing {4, 6, 3, 4.5}: index 4/2 − 1 = 1 → second best 4; 4.5 > 4 → pruned.
        #expect(sha.shouldPrune(study: study, trial: at(3, [5, 4.5])))
        // but 4.0 ≤ 4 → promoted.
        #expect(!sha.shouldPrune(study: study, trial: at(4, [5, 4.0])))
    }

    @Test func rungValuesAreSharedThroughTheStudy() throws {
        // Real study, η = 3, rungs at 1, 3, 9. Trials are lines of different slopes.
        let study = try Study.create(sampler: RandomSampler(seed: 1),
                                     pruner: SuccessiveHalvingPruner(minResource: 1, reductionFactor: 3))
        for level in [1.0, 2, 3, 0.5, 4, 5, 0.25] { try study.enqueueTrial(params: ["level": .float(level)]) }
        try study.optimize(trials: 7) { t in
            let level = try t.suggestFloat("level", in: 0...10)
            for step in 0..<12 {
                try t.report(level, step: step)
                if try t.shouldPrune() { throw TrialPruned() }
            }
            return level
        }
        let trials = try study.allTrials
        // Rung 0 (step 1) values in order: 1 (best so far, promoted), 2 (2 values, index 0 → 1: pruned),
        // 3 (3 values, index 0 → 1: pruned), 0.5 (best: promoted), 4 (5 values, index 0: pruned),
        // 5 pruned, 0.25 (best) promoted.
        #expect(trials.map(\.state) == [.complete, .pruned, .pruned, .complete, .pruned, .pruned, .complete])
        #expect(trials[0].systemAttributes["completed_rung_0"] == "1.0")
        #expect(trials[0].systemAttributes["completed_rung_2"] == "1.0")
        #expect(trials[1].systemAttributes["completed_rung_0"] == "2.0")
        #expect(trials[1].systemAttributes["completed_rung_1"] == nil)
        #expect(trials[1].intermediateValues.keys.max() == 1)
    }

    @Test func automaticMinResource() {
        // The longest complete trial reported up to step 399 → min resource 399 / 100 = 3.
        let study = FakeStudy([curve(0, Array(repeating: 1, count: 400))])
        let sha = SuccessiveHalvingPruner(reductionFactor: 2)
        #expect(!sha.shouldPrune(study: study, trial: curve(1, [9, 9], state: .running)))
        #expect(sha.minResource == 3)
    }
}

@Suite struct HyperbandPrunerTests {
    @Test func bracketsAndBudgets() {
        // max/min = 27, η = 3 → ⌊log₃ 27⌋ + 1 = 4 brackets.
        let hb = HyperbandPruner(minResource: 1, maxResource: 27, reductionFactor: 3)
        let study = FakeStudy([], name: "hb")
        #expect(hb.bracket(of: 0, in: study) != nil)
        #expect(hb.bracketCount == 4)
        // Budgets ⌈4·3^s/(s+1)⌉ for s = 3…0: 27, 12, 6, 4 → bracket shares out of 49.
        var counts = [0, 0, 0, 0]
        for n in 0..<4900 { counts[hb.bracket(of: n, in: study)!] += 1 }
        let expected = [27.0, 12, 6, 4].map { $0 / 49 * 4900 }
        for (c, e) in zip(counts, expected) { #expect(abs(Double(c) - e) < 0.15 * e) }
        // The same brackets as Optuna (Python: binascii.crc32(f"hb_{n}".encode()) % 49, then the budgets).
        let optuna = [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 3, 0, 3, 2, 0, 0, 1, 1, 0, 3, 1, 0, 1, 2, 0, 0, 0, 0, 1, 1]
        #expect((0..<30).map { hb.bracket(of: $0, in: study)! } == optuna)
        // Deterministic: another pruner instance agrees (as another process would).
        let again = HyperbandPruner(minResource: 1, maxResource: 27, reductionFactor: 3)
        #expect((0..<100).map { again.bracket(of: $0, in: study)! } == (0..<100).map { hb.bracket(of: $0, in: study)! })
    }

    @Test func crc32MatchesZlib() {
        // The classic check values.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func eachBracketCompetesOnlyWithItself() throws {
        let hb = HyperbandPruner(minResource: 1, maxResource: 9, reductionFactor: 3)
        let study = try Study.create(name: "hyperband", sampler: RandomSampler(seed: 2), pruner: hb)
        try study.optimize(trials: 60) { t in
            let level = try t.suggestFloat("level", in: 0...1)
            for step in 0..<9 {
                try t.report(level, step: step)
                if try t.shouldPrune() { throw TrialPruned() }
            }
            return level
        }
        let trials = try study.allTrials
        #expect(hb.bracketCount == 3)
        let pruned = trials.filter { $0.state == .pruned }
        #expect(!pruned.isEmpty)
        for t in pruned {
            let b = hb.bracket(of: t.number, in: study)!
            // Bracket b's first rung is at step 3^b: nothing is pruned before it.
            #expect(t.lastStep! >= Int(pow(3.0, Double(b))))
            // A pruned trial was beaten at its rung by an earlier trial of its own bracket.
            let rung = t.systemAttributes.keys.filter { $0.hasPrefix("completed_rung_") }.count - 1
            let key = "completed_rung_\(rung)"
            let mine = Double(t.systemAttributes[key]!)!
            let rivals = trials.filter { $0.number < t.number && hb.bracket(of: $0.number, in: study) == b }
                .compactMap { $0.systemAttributes[key].flatMap(Double.init) }
            #expect(rivals.contains { $0 < mine })
        }
        // The last bracket (b = 2) has its only rung at step 9, past the last report: never prunes.
        #expect(!pruned.contains { hb.bracket(of: $0.number, in: study) == 2 })
    }
}
