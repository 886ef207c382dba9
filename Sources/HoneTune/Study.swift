import Foundation

/// What to do with trials found `running` when a study is loaded or resumed.
public enum StaleTrialPolicy: Sendable {
    /// Fail the trials whose worker process is known to be dead (same host, no such process).
    case deadWorkers
    /// Fail every running trial (when no other worker can be alive, e.g. after a reboot).
    case allRunning
    /// Fail the trials whose worker sent no heartbeat for `grace` seconds (workers on any host).
    case missedHeartbeats(grace: TimeInterval)
}

/// A hyperparameter search: trials of an objective, the sampler that proposes their
/// parameters, the pruner that stops unpromising ones, and the storage that keeps them.
///
/// ```swift
/// let study = try Study.create(name: "branin", sampler: RandomSampler(seed: 1))
/// try study.optimize(trials: 100, workers: 4) { trial in
///     let x1 = try trial.suggestFloat("x1", in: -5...10)
///     let x2 = try trial.suggestFloat("x2", in: 0...15)
///     return BenchmarkFunction.branin([x1, x2])
/// }
/// print(try study.bestValue, try study.bestParams)
/// ```
///
/// Several threads (``optimize(trials:timeout:workers:trialTimeout:maxTotalTrials:callbacks:objective:)``'s
/// `workers`) share one `Study`; several processes share a study through one
/// ``SQLiteStorage`` file, each with its own `Study` loaded by name. Sampler and pruner
/// calls are serialized: a sampler never runs on two threads at once.
public final class Study: StudyWriter, @unchecked Sendable {
    public let studyName: String
    public let directions: [StudyDirection]
    public let sampler: Sampler
    public let pruner: Pruner?
    public let storage: StudyStorage
    /// The study's id in its storage.
    public let studyID: Int

    /// The study's name (the same as ``studyName``).
    public var name: String { studyName }
    /// The direction of a single-objective study.
    public var direction: StudyDirection { directions[0] }

    private let worker = WorkerIdentity.current
    /// Serializes sampler and pruner calls.
    private let samplerLock = NSLock()
    private let stateLock = NSLock()
    private var stopRequested = false
    private var active: [Int: Trial] = [:]
    private var heartbeatPolicy: Heartbeat?
    /// The numbers of the trials this `Study` is running now.
    var activeTrialNumbers: [Int] {
        stateLock.lock()
        defer { stateLock.unlock() }
        return Array(active.keys)
    }
    /// When set, ``optimize(trials:timeout:workers:trialTimeout:maxTotalTrials:callbacks:objective:)``
    /// sends heartbeats for its running trials and re-runs the trials of silent workers.
    public var heartbeat: Heartbeat? {
        get {
            stateLock.lock()
            defer { stateLock.unlock() }
            return heartbeatPolicy
        }
        set {
            stateLock.lock()
            heartbeatPolicy = newValue
            stateLock.unlock()
        }
    }
    /// Finished trials numbered below `watermark`, which never change again: read once.
    private let cacheLock = NSLock()
    private var finishedPrefix: [FrozenTrial] = []
    private var hiddenError: Error?
    /// The last storage error hidden by a non-throwing ``trials(states:)`` or
    /// ``setTrialSystemAttribute(number:key:value:)``.
    public var lastStorageError: Error? {
        stateLock.lock()
        defer { stateLock.unlock() }
        return hiddenError
    }

    private func hide(_ error: Error) {
        stateLock.lock()
        hiddenError = error
        stateLock.unlock()
    }

    private init(
        name: String, directions: [StudyDirection], sampler: Sampler, pruner: Pruner?, storage: StudyStorage,
        studyID: Int
    ) {
        studyName = name
        self.directions = directions
        self.sampler = sampler
        self.pruner = pruner
        self.storage = storage
        self.studyID = studyID
    }

    // MARK: Creating and loading

    /// Creates a single-objective study (or loads it when `loadIfExists` and the name exists).
    public static func create(
        name: String? = nil, direction: StudyDirection = .minimize, sampler: Sampler? = nil, pruner: Pruner? = nil,
        storage: StudyStorage = InMemoryStorage(), loadIfExists: Bool = false
    ) throws -> Study {
        try create(name: name, directions: [direction], sampler: sampler, pruner: pruner, storage: storage,
                   loadIfExists: loadIfExists)
    }

