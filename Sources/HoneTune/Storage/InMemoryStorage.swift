import Foundation

/// A storage in this process's memory: fast, shared by the threads of one process, gone
/// when the process ends. The default of `Study.create`.
public final class InMemoryStorage: StudyStorage, @unchecked Sendable {
    private struct StoredStudy {
        var name: String
        var directions: [StudyDirection]
        var systemAttributes: [String: String] = [:]
        var trials: [FrozenTrial] = []
        /// Running trials and their workers (`nil`: unknown).
        var workers: [Int: WorkerIdentity?] = [:]
        /// Running trials and the time of their last heartbeat (their start at first).
        var heartbeats: [Int: Date] = [:]
        /// Dead trials re-enqueued: they do not count toward a budget.
        var requeued: Set<Int> = []
        /// Waiting trials, oldest first (numbers only grow, so appending keeps the order).
        var waiting: [Int] = []
        var waitingHead = 0
        /// Trials counted toward a budget: running or finished, not re-enqueued.
        var used = 0
    }

    private var studies: [StoredStudy] = []
    private let lock = NSLock()

    public init() {}

    private func withStudy<T>(_ id: Int, _ body: (inout StoredStudy) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard studies.indices.contains(id) else { throw StorageError.studyNotFound("#\(id)") }
        return try body(&studies[id])
    }

    private func withRunningTrial<T>(
        _ studyID: Int, _ number: Int, _ body: (inout FrozenTrial) throws -> T
    ) throws -> T {
        try withStudy(studyID) { s in
            guard s.trials.indices.contains(number) else {
                throw StorageError.trialNotFound(study: studyID, number: number)
            }
            guard s.trials[number].state == .running else {
                throw StorageError.trialFinished(study: studyID, number: number, state: s.trials[number].state)
            }
            return try body(&s.trials[number])
        }
    }


    // MARK: Studies

