import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a study's trials live: a narrow create/read/update protocol in the shape of
/// Optuna's `BaseStorage`, so that another backend (PostgreSQL) is a second implementation
/// of these methods and nothing else.
///
/// Trials are addressed by `(studyID, number)`; numbers are assigned by the storage,
/// from 0, in creation order, without gaps or duplicates even with several processes.
///
/// Write rules every implementation keeps:
/// - each method is atomic (one transaction in a database);
/// - trial updates apply only while the trial is `running`, else they throw
///   ``StorageError/trialFinished(study:number:state:)`` (a timed-out or reaped trial cannot
///   be changed by a late worker);
/// - ``finishTrial(studyID:number:state:values:failReason:)`` is compare-and-set: it returns
///   `false`, changing nothing, when the trial was no longer running;
/// - a trial *budget* (`maxTrials`) counts trials that are running or finished, except
///   trials failed because their worker died and re-enqueued (their waiting copy counts
///   once it runs), so N workers sharing a budget run exactly N trials in total.
public protocol StudyStorage: AnyObject {
    // MARK: Studies

    /// Creates a study; throws ``StorageError/studyExists(_:)`` when the name is taken.
    func createStudy(name: String, directions: [StudyDirection]) throws -> Int
    /// The id of the study named `name`, or `nil`.
    func studyID(named name: String) throws -> Int?
    func studyDirections(studyID: Int) throws -> [StudyDirection]
    func studyNames() throws -> [String]
    func studySystemAttributes(studyID: Int) throws -> [String: String]
    func setStudySystemAttribute(studyID: Int, key: String, value: String) throws

    // MARK: Trials

    /// Creates a trial and returns its number, or `nil` when the budget `maxTrials` is spent.
    ///
    /// Without a template the trial is `running`, started now by `worker`. With a template
    /// (a finished trial to copy in, or a `waiting` one to enqueue) every field of the
    /// template except its number is stored as given.
    func createTrial(studyID: Int, template: FrozenTrial?, worker: WorkerIdentity?, maxTrials: Int?) throws -> Int?
    /// Enqueues waiting trials, each with the given system attributes. With `onceKey`, does
    /// so only if no earlier call used that key on this study (atomically; returns whether it did).
    @discardableResult
    func enqueueTrials(studyID: Int, systemAttributes: [[String: String]], onceKey: String?) throws -> Bool
    /// Atomically moves the oldest waiting trial to `running` for `worker` and returns it,
    /// or `nil` when none is waiting or the budget is spent.
    func claimWaitingTrial(studyID: Int, worker: WorkerIdentity?, maxTrials: Int?) throws -> FrozenTrial?
    func setTrialParam(
        studyID: Int, number: Int, name: String, value: Double, distribution: ParameterDistribution) throws
    func setTrialIntermediateValue(studyID: Int, number: Int, step: Int, value: Double) throws
    func setTrialUserAttribute(studyID: Int, number: Int, key: String, value: String) throws
    func setTrialSystemAttribute(studyID: Int, number: Int, key: String, value: String) throws
    /// Sets the final state (complete, pruned, failed) with its values and reason, only if
    /// the trial is still running; returns whether it was.
    func finishTrial(
        studyID: Int, number: Int, state: TrialState, values: [Double]?, failReason: String?) throws -> Bool
    /// Marks a running trial whose worker died as failed with `reason`, and, when `requeue`,
    /// enqueues a waiting trial with its parameters fixed; atomically. Returns the new
    /// waiting trial's number (or -1 without requeue), `nil` if the trial was not running.
    func failStaleTrial(studyID: Int, number: Int, reason: String, requeue: Bool) throws -> Int?

    /// One trial, with everything stored about it.
    func trial(studyID: Int, number: Int) throws -> FrozenTrial
    /// The study's trials with number ≥ `fromNumber`, oldest first, filtered by state.
    func trials(studyID: Int, states: Set<TrialState>?, fromNumber: Int) throws -> [FrozenTrial]
    /// The worker recorded on each running trial.
    func runningTrialWorkers(studyID: Int) throws -> [(number: Int, worker: WorkerIdentity?)]

    // MARK: Heartbeats

    /// Records, on the storage's own clock, that the workers of these running trials are
    /// alive. A trial's start counts as its first heartbeat; finished trials are ignored.
    func recordHeartbeat(studyID: Int, numbers: [Int]) throws
    /// The running trials whose last heartbeat is more than `grace` seconds old on the
    /// storage's clock (one clock for workers on many hosts), oldest first.
    func runningTrialsWithoutHeartbeat(studyID: Int, grace: TimeInterval) throws -> [Int]
}