    /// Creates a study with one direction per objective (several for multi-objective).
    /// The default sampler is ``RandomSampler``.
    public static func create(
        name: String? = nil, directions: [StudyDirection], sampler: Sampler? = nil, pruner: Pruner? = nil,
        storage: StudyStorage = InMemoryStorage(), loadIfExists: Bool = false
    ) throws -> Study {
        guard !directions.isEmpty else { throw TuneError.invalidArgument("a study needs at least one direction") }
        let name = name ?? "study-" + UUID().uuidString.prefix(8).lowercased()
        let id: Int
        do {
            id = try storage.createStudy(name: name, directions: directions)
        } catch StorageError.studyExists(let n) where loadIfExists {
            let study = try load(name: n, storage: storage, sampler: sampler, pruner: pruner)
            guard study.directions == directions else {
                throw TuneError.invalidArgument(
                    "study '\(n)' exists with directions \(study.directions.map(\.rawValue)), not \(directions.map(\.rawValue))")
            }
            return study
        }
        return Study(name: name, directions: directions, sampler: sampler ?? RandomSampler(), pruner: pruner,
                     storage: storage, studyID: id)
    }

    /// Loads the study `name` from `storage`. Unless `recoverStaleTrials` is false, trials left
    /// running by a worker process that died are failed and re-enqueued (see ``resume(policy:requeue:)``).
    public static func load(
        name: String, storage: StudyStorage, sampler: Sampler? = nil, pruner: Pruner? = nil,
        recoverStaleTrials: Bool = true
    ) throws -> Study {
        guard let id = try storage.studyID(named: name) else { throw StorageError.studyNotFound(name) }
        let study = Study(name: name, directions: try storage.studyDirections(studyID: id),
                          sampler: sampler ?? RandomSampler(), pruner: pruner, storage: storage, studyID: id)
        if recoverStaleTrials { try study.resume() }
        return study
    }

    /// Recovers from dead workers: each trial still `running` whose worker is gone (per
    /// `policy`) is marked failed with the reason "worker died", and, when `requeue`, its
    /// parameters are enqueued as a waiting trial that the next worker runs first.
    /// Completed trials are untouched. Returns the numbers of the trials failed.
    @discardableResult
    public func resume(policy: StaleTrialPolicy = .deadWorkers, requeue: Bool = true) throws -> [Int] {
        var failed: [Int] = []
        var silent: Set<Int> = []
        if case .missedHeartbeats(let grace) = policy {
            silent = Set(try storage.runningTrialsWithoutHeartbeat(studyID: studyID, grace: grace))
            if silent.isEmpty { return [] }
        }
        for (number, owner) in try storage.runningTrialWorkers(studyID: studyID) {
            let dead: Bool
            switch policy {
            case .allRunning: dead = true
            case .deadWorkers: dead = owner?.isKnownDead ?? false
            case .missedHeartbeats: dead = silent.contains(number)
            }
            guard dead else { continue }
            var reason = "worker died" + (owner.map { " (\($0))" } ?? "")
            if case .missedHeartbeats(let grace) = policy { reason += ": no heartbeat for \(grace) s" }
            if try storage.failStaleTrial(studyID: studyID, number: number, reason: reason, requeue: requeue) != nil {
                failed.append(number)
            }
        }
        return failed
    }

    // MARK: Trials

    /// The study's trials, oldest first, filtered by state. Finished trials are read from the
    /// storage once and cached; a storage failure throws.
    public func fetchTrials(states: Set<TrialState>? = nil) throws -> [FrozenTrial] {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        let rest = try refreshFinishedPrefix()
        let all = finishedPrefix + rest
        guard let states else { return all }
        return all.filter { states.contains($0.state) }
    }

    /// Reads the trials past the cached finished prefix, moves the newly finished ones at
    /// its front into the prefix and returns the rest. Call with `cacheLock` held.
    private func refreshFinishedPrefix() throws -> ArraySlice<FrozenTrial> {
        let fresh = try storage.trials(studyID: studyID, states: nil, fromNumber: finishedPrefix.count)
        var k = 0
        while k < fresh.count, fresh[k].state.isFinished, fresh[k].number == finishedPrefix.count {
            finishedPrefix.append(fresh[k])
            k += 1
        }
        return fresh[k...]
    }

    /// The trials numbered `fromNumber` or higher (``StudyView``): only those are copied,
    /// so a sampler that reads just the new trials pays for them alone. On a storage
    /// failure returns what is cached and keeps the error in ``lastStorageError``.
    public func trials(states: Set<TrialState>?, fromNumber: Int) -> [FrozenTrial] {
        cacheLock.lock()
        var rest: ArraySlice<FrozenTrial> = []
        var failure: Error?
        do { rest = try refreshFinishedPrefix() } catch { failure = error }
        // The cached prefix holds trial k at index k.
        var selected = Array(finishedPrefix[min(max(fromNumber, 0), finishedPrefix.count)...])
        cacheLock.unlock()
        if let failure { hide(failure) }
        selected += rest.filter { $0.number >= fromNumber }
        guard let states else { return selected }
        return selected.filter { states.contains($0.state) }
    }