    public func createStudy(name: String, directions: [StudyDirection]) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        if studies.contains(where: { $0.name == name }) { throw StorageError.studyExists(name) }
        studies.append(StoredStudy(name: name, directions: directions))
        return studies.count - 1
    }

    public func studyID(named name: String) throws -> Int? {
        lock.lock()
        defer { lock.unlock() }
        return studies.firstIndex { $0.name == name }
    }

    public func studyDirections(studyID: Int) throws -> [StudyDirection] {
        try withStudy(studyID) { $0.directions }
    }

    public func studyNames() throws -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return studies.map(\.name)
    }

    public func studySystemAttributes(studyID: Int) throws -> [String: String] {
        try withStudy(studyID) { $0.systemAttributes }
    }

    public func setStudySystemAttribute(studyID: Int, key: String, value: String) throws {
        try withStudy(studyID) { $0.systemAttributes[key] = value }
    }

    // MARK: Trials

    public func createTrial(
        studyID: Int, template: FrozenTrial?, worker: WorkerIdentity?, maxTrials: Int?
    ) throws -> Int? {
        try withStudy(studyID) { s in
            let counts = template.map { $0.state != .waiting } ?? true
            if counts, let maxTrials, s.used >= maxTrials { return nil }
            let number = s.trials.count
            var t = template ?? FrozenTrial(number: number, state: .running, startDate: Date())
            t.number = number
            s.trials.append(t)
            if counts { s.used += 1 } else { s.waiting.append(number) }
            if t.state == .running {
                s.workers[number] = .some(worker)
                s.heartbeats[number] = Date()
            }
            return number
        }
    }

    public func enqueueTrials(studyID: Int, systemAttributes: [[String: String]], onceKey: String?) throws -> Bool {
        try withStudy(studyID) { s in
            if let onceKey {
                let marker = SystemKey.enqueued(onceKey)
                if s.systemAttributes[marker] != nil { return false }
                s.systemAttributes[marker] = "1"
            }
            for attrs in systemAttributes {
                s.waiting.append(s.trials.count)
                s.trials.append(FrozenTrial(number: s.trials.count, state: .waiting, systemAttributes: attrs))
            }
            return true
        }
    }

    public func claimWaitingTrial(studyID: Int, worker: WorkerIdentity?, maxTrials: Int?) throws -> FrozenTrial? {
        try withStudy(studyID) { s in
            guard s.waitingHead < s.waiting.count else { return nil }
            if let maxTrials, s.used >= maxTrials { return nil }
            let i = s.waiting[s.waitingHead]
            s.waitingHead += 1
            s.used += 1
            s.trials[i].state = .running
            s.trials[i].startDate = Date()
            s.workers[i] = .some(worker)
            s.heartbeats[i] = Date()
            return s.trials[i]
        }
    }

    public func setTrialParam(
        studyID: Int, number: Int, name: String, value: Double, distribution: ParameterDistribution
    ) throws {
        try withRunningTrial(studyID, number) { t in
            t.params[name] = value
            t.distributions[name] = distribution
        }
    }

    public func setTrialIntermediateValue(studyID: Int, number: Int, step: Int, value: Double) throws {
        try withRunningTrial(studyID, number) { $0.intermediateValues[step] = value }
    }

    public func setTrialUserAttribute(studyID: Int, number: Int, key: String, value: String) throws {
        try withRunningTrial(studyID, number) { $0.userAttributes[key] = value }
    }

    public func setTrialSystemAttribute(studyID: Int, number: Int, key: String, value: String) throws {
        try withRunningTrial(studyID, number) { $0.systemAttributes[key] = value }
    }

    public func finishTrial(
        studyID: Int, number: Int, state: TrialState, values: [Double]?, failReason: String?
    ) throws -> Bool {
        try withStudy(studyID) { s in
            guard s.trials.indices.contains(number) else {
                throw StorageError.trialNotFound(study: studyID, number: number)
            }
            guard s.trials[number].state == .running else { return false }
            s.trials[number].state = state
            s.trials[number].values = values
            s.trials[number].failReason = failReason
            s.trials[number].completeDate = Date()
            s.workers[number] = nil
            s.heartbeats[number] = nil
            return true
        }
    }

    public func failStaleTrial(studyID: Int, number: Int, reason: String, requeue: Bool) throws -> Int? {
        try withStudy(studyID) { s in
            guard s.trials.indices.contains(number), s.trials[number].state == .running else { return nil }
            s.trials[number].state = .failed
            s.trials[number].failReason = reason
            s.trials[number].completeDate = Date()
            s.workers[number] = nil
            s.heartbeats[number] = nil
            guard requeue else { return -1 }
            let copyNumber = s.trials.count
            s.requeued.insert(number)
            s.used -= 1
            s.waiting.append(copyNumber)
            s.trials[number].systemAttributes[SystemKey.retriedBy] = String(copyNumber)
            let attrs = [
                SystemKey.fixedParams: FixedParams.encode(FixedParams.of(s.trials[number])),
                SystemKey.retryOf: String(number),
            ]
            s.trials.append(FrozenTrial(number: copyNumber, state: .waiting, systemAttributes: attrs))
            return copyNumber
        }
    }

    public func trial(studyID: Int, number: Int) throws -> FrozenTrial {
        try withStudy(studyID) { s in
            guard s.trials.indices.contains(number) else {
                throw StorageError.trialNotFound(study: studyID, number: number)
            }
            return s.trials[number]
        }
    }

    public func trials(studyID: Int, states: Set<TrialState>?, fromNumber: Int) throws -> [FrozenTrial] {
        try withStudy(studyID) { s in
            let tail = s.trials[min(max(fromNumber, 0), s.trials.count)...]
            guard let states else { return Array(tail) }
            return tail.filter { states.contains($0.state) }
        }
    }

    public func runningTrialWorkers(studyID: Int) throws -> [(number: Int, worker: WorkerIdentity?)] {
        try withStudy(studyID) { s in
            s.workers.keys.sorted().map { ($0, s.workers[$0] ?? nil) }
        }
    }

    // MARK: Heartbeats

    public func recordHeartbeat(studyID: Int, numbers: [Int]) throws {
        let now = Date()
        try withStudy(studyID) { s in
            for number in numbers where s.heartbeats[number] != nil { s.heartbeats[number] = now }
        }
    }

    public func runningTrialsWithoutHeartbeat(studyID: Int, grace: TimeInterval) throws -> [Int] {
        let limit = Date().addingTimeInterval(-grace)
        return try withStudy(studyID) { s in s.heartbeats.filter { $0.value < limit }.map(\.key).sorted() }
    }
}