extension StudyStorage {
    public func trials(studyID: Int, states: Set<TrialState>? = nil) throws -> [FrozenTrial] {
        try trials(studyID: studyID, states: states, fromNumber: 0)
    }
}

/// The process a running trial belongs to, so that a later `resume` can tell a trial
/// whose worker died from one that is still being worked on.
public struct WorkerIdentity: Codable, Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var pid: Int32

    public init(host: String, pid: Int32) {
        self.host = host
        self.pid = pid
    }

    /// This process.
    public static let current = WorkerIdentity(
        host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier)

    public var description: String { "\(host):\(pid)" }

    /// Whether the process is known to be gone: on this host, no such process (or a zombie).
    /// A worker on another host is never judged dead by this test.
    public var isKnownDead: Bool {
        guard host == WorkerIdentity.current.host else { return false }
        if pid == WorkerIdentity.current.pid { return false }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        // A killed child not yet reaped by its parent still answers kill(0).
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            let rest = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces)
            if rest.hasPrefix("Z") || rest.hasPrefix("X") { return true }
        }
        return false
    }
}

/// Storage failures, each naming what it is about.
public enum StorageError: Error, CustomStringConvertible, Equatable {
    /// The file exists but is not a Hone study database.
    case notAStudy(path: String, reason: String)
    /// The file was written by a newer Hone whose schema this one cannot read.
    case newerSchema(path: String, found: Int, supported: Int)
    /// The file is a Hone study but damaged.
    case corrupt(path: String, detail: String)
    /// The study file does not exist (and was not to be created).
    case fileNotFound(path: String)
    case studyNotFound(String)
    case studyExists(String)
    case trialNotFound(study: Int, number: Int)
    /// An update of a trial that has already finished.
    case trialFinished(study: Int, number: Int, state: TrialState)
    /// Any other database error.
    case database(path: String, code: Int32, message: String)
    /// The database server could not be reached or refused the login; `location` is its
    /// address without the password.
    case connectionFailed(location: String, message: String)

    public var description: String {
        switch self {
        case .notAStudy(let path, let reason):
            return "\(path) is not a Hone study database (\(reason))"
        case .newerSchema(let path, let found, let supported):
            return "\(path) has study schema version \(found), newer than the version \(supported) "
                + "this Hone reads; upgrade Hone to open it"
        case .corrupt(let path, let detail):
            return "\(path) is a damaged study database: \(detail)"
        case .fileNotFound(let path):
            return "no study database at \(path)"
        case .studyNotFound(let name):
            return "no study named '\(name)'"
        case .studyExists(let name):
            return "a study named '\(name)' already exists"
        case .trialNotFound(let study, let number):
            return "no trial \(number) in study \(study)"
        case .trialFinished(_, let number, let state):
            return "trial \(number) is already \(state.rawValue) and cannot change"
        case .database(let path, let code, let message):
            return code == 0 ? "database error on \(path): \(message)" : "database error \(code) on \(path): \(message)"
        case .connectionFailed(let location, let message):
            return "cannot connect to \(location): \(message)"
        }
    }
}

/// Keys of system attributes Hone itself keeps.
enum SystemKey {
    /// On a waiting trial: the JSON of its fixed parameters (`[String: ParameterValue]`).
    static let fixedParams = "hone:fixed_params"
    /// On a trial re-enqueued after its worker died: the number of the dead trial.
    static let retryOf = "hone:retry_of"
    /// On a dead trial: the number of its waiting copy.
    static let retriedBy = "hone:retried_by"
    /// On a study: markers of sets enqueued once (grids).
    static func enqueued(_ key: String) -> String { "hone:enqueued:" + key }
}

enum FixedParams {
    static func encode(_ params: [String: ParameterValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(params)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String?) -> [String: ParameterValue] {
        guard let text else { return [:] }
        return (try? JSONDecoder().decode([String: ParameterValue].self, from: Data(text.utf8))) ?? [:]
    }

    /// The typed parameters of a trial, to fix them in a copy.
    static func of(_ trial: FrozenTrial) -> [String: ParameterValue] {
        var fixed = decode(trial.systemAttributes[SystemKey.fixedParams])
        for (k, v) in trial.typedParams { fixed[k] = v }
        return fixed
    }
}
