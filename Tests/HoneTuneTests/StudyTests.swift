import Foundation
import Testing
@testable import HoneTune

@Suite struct StudyTests {
    @Test func optimizeRunsTheRequestedTrialsAndFindsABest() throws {
        let study = try Study.create(sampler: RandomSampler(seed: 1))
        try study.optimize(trials: 30, objective: branin2)
        let trials = try study.allTrials
        #expect(trials.count == 30)
        #expect(trials.allSatisfy { $0.state == .complete })
        #expect(trials.map(\.number) == Array(0..<30))
        let best = try study.bestTrial
        #expect(best.value == trials.compactMap(\.value).min())
        #expect(try study.bestValue == best.value)
        let params = try study.bestParams
        #expect(params["x1"]?.doubleValue == best.params["x1"])
    }

    @Test func maximizeTakesTheLargestValue() throws {
        let study = try Study.create(direction: .maximize, sampler: RandomSampler(seed: 2))
        try study.optimize(trials: 20) { try $0.suggestFloat("x", in: 0...1) }
        #expect(try study.bestValue == study.allTrials.compactMap(\.value).max())
    }

    @Test func typedSuggestionsAndRepeatedNames() throws {
        let study = try Study.create(sampler: RandomSampler(seed: 3))
        try study.optimize(trials: 40) { t in
            let lr = try t.suggestFloat("lr", in: 1e-4...1e-1, log: true)
            #expect((1e-4...1e-1).contains(lr))
            let depth = try t.suggestInt("depth", in: 1...4)
            #expect((1...4).contains(depth))
            let stepped = try t.suggestFloat("drop", in: 0...0.5, step: 0.1)
            #expect(abs((stepped / 0.1).rounded() * 0.1 - stepped) < 1e-12)
            let units = try t.suggestInt("units", in: 16...256, log: true)
            #expect((16...256).contains(units))
            let even = try t.suggestInt("even", in: 0...9, step: 2)
            #expect(even % 2 == 0 && even <= 8)
            let opt = try t.suggestCategorical("opt", ["sgd", "adam"])
            let bn = try t.suggestCategorical("bn", [true, false])
            let width = try t.suggestCategorical("width", [0.5, 1.0, 2.0])
            let heads = try t.suggestCategorical("heads", [1, 2, 4])
            // The same name again gives the same value.
            #expect(try t.suggestFloat("lr", in: 1e-4...1e-1, log: true) == lr)
            #expect(try t.suggestCategorical("opt", ["sgd", "adam"]) == opt)
            #expect(try t.suggestInt("depth", in: 1...4) == depth)
            // Conditional parameter.
            if opt == "sgd" { _ = try t.suggestFloat("momentum", in: 0...0.99) }
            _ = (bn, width, heads)
            return lr
        }
        let trials = try study.allTrials
        #expect(trials.allSatisfy { $0.state == .complete })
        for t in trials {
            let typed = t.typedParams
            #expect(typed["depth"]?.intValue != nil)
            #expect(typed["opt"]?.stringValue != nil)
            #expect(typed["bn"]?.boolValue != nil)
            #expect((typed["opt"] == "sgd") == (t.params["momentum"] != nil))
        }
        #expect(trials.contains { $0.params["momentum"] != nil })
        #expect(trials.contains { $0.params["momentum"] == nil })
        // Both categories were drawn.
        #expect(Set(trials.map { $0.typedParams["opt"]! }).count == 2)
    }

    @Test func incompatibleRedefinitionAndBadRangesThrow() throws {
        let study = try Study.create()
        try study.optimize(trials: 1) { t in
            _ = try t.suggestFloat("x", in: 0...1)
            #expect(throws: TuneError.self) { try t.suggestCategorical("x", ["a"]) }
            #expect(throws: TuneError.self) { try t.suggestFloat("y", in: 0...1, log: true) }
            #expect(throws: TuneError.self) { try t.suggestFloat("z", in: 1...2, log: true, step: 0.1) }
            #expect(throws: TuneError.self) { try t.suggestCategorical("c", [String]()) }
            return 0
        }
    }

    @Test func failuresAreStoredAndTheStudyContinues() throws {
        let study = try Study.create(sampler: RandomSampler(seed: 4))
        try study.optimize(trials: 8, trialTimeout: 1.0) { t in
            _ = try t.suggestFloat("x", in: 0...1)
            switch t.number {
            case 1: return .nan
            case 2: return .infinity
            case 3: throw Boom()
            case 4:
                Thread.sleep(forTimeInterval: 4)
                return 1
            default: return Double(t.number)
            }
        }
        let trials = try study.allTrials
        #expect(trials.count == 8)
        #expect(trials[1].state == .failed && trials[1].failReason?.contains("nan") == true)
        #expect(trials[2].state == .failed && trials[2].failReason?.contains("inf") == true)
        #expect(trials[3].state == .failed && trials[3].failReason?.contains("boom") == true)
        #expect(trials[4].state == .failed && trials[4].failReason?.contains("timeout") == true)
        #expect(trials.filter { $0.state == .complete }.count == 4)
        #expect(try study.bestValue == 0)
    }