    /// The study's trials (``StudyView``); on a storage failure returns what is cached and
    /// keeps the error in ``lastStorageError``.
    public func trials(states: Set<TrialState>? = nil) -> [FrozenTrial] {
        do {
            return try fetchTrials(states: states)
        } catch {
            hide(error)
            cacheLock.lock()
            defer { cacheLock.unlock() }
            return finishedPrefix.filter { states?.contains($0.state) ?? true }
        }
    }

    /// All trials, oldest first.
    public var allTrials: [FrozenTrial] { get throws { try fetchTrials() } }

    /// Enqueues a trial with fixed parameters: the next worker runs it before asking the
    /// sampler, and each `suggest…` of a fixed name returns the fixed value. Names left
    /// out are sampled as usual.
    public func enqueueTrial(params: [String: ParameterValue]) throws {
        try storage.enqueueTrials(
            studyID: studyID, systemAttributes: [[SystemKey.fixedParams: FixedParams.encode(params)]], onceKey: nil)
    }

    /// Adds a finished trial made elsewhere (warm start); returns its number.
    @discardableResult
    public func addTrial(_ trial: FrozenTrial) throws -> Int {
        guard trial.state.isFinished else { throw TuneError.invalidArgument("addTrial needs a finished trial") }
        guard let n = try storage.createTrial(studyID: studyID, template: trial, worker: nil, maxTrials: nil) else {
            throw TuneError.invalidArgument("the storage refused the trial")
        }
        return n
    }

    /// Asks every worker to stop after its current trial.
    public func stop() {
        stateLock.lock()
        stopRequested = true
        stateLock.unlock()
    }

    private var isStopRequested: Bool {
        stateLock.lock()
        defer { stateLock.unlock() }
        return stopRequested
    }

    // MARK: Best

    /// The best complete trial of a single-objective study (the earliest among equals).
    public var bestTrial: FrozenTrial {
        get throws {
            guard directions.count == 1 else { throw TuneError.multiObjective("bestTrial") }
            let complete = try fetchTrials(states: [.complete])
            let sign = direction == .minimize ? 1.0 : -1.0
            var best: FrozenTrial?
            for t in complete {
                guard let v = t.value else { continue }
                if best == nil || sign * v < sign * best!.value! { best = t }
            }
            guard let best else { throw TuneError.noCompleteTrials }
            return best
        }
    }

    public var bestValue: Double { get throws { try bestTrial.value! } }

    /// The best trial's parameters, typed (`.float`, `.int`, or the categorical choice).
    public var bestParams: [String: ParameterValue] { get throws { try bestTrial.typedParams } }

    /// The complete trials no other complete trial dominates (the Pareto front), by number.
    /// For a single objective: the trials sharing the best value.
    public var bestTrials: [FrozenTrial] {
        get throws {
            let complete = try fetchTrials(states: [.complete]).filter { ($0.values?.count ?? 0) == directions.count }
            let signs = directions.map { $0 == .minimize ? 1.0 : -1.0 }
            let points = complete.map { t in zip(t.values!, signs).map { $0 * $1 } }
            func dominates(_ a: [Double], _ b: [Double]) -> Bool {
                var strictly = false
                for (x, y) in zip(a, b) {
                    if x > y { return false }
                    if x < y { strictly = true }
                }
                return strictly
            }
            var front: [FrozenTrial] = []
            for (i, p) in points.enumerated() where !points.contains(where: { dominates($0, p) }) {
                front.append(complete[i])
            }
            return front
        }
    }

    // MARK: Optimize

