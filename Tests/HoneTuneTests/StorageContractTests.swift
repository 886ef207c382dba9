import Foundation
import Testing
@testable import HoneTune

/// The storage protocol's contract, run against every backend: in memory, SQLite and a
/// real PostgreSQL server.
@Suite struct StorageContractTests {
    /// Every field of a trial survives a write and a read through a new connection.
    @Test(arguments: Backend.allCases)
    func everyFieldRoundTrips(backend: Backend) throws {
        let store = try StorageFixture(backend)
        defer { store.cleanup() }
        let distributions: [String: ParameterDistribution] = [
            "lr": .float(low: 1e-5, high: 0.1, log: true, step: nil),
            "drop": .float(low: 0, high: 0.5, log: false, step: 0.05),
            "depth": .int(low: 1, high: 9, log: false, step: 2),
            "units": .int(low: 8, high: 512, log: true, step: 1),
            "opt": .categorical([.string("sgd"), .string("adam")]),
            "mixed": .categorical([.int(3), .double(0.1), .bool(true), .string("x")]),
            "hidden": .categorical([.json("[64]"), .json("[128,64]"), .json(#"{"a":[1,null],"b":"x"}"#)]),
        ]
        let params: [String: Double] = ["lr": 0.0012345678901234567, "drop": 0.35, "depth": 7, "units": 64,
                                        "opt": 1, "mixed": 2, "hidden": 1]
        do {
            let study = try Study.create(name: "round-trip", directions: [.minimize, .maximize], storage: try store.open())
            try study.optimize(trials: 1) { t -> [Double] in
                let storage = t.study.storage
                for (name, d) in distributions.sorted(by: { $0.key < $1.key }) {
                    try storage.setTrialParam(studyID: t.study.studyID, number: t.number, name: name,
                                              value: params[name]!, distribution: d)
                }
                try storage.setTrialIntermediateValue(studyID: t.study.studyID, number: t.number, step: 0, value: 1.5)
                try storage.setTrialIntermediateValue(studyID: t.study.studyID, number: t.number, step: 7, value: -.infinity)
                try storage.setTrialIntermediateValue(studyID: t.study.studyID, number: t.number, step: 9, value: .nan)
                try t.setUserAttribute("note", "héllo, 'quoted' \"text\" \\ {a,b}; DROP TABLE trials;")
                t.study.setTrialSystemAttribute(number: t.number, key: "completed_rung_0", value: "0.25")
                return [0.1 + 0.2, 1e300]
            }
            try study.optimize(trials: 1) { _ -> [Double] in throw Boom() }
        }
        let storage = try store.open()
        let study = try Study.load(name: "round-trip", storage: storage)
        #expect(study.directions == [.minimize, .maximize])
        let trials = try study.allTrials
        #expect(trials.count == 2)
        let t = trials[0]
        #expect(t.state == .complete)
        #expect(t.values == [0.1 + 0.2, 1e300])
        #expect(t.params == params)
        #expect(t.distributions == distributions)
        #expect(t.intermediateValues[0] == 1.5)
        #expect(t.intermediateValues[7] == -.infinity)
        #expect(t.intermediateValues[9]?.isNaN == true)
        #expect(t.userAttributes == ["note": "héllo, 'quoted' \"text\" \\ {a,b}; DROP TABLE trials;"])
        #expect(t.systemAttributes["completed_rung_0"] == "0.25")
        #expect(t.startDate != nil && t.completeDate != nil)
        #expect(t.startDate! <= t.completeDate!)
        #expect(t.typedParams["mixed"] == .bool(true))
        #expect(t.typedParams["hidden"] == .json("[128,64]"))
        let f = trials[1]
        #expect(f.state == .failed)
        #expect(f.failReason == "objective threw Boom: boom")
        #expect(f.values == nil)
        // A finished trial copied in keeps its exact dates and values.
        let copyID = try storage.createStudy(name: "copy", directions: [.minimize, .maximize])
        #expect(try storage.createTrial(studyID: copyID, template: t, worker: nil, maxTrials: nil) == 0)
        let copy = try storage.trial(studyID: copyID, number: 0)
        #expect(copy.startDate == t.startDate && copy.completeDate == t.completeDate)
        #expect(copy.params == t.params && copy.values == t.values && copy.userAttributes == t.userAttributes)
        #expect(try storage.studyNames() == ["round-trip", "copy"])
        #expect(try storage.studyID(named: "nothing") == nil)
    }

    /// A list choice enqueued as a fixed parameter is stored as JSON and read back as the
    /// same choice, so the trial gets exactly the list that was asked for.
    @Test(arguments: Backend.allCases)
    func anEnqueuedListChoiceComesBackAsTheSameChoice(backend: Backend) throws {
        let store = try StorageFixture(backend)
        defer { store.cleanup() }
        let hidden = ParameterDistribution.categorical([.json("[64]"), .json("[128,64]"), .json("[256,128,64]")])
        do {
            let study = try Study.create(name: "lists", storage: try store.open())
            try study.enqueueTrial(params: ["hidden": .json("[256,128,64]")])
        }
        let study = try Study.load(name: "lists", storage: try store.open())
        var suggested: ParameterValue?
        try study.optimize(trials: 1) { t in
            suggested = hidden.value(fromInternal: try t.suggest("hidden", hidden))
            return 0
        }
        #expect(suggested == .json("[256,128,64]"))
        let stored = try #require(try study.allTrials.first)
        #expect(stored.params["hidden"] == 2)
        #expect(stored.typedParams["hidden"] == .json("[256,128,64]"))
    }

    @Test(arguments: Backend.allCases)
    func finishedTrialsCannotChange(backend: Backend) throws {
        let store = try StorageFixture(backend)
        defer { store.cleanup() }
        let storage = try store.open()
        let id = try storage.createStudy(name: "s", directions: [.minimize])
        let n = try #require(try storage.createTrial(studyID: id, template: nil, worker: .current, maxTrials: nil))
        #expect(try storage.finishTrial(studyID: id, number: n, state: .complete, values: [1], failReason: nil))
        #expect(try !storage.finishTrial(studyID: id, number: n, state: .failed, values: nil, failReason: "late"))
        #expect(throws: StorageError.trialFinished(study: id, number: n, state: .complete)) {
            try storage.setTrialIntermediateValue(studyID: id, number: n, step: 1, value: 2)
        }
        #expect(throws: StorageError.trialFinished(study: id, number: n, state: .complete)) {
            try storage.setTrialParam(studyID: id, number: n, name: "x", value: 0.5,
                                      distribution: .float(low: 0, high: 1, log: false, step: nil))
        }
        #expect(throws: StorageError.trialNotFound(study: id, number: 7)) {
            try storage.setTrialUserAttribute(studyID: id, number: 7, key: "k", value: "v")
        }
        #expect(try storage.trial(studyID: id, number: n).values == [1])
        #expect(throws: StorageError.studyExists("s")) { try storage.createStudy(name: "s", directions: [.minimize]) }
    }