    @Test func prunedTrialKeepsItsLastValue() throws {
        final class PruneAtTwo: Pruner {
            func shouldPrune(study: StudyView, trial: FrozenTrial) -> Bool { trial.lastStep == 2 }
        }
        let study = try Study.create(pruner: PruneAtTwo())
        try study.optimize(trials: 1) { t in
            for step in 0..<5 {
                try t.report(Double(10 - step), step: step)
                if try t.shouldPrune() { throw TrialPruned() }
            }
            return 0
        }
        let t = try #require(study.allTrials.first)
        #expect(t.state == .pruned)
        #expect(t.value == 8)
        #expect(t.intermediateValues == [0: 10, 1: 9, 2: 8])
    }

    @Test func enqueuedTrialsRunFirstWithTheirFixedValues() throws {
        let study = try Study.create(sampler: RandomSampler(seed: 5))
        try study.enqueueTrial(params: ["x1": 3.14, "x2": 2.275])
        try study.enqueueTrial(params: ["x1": -3.14])  // x2 sampled
        try study.optimize(trials: 5, objective: branin2)
        let trials = try study.allTrials
        #expect(trials.count == 5)
        #expect(trials[0].params == ["x1": 3.14, "x2": 2.275])
        #expect(trials[1].params["x1"] == -3.14)
        #expect(abs(try study.bestValue - 0.397887) < 1e-3)
    }

    @Test func enqueuedValueOutsideTheRangeFailsTheTrial() throws {
        let study = try Study.create()
        try study.enqueueTrial(params: ["x1": 99.0])
        try study.optimize(trials: 2, objective: branin2)
        let trials = try study.allTrials
        #expect(trials[0].state == .failed)
        #expect(trials[0].failReason?.contains("x1") == true)
        #expect(trials[1].state == .complete)
    }

    @Test func seededStudiesRepeatExactly() throws {
        func run() throws -> [[String: Double]] {
            let study = try Study.create(sampler: RandomSampler(seed: 42))
            try study.optimize(trials: 25) { t in
                let v = try branin2(t)
                if try t.suggestCategorical("c", ["a", "b", "c"]) == "a" { _ = try t.suggestInt("k", in: 1...100, log: true) }
                return v
            }
            return try study.allTrials.map(\.params)
        }
        let a = try run(), b = try run()
        #expect(a == b)
        let other = try Study.create(sampler: RandomSampler(seed: 43))
        try other.optimize(trials: 25, objective: branin2)
        #expect(try other.allTrials.map(\.params) != a.map { $0.filter { $0.key.hasPrefix("x") } })
    }

    @Test func threadWorkersShareOneStudy() throws {
        let study = try Study.create(sampler: RandomSampler(seed: 6))
        try study.optimize(trials: 64, workers: 4) { t in
            Thread.sleep(forTimeInterval: 0.001)
            return try branin2(t)
        }
        let trials = try study.allTrials
        #expect(trials.count == 64)
        #expect(Set(trials.map(\.number)) == Set(0..<64))
        #expect(trials.allSatisfy { $0.state == .complete })
    }

    @Test func timeoutStopsStartingTrials() throws {
        let study = try Study.create()
        let start = Date()
        try study.optimize(timeout: 0.3) { t in
            Thread.sleep(forTimeInterval: 0.05)
            return try t.suggestFloat("x", in: 0...1)
        }
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(try study.allTrials.count >= 2)
    }

    @Test func multiObjectiveParetoFront() throws {
        let study = try Study.create(directions: [.minimize, .minimize], sampler: RandomSampler(seed: 7))
        try study.enqueueTrial(params: ["x": 0.0])
        try study.enqueueTrial(params: ["x": 1.0])
        try study.enqueueTrial(params: ["x": 0.5])
        try study.optimize(trials: 3) { t -> [Double] in
            let x = try t.suggestFloat("x", in: 0...1)
            return [x * x, (x - 1) * (x - 1)]
        }
        // Add a dominated point by hand.
        try study.addTrial(FrozenTrial(number: 0, state: .complete, values: [0.5, 0.5]))
        let front = try study.bestTrials
        #expect(front.map(\.number) == [0, 1, 2])
        #expect(throws: TuneError.self) { _ = try study.bestTrial }
    }

    @Test func userAttributesAreKept() throws {
        let study = try Study.create()
        try study.optimize(trials: 1) { t in
            try t.setUserAttribute("note", "hello")
            return 1
        }
        #expect(try study.allTrials[0].userAttributes == ["note": "hello"])
    }

    @Test func samplerCallsAreSerialized() throws {
        final class Checking: Sampler {
            let lock = NSLock()
            var inside = 0
            var overlapped = false
            func sampleIndependent(study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution) -> Double {
                lock.lock(); inside += 1; if inside > 1 { overlapped = true }; lock.unlock()
                Thread.sleep(forTimeInterval: 0.0005)
                _ = study.trials(states: [.complete])
                lock.lock(); inside -= 1; lock.unlock()
                return distribution.fromUnit(0.5)
            }
        }
        let sampler = Checking()
        let study = try Study.create(sampler: sampler)
        try study.optimize(trials: 40, workers: 8, objective: branin2)
        #expect(!sampler.overlapped)
        #expect(try study.allTrials.count == 40)
    }
}