    /// Runs trials of a single-objective `objective` until `trials` trials ran in this call,
    /// `timeout` seconds passed, the study's budget `maxTotalTrials` (trials in the study,
    /// counted atomically in the storage across processes) is spent, a finite sampler
    /// (grid) has no configuration left, or ``stop()`` is called.
    ///
    /// - Parameters:
    ///   - workers: threads running trials at once, sharing this study.
    ///   - trialTimeout: a trial running longer fails ("exceeded the per-trial timeout") and
    ///     its worker moves on; the objective's thread is abandoned, and its later calls on
    ///     the trial throw ``TrialTimedOut``.
    ///   - callbacks: called after each finished trial, on the worker's thread.
    ///
    /// An objective that throws, returns NaN or ±inf, or times out gives a failed trial
    /// with the reason stored; the study continues. Throwing ``TrialPruned`` gives a
    /// pruned trial. Only storage failures outside a trial stop the run, rethrown here.
    public func optimize(
        trials: Int? = nil, timeout: TimeInterval? = nil, workers: Int = 1, trialTimeout: TimeInterval? = nil,
        maxTotalTrials: Int? = nil, callbacks: [(Study, FrozenTrial) -> Void] = [],
        objective: @escaping (Trial) throws -> Double
    ) throws {
        guard directions.count == 1 else {
            throw TuneError.multiObjective("a single-valued objective (return [Double])")
        }
        try run(trials: trials, timeout: timeout, workers: workers, trialTimeout: trialTimeout,
                maxTotalTrials: maxTotalTrials, callbacks: callbacks) { [try objective($0)] }
    }

    /// Runs trials of a multi-objective `objective`, one value per direction.
    public func optimize(
        trials: Int? = nil, timeout: TimeInterval? = nil, workers: Int = 1, trialTimeout: TimeInterval? = nil,
        maxTotalTrials: Int? = nil, callbacks: [(Study, FrozenTrial) -> Void] = [],
        objective: @escaping (Trial) throws -> [Double]
    ) throws {
        try run(trials: trials, timeout: timeout, workers: workers, trialTimeout: trialTimeout,
                maxTotalTrials: maxTotalTrials, callbacks: callbacks, objective: objective)
    }

    private final class RunState: @unchecked Sendable {
        let lock = NSLock()
        var started = 0
        var error: Error?
        let limit: Int?
        init(limit: Int?) { self.limit = limit }

        func reserve() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard error == nil else { return false }
            if let limit, started >= limit { return false }
            started += 1
            return true
        }

        func release() {
            lock.lock()
            started -= 1
            lock.unlock()
        }