    /// 8 threads, each with its own connection and its own `Study`, share a budget of 200
    /// trials: exactly 200 run, numbered 0..<200.
    @Test(arguments: Backend.allCases)
    func eightConnectionsShareOneBudgetExactly(backend: Backend) throws {
        let store = try StorageFixture(backend)
        defer { store.cleanup() }
        _ = try Study.create(name: "shared", storage: try store.open())
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 8) { w in
            do {
                let study = try Study.load(name: "shared", storage: try store.open(), sampler: RandomSampler(seed: UInt64(w)))
                try study.optimize(maxTotalTrials: 200) { t in
                    let v = try branin2(t)
                    try t.report(v, step: 0)
                    return v
                }
            } catch {
                errors.add(error)
            }
        }
        #expect(errors.errors.isEmpty, "\(errors.errors)")
        let storage = try store.open()
        let trials = try storage.trials(studyID: try #require(try storage.studyID(named: "shared")))
        #expect(trials.count == 200)
        #expect(trials.map(\.number) == Array(0..<200))
        #expect(trials.allSatisfy { $0.state == .complete && $0.params.count == 2 && $0.intermediateValues.count == 1 })
    }

    /// 300 enqueued points claimed by 8 connections at once (a budget of 250): each point is
    /// claimed exactly once, in the budget, and enqueueing the same set twice adds nothing.
    @Test(arguments: Backend.allCases)
    func waitingTrialsAreClaimedOnceEach(backend: Backend) throws {
        let store = try StorageFixture(backend)
        defer { store.cleanup() }
        let storage = try store.open()
        let id = try storage.createStudy(name: "grid", directions: [.minimize])
        let points = (0..<300).map { [SystemKey.fixedParams: FixedParams.encode(["i": .int($0)])] }
        #expect(try storage.enqueueTrials(studyID: id, systemAttributes: points, onceKey: "grid"))
        #expect(try !storage.enqueueTrials(studyID: id, systemAttributes: points, onceKey: "grid"))
        let claims = ClaimBox()
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 8) { w in
            do {
                let mine = try store.open()
                let worker = WorkerIdentity(host: "host-\(w)", pid: Int32(w))
                while let t = try mine.claimWaitingTrial(studyID: id, worker: worker, maxTrials: 250) {
                    #expect(t.state == .running)
                    claims.add(t.number, FixedParams.decode(t.systemAttributes[SystemKey.fixedParams]))
                    _ = try mine.finishTrial(studyID: id, number: t.number, state: .complete, values: [0], failReason: nil)
                }
            } catch {
                errors.add(error)
            }
        }
        #expect(errors.errors.isEmpty, "\(errors.errors)")
        #expect(claims.numbers.count == 250)
        #expect(Set(claims.numbers).count == 250)
        #expect(Set(claims.points).count == 250)
        #expect(Set(claims.numbers) == Set(0..<250))
        let trials = try storage.trials(studyID: id)
        #expect(trials.count == 300)
        #expect(trials.filter { $0.state == .waiting }.map(\.number) == Array(250..<300))
    }

    /// A trial left running by a dead process is failed ("worker died") and its parameters
    /// re-enqueued; completed trials are kept; the study then finishes its budget exactly.
    @Test(arguments: Backend.allCases)
    func resumeRecoversATrialOfADeadWorker(backend: Backend) throws {
        let store = try StorageFixture(backend)
        defer { store.cleanup() }
        let storage = try store.open()
        let study = try Study.create(name: "r", storage: storage)
        try study.optimize(trials: 5, maxTotalTrials: 10, objective: branin2)
        let before = try study.allTrials
        // A worker that died mid-trial: a running trial owned by a process that is gone.
        let dead = WorkerIdentity(host: WorkerIdentity.current.host, pid: try deadPID())
        let n = try #require(try storage.createTrial(studyID: study.studyID, template: nil, worker: dead, maxTrials: 10))
        try storage.setTrialParam(studyID: study.studyID, number: n, name: "x1", value: 1.25,
                                  distribution: .float(low: -5, high: 10, log: false, step: nil))
        try storage.setTrialParam(studyID: study.studyID, number: n, name: "x2", value: 7.5,
                                  distribution: .float(low: 0, high: 15, log: false, step: nil))
        // And one owned by a process on another host: left alone.
        let alive = WorkerIdentity(host: "some-other-host", pid: 1)
        let m = try #require(try storage.createTrial(studyID: study.studyID, template: nil, worker: alive, maxTrials: 10))

        let resumed = try Study.load(name: "r", storage: try store.open(), sampler: RandomSampler(seed: 9))
        var trials = try resumed.allTrials
        #expect(trials[n].state == .failed)
        #expect(trials[n].failReason?.hasPrefix("worker died") == true)
        #expect(trials[m].state == .running)
        let copy = try #require(trials.last)
        #expect(copy.state == .waiting)
        #expect(copy.systemAttributes[SystemKey.retryOf] == String(n))
        #expect(trials[n].systemAttributes[SystemKey.retriedBy] == String(copy.number))
        // Resuming twice does not enqueue twice.
        #expect(try resumed.resume().isEmpty)

        try resumed.optimize(maxTotalTrials: 10, objective: branin2)
        trials = try resumed.allTrials
        for t in before { #expect(trials[t.number].values == t.values && trials[t.number].params == t.params) }
        #expect(trials[copy.number].state == .complete)
        #expect(trials[copy.number].params == ["x1": 1.25, "x2": 7.5])
        // Budget: 5 before + the re-run + the live one + 3 more = 10 counted trials.
        let counted = trials.filter { $0.state != .waiting && $0.failReason?.hasPrefix("worker died") != true }
        #expect(counted.count == 10)
        #expect(trials.map(\.number) == Array(0..<trials.count))
        // Forcing: every running trial is failed.
        #expect(try resumed.resume(policy: .allRunning, requeue: false) == [m])
    }

    /// A worker on another host that stops heartbeating loses its trial after the grace
    /// period: a running study fails it, re-runs its parameters, and keeps its own trials
    /// (longer than the grace period, but heartbeating) alive.
    @Test(arguments: Backend.allCases)
    func aSilentWorkersTrialIsRequeuedAfterTheGracePeriod(backend: Backend) throws {
        let store = try StorageFixture(backend)
        defer { store.cleanup() }
        let storage = try store.open()
        let study = try Study.create(name: "beat", storage: storage, loadIfExists: false)
        let silent = WorkerIdentity(host: "a-host-that-went-quiet", pid: 42)
        let n = try #require(try storage.createTrial(studyID: study.studyID, template: nil, worker: silent, maxTrials: nil))
        try storage.setTrialParam(studyID: study.studyID, number: n, name: "x1", value: 2.5,
                                  distribution: .float(low: -5, high: 10, log: false, step: nil))
        // Fresh: within its grace period, nothing is stale.
        #expect(try storage.runningTrialsWithoutHeartbeat(studyID: study.studyID, grace: 30).isEmpty)
        #expect(try study.resume(policy: .missedHeartbeats(grace: 30)).isEmpty)

        study.heartbeat = try Heartbeat(interval: 0.05, grace: 0.4)
        // Each trial outlives the grace period; its own heartbeats keep it.
        try study.optimize(trials: 3) { t in
            Thread.sleep(forTimeInterval: 0.6)
            return try branin2(t)
        }
        let trials = try study.allTrials
        #expect(trials[n].state == .failed)
        #expect(trials[n].failReason?.contains("no heartbeat for 0.4 s") == true)
        #expect(trials[n].failReason?.contains("a-host-that-went-quiet:42") == true)
        let retry = try #require(trials.first { $0.systemAttributes[SystemKey.retryOf] == String(n) })
        #expect(retry.state == .complete && retry.params["x1"] == 2.5)
        #expect(trials.filter { $0.state == .complete }.count == 3)
        #expect(trials.allSatisfy { $0.state != .running })
        #expect(throws: TuneError.self) { _ = try Heartbeat(interval: 1, grace: 1) }
    }
}

/// Claims collected from worker threads.
final class ClaimBox: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed: [(Int, [String: ParameterValue])] = []
    func add(_ number: Int, _ point: [String: ParameterValue]) { lock.lock(); claimed.append((number, point)); lock.unlock() }
    var numbers: [Int] { lock.lock(); defer { lock.unlock() }; return claimed.map(\.0) }
    var points: [String] { lock.lock(); defer { lock.unlock() }; return claimed.map { FixedParams.encode($0.1) } }
}