        func fail(_ e: Error) {
            lock.lock()
            if error == nil { error = e }
            lock.unlock()
        }
    }

    private func run(
        trials: Int?, timeout: TimeInterval?, workers: Int, trialTimeout: TimeInterval?, maxTotalTrials: Int?,
        callbacks: [(Study, FrozenTrial) -> Void], objective: @escaping (Trial) throws -> [Double]
    ) throws {
        guard workers >= 1 else { throw TuneError.invalidArgument("workers must be ≥ 1, got \(workers)") }
        if let trialTimeout, !(trialTimeout > 0) {
            throw TuneError.invalidArgument("trialTimeout must be positive")
        }
        stateLock.lock()
        stopRequested = false
        stateLock.unlock()
        if let finite = sampler as? FiniteSampler {
            let attrs = finite.configurations().map { [SystemKey.fixedParams: FixedParams.encode($0)] }
            try storage.enqueueTrials(studyID: studyID, systemAttributes: attrs, onceKey: finite.configurationSetKey)
        }
        let beating = heartbeat
        if let beating { try resume(policy: .missedHeartbeats(grace: beating.grace)) }
        let start = Date()
        let state = RunState(limit: trials)
        let pulse = beating.map { policy in
            startHeartbeat(policy) { [self] error in
                state.fail(error)
                stop()
            }
        }
        defer { pulse?.stop() }
        let loop = { [self] in
            while !isStopRequested {
                if let timeout, Date().timeIntervalSince(start) >= timeout { break }
                guard state.reserve() else { break }
                do {
                    guard let trial = try startTrial(maxTotalTrials: maxTotalTrials) else {
                        state.release()
                        break
                    }
                    let frozen = try runTrial(trial, trialTimeout: trialTimeout, objective: objective)
                    for callback in callbacks { callback(self, frozen) }
                } catch {
                    state.fail(error)
                    break
                }
            }
        }
        if workers == 1 {
            loop()
        } else {
            let group = DispatchGroup()
            for k in 0..<workers {
                group.enter()
                let thread = Thread {
                    loop()
                    group.leave()
                }
                thread.name = "hone-tune-worker-\(k)"
                thread.stackSize = 8 << 20
                thread.start()
            }
            group.wait()
        }
        if let error = state.error { throw error }
    }

    /// Starts the next trial: the oldest waiting (enqueued) one if any, else a new one;
    /// `nil` when the budget is spent or a finite sampler has nothing left.
    private func startTrial(maxTotalTrials: Int?) throws -> Trial? {
        var frozen = try storage.claimWaitingTrial(studyID: studyID, worker: worker, maxTrials: maxTotalTrials)
        if frozen == nil {
            if sampler is FiniteSampler { return nil }
            guard let n = try storage.createTrial(studyID: studyID, template: nil, worker: worker,
                                                  maxTrials: maxTotalTrials) else { return nil }
            frozen = FrozenTrial(number: n, state: .running, startDate: Date())
        }
        let trial = Trial(study: self, frozen: frozen!)
        stateLock.lock()
        active[trial.number] = trial
        stateLock.unlock()
        let snapshot = trial.snapshot()
        samplerLock.lock()
        let space = sampler.inferRelativeSearchSpace(study: self, trial: snapshot)
        let relative = space.isEmpty ? [:] : sampler.sampleRelative(study: self, trial: snapshot, searchSpace: space)
        samplerLock.unlock()
        trial.setRelative(space: space, params: relative)
        return trial
    }

    private final class Outcome: @unchecked Sendable {
        let lock = NSLock()
        var result: Result<[Double], Error>?
    }

    private func runTrial(
        _ trial: Trial, trialTimeout: TimeInterval?, objective: @escaping (Trial) throws -> [Double]
    ) throws -> FrozenTrial {
        let result: Result<[Double], Error>
        if let trialTimeout {
            let outcome = Outcome()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                let r = Result { try objective(trial) }
                outcome.lock.lock()
                outcome.result = r
                outcome.lock.unlock()
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
            if done.wait(timeout: .now() + trialTimeout) == .timedOut {
                trial.markFinished(timedOutAfter: trialTimeout)
                result = .failure(TrialTimedOut(seconds: trialTimeout))
            } else {
                outcome.lock.lock()
                result = outcome.result!
                outcome.lock.unlock()
            }
        } else {
            result = Result { try objective(trial) }
        }

        var state = TrialState.complete
        var values: [Double]?
        var reason: String?
        switch result {
        case .success(let v):
            if v.count != directions.count {
                state = .failed
                reason = "objective returned \(v.count) values for \(directions.count) objectives"
            } else if let bad = v.first(where: { !$0.isFinite }) {
                state = .failed
                reason = "objective returned \(bad)"
            } else {
                values = v
            }
        case .failure(let error as TrialPruned):
            _ = error
            state = .pruned
            if directions.count == 1, let last = trial.lastIntermediateValue, last.isFinite { values = [last] }
        case .failure(let error as TrialTimedOut):
            state = .failed
            reason = error.description
        case .failure(let error):
            state = .failed
            reason = "objective threw \(type(of: error)): \(error)"
        }
        return try finish(trial, state: state, values: values, failReason: reason)
    }

    private func finish(_ trial: Trial, state: TrialState, values: [Double]?, failReason: String?) throws -> FrozenTrial {
        trial.markFinished()
        stateLock.lock()
        active[trial.number] = nil
        stateLock.unlock()
        var frozen = trial.snapshot()
        samplerLock.lock()
        sampler.afterTrial(study: self, trial: frozen, state: state, values: values)
        samplerLock.unlock()
        let stored = try storage.finishTrial(
            studyID: studyID, number: trial.number, state: state, values: values, failReason: failReason)
        guard stored else {
            // Someone else (a resume that judged the worker dead) finished it first.
            return try storage.trial(studyID: studyID, number: trial.number)
        }
        frozen.state = state
        frozen.values = values
        frozen.failReason = failReason
        frozen.completeDate = Date()
        return frozen
    }

    // MARK: Sampler and pruner access (serialized)

    func sampleIndependent(trial: Trial, name: String, distribution: ParameterDistribution) -> Double {
        let snapshot = trial.snapshot()
        samplerLock.lock()
        defer { samplerLock.unlock() }
        return sampler.sampleIndependent(study: self, trial: snapshot, name: name, distribution: distribution)
    }

    func askPruner(trial: Trial) -> Bool {
        guard let pruner else { return false }
        let snapshot = trial.snapshot()
        samplerLock.lock()
        defer { samplerLock.unlock() }
        return pruner.shouldPrune(study: self, trial: snapshot)
    }

    public func setTrialSystemAttribute(number: Int, key: String, value: String) {
        stateLock.lock()
        let trial = active[number]
        stateLock.unlock()
        do {
            try storage.setTrialSystemAttribute(studyID: studyID, number: number, key: key, value: value)
            trial?.setLocalSystemAttribute(key, value)
        } catch {
            trial?.recordError(error)
            hide(error)
        }
    }
}
