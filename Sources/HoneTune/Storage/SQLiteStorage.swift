import CSQLite
import Foundation

/// The embedded study storage: one SQLite file that several threads and several
/// *processes* share safely.
///
/// - WAL journal (readers never block the writer), `synchronous=NORMAL` (a committed
///   trial survives a killed process; only a power cut may lose the last commits),
///   a busy timeout so writers queue for the lock.
/// - Every change is one `BEGIN IMMEDIATE` transaction; SQL is parameterized only.
/// - A versioned schema: the `schema_version` table and the file's `application_id`
///   ('HONE') identify a study file. Opening a file that is not one throws
///   ``StorageError/notAStudy(path:reason:)``, a file from a newer Hone
///   ``StorageError/newerSchema(path:found:supported:)``, each naming the file.
///
/// One `SQLiteStorage` is one connection; threads of a process may share it (calls are
/// serialized) or open their own.
public final class SQLiteStorage: StudyStorage, @unchecked Sendable {
    /// The schema version this Hone writes and reads.
    public static let schemaVersion = 2
    /// `PRAGMA application_id` of Hone study files: "HONE".
    public static let applicationID: Int32 = 0x484F_4E45

    public let path: String
    private let db: SQLiteConnection
    private let lock = NSLock()
    /// (study, number) → trial_id; rows are never deleted, so the map never goes stale.
    private var trialIDs: [Int: [Int: Int64]] = [:]
    private var distributionText: [ParameterDistribution: String] = [:]
    private var distributionValue: [String: ParameterDistribution] = [:]

    /// Opens (and with `create`, creates) the study database at `path`.
    /// - Parameter busyTimeout: how long a write waits for another process's lock.
    public init(path: String, create: Bool = true, busyTimeout: TimeInterval = 60) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if !exists && !create { throw StorageError.fileNotFound(path: path) }
        if exists && isDirectory.boolValue {
            throw StorageError.notAStudy(path: path, reason: "it is a directory")
        }
        db = try SQLiteConnection(path: path, create: create, busyTimeout: busyTimeout)
        try openSchema()
    }

    // MARK: Schema

    private static let schemaV1 = """
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        CREATE TABLE studies (
            study_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            directions TEXT NOT NULL,
            created REAL NOT NULL,
            budget_used INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE study_system_attrs (
            study_id INTEGER NOT NULL REFERENCES studies (study_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (study_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE trials (
            trial_id INTEGER PRIMARY KEY,
            study_id INTEGER NOT NULL REFERENCES studies (study_id),
            number INTEGER NOT NULL,
            state TEXT NOT NULL,
            fail_reason TEXT,
            start_time REAL,
            complete_time REAL,
            worker_host TEXT,
            worker_pid INTEGER,
            requeued INTEGER NOT NULL DEFAULT 0,
            UNIQUE (study_id, number)
        );
        CREATE INDEX trials_by_state ON trials (study_id, state, number);
        CREATE TABLE trial_values (
            trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
            objective INTEGER NOT NULL, value REAL,
            PRIMARY KEY (trial_id, objective)
        ) WITHOUT ROWID;
        CREATE TABLE trial_params (
            trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
            name TEXT NOT NULL, value REAL NOT NULL, distribution TEXT NOT NULL,
            PRIMARY KEY (trial_id, name)
        ) WITHOUT ROWID;
        CREATE TABLE trial_intermediate_values (
            trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
            step INTEGER NOT NULL, value REAL,
            PRIMARY KEY (trial_id, step)
        ) WITHOUT ROWID;
        CREATE TABLE trial_user_attrs (
            trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (trial_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE trial_system_attrs (
            trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (trial_id, key)
        ) WITHOUT ROWID;
        """

    /// Statements that bring a file of version `k` to `k + 1`, keyed by `k`.
    private static let migrations: [Int: String] = [
        // Version 2: the time of each running trial's last heartbeat.
        1: "ALTER TABLE trials ADD COLUMN heartbeat REAL; UPDATE trials SET heartbeat = start_time WHERE state = 'running'",
    ]

    private func openSchema() throws {
        // The first read tells an SQLite file from anything else (SQLITE_NOTADB).
        let tables = try db.query("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text(0) }
        let appID = try db.scalarInt("PRAGMA application_id") ?? 0
        if appID != 0 && Int32(truncatingIfNeeded: appID) != Self.applicationID {
            throw StorageError.notAStudy(
                path: path, reason: "an SQLite file of another application (id \(String(appID, radix: 16)))")
        }
        if tables.contains("schema_version") {
            try checkVersion()
        } else if !tables.isEmpty {
            throw StorageError.notAStudy(
                path: path,
                reason: "an SQLite database without a schema_version table (tables: "
                    + tables.sorted().prefix(5).joined(separator: ", ") + ")")
        } else {
            try db.exec("PRAGMA journal_mode = WAL")
            try db.writeTransaction {
                // Another process may have created the schema meanwhile.
                let now = try db.query("SELECT name FROM sqlite_master WHERE name = 'schema_version'") { $0.text(0) }
                guard now.isEmpty else { return }
                try db.exec(Self.schemaV1)
                try db.run("INSERT INTO schema_version (version) VALUES (1)")
                try db.exec("PRAGMA application_id = \(Self.applicationID)")
            }
            try checkVersion()
        }
        try db.exec("PRAGMA journal_mode = WAL")
        try db.exec("PRAGMA synchronous = NORMAL")
    }

    private func checkVersion() throws {
        guard let version = try db.scalarInt("SELECT MAX(version) FROM schema_version") else {
            throw StorageError.corrupt(path: path, detail: "the schema_version table is empty")
        }
        if version > Self.schemaVersion {
            throw StorageError.newerSchema(path: path, found: version, supported: Self.schemaVersion)
        }
        if version < Self.schemaVersion { try migrate() }
    }

    /// Brings an older file to ``schemaVersion``, one version at a time, in one write
    /// transaction (another process may be migrating it at the same moment).
    private func migrate() throws {
        try db.writeTransaction {
            var version = try db.scalarInt("SELECT MAX(version) FROM schema_version") ?? Self.schemaVersion
            while version < Self.schemaVersion {
                guard let step = Self.migrations[version] else {
                    throw StorageError.notAStudy(path: path, reason: "schema version \(version) has no migration")
                }
                try db.exec(step)
                version += 1
                try db.run("UPDATE schema_version SET version = ?", [SQLValue(version)])
            }
        }
    }

    // MARK: Helpers

    @discardableResult
    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func encode(_ d: ParameterDistribution) -> String {
        if let s = distributionText[d] { return s }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let s = String(decoding: (try? encoder.encode(d)) ?? Data(), as: UTF8.self)
        distributionText[d] = s
        return s
    }

    private func decode(_ s: String) throws -> ParameterDistribution {
        if let d = distributionValue[s] { return d }
        guard let d = try? JSONDecoder().decode(ParameterDistribution.self, from: Data(s.utf8)) else {
            throw StorageError.corrupt(path: path, detail: "unreadable distribution \(s)")
        }
        distributionValue[s] = d
        return d
    }

    private static func time(_ d: Date?) -> SQLValue { SQLValue(d?.timeIntervalSinceReferenceDate) }

    private func trialID(_ study: Int, _ number: Int) throws -> Int64 {
        if let id = trialIDs[study]?[number] { return id }
        guard let id = try db.scalarInt(
            "SELECT trial_id FROM trials WHERE study_id = ? AND number = ?", [SQLValue(study), SQLValue(number)])
        else { throw StorageError.trialNotFound(study: study, number: number) }
        trialIDs[study, default: [:]][number] = Int64(id)
        return Int64(id)
    }

    private func state(of trialID: Int64) throws -> TrialState {
        let s = try db.query("SELECT state FROM trials WHERE trial_id = ?", [.int(trialID)]) { $0.text(0) }.first
        return s.flatMap(TrialState.init(rawValue:)) ?? .failed
    }

    /// Runs a write on a trial in one transaction, after checking it is still running.
    private func updateRunning(_ study: Int, _ number: Int, _ body: (Int64) throws -> Void) throws {
        try locked {
            let id = try trialID(study, number)
            try db.writeTransaction {
                let s = try state(of: id)
                guard s == .running else {
                    throw StorageError.trialFinished(study: study, number: number, state: s)
                }
                try body(id)
            }
        }
    }

    private func budgetAllows(_ study: Int, _ maxTrials: Int?) throws -> Bool {
        guard let maxTrials else { return true }
        let used = try db.scalarInt("SELECT budget_used FROM studies WHERE study_id = ?", [SQLValue(study)]) ?? 0
        return used < maxTrials
    }

    private func nextNumber(_ study: Int) throws -> Int {
        (try db.scalarInt("SELECT MAX(number) FROM trials WHERE study_id = ?", [SQLValue(study)]) ?? -1) + 1
    }

    private func insertTrialRow(_ study: Int, number: Int, state: TrialState, failReason: String? = nil,
                                start: Date?, complete: Date? = nil, worker: WorkerIdentity?) throws -> Int64 {
        try db.run(
            """
            INSERT INTO trials (study_id, number, state, fail_reason, start_time, complete_time, heartbeat,
                                worker_host, worker_pid)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [SQLValue(study), SQLValue(number), .text(state.rawValue), SQLValue(failReason),
             Self.time(start), Self.time(complete), state == .running ? Self.time(Date()) : .null, SQLValue(worker?.host),
             worker.map { SQLValue(Int($0.pid)) } ?? .null])
        let id = Int64(try db.scalarInt("SELECT last_insert_rowid()") ?? 0)
        trialIDs[study, default: [:]][number] = id
        return id
    }

    private func countBudget(_ study: Int, _ delta: Int) throws {
        try db.run("UPDATE studies SET budget_used = budget_used + ? WHERE study_id = ?",
                   [SQLValue(delta), SQLValue(study)])
    }

    private func setSystemAttribute(_ id: Int64, _ key: String, _ value: String) throws {
        try db.run("INSERT OR REPLACE INTO trial_system_attrs (trial_id, key, value) VALUES (?, ?, ?)",
                   [.int(id), .text(key), .text(value)])
    }

    // MARK: Studies

    public func createStudy(name: String, directions: [StudyDirection]) throws -> Int {
        try locked {
            try db.writeTransaction {
                if try db.scalarInt("SELECT study_id FROM studies WHERE name = ?", [.text(name)]) != nil {
                    throw StorageError.studyExists(name)
                }
                try db.run("INSERT INTO studies (name, directions, created) VALUES (?, ?, ?)",
                           [.text(name), .text(directions.map(\.rawValue).joined(separator: ",")),
                            Self.time(Date())])
                return try db.scalarInt("SELECT last_insert_rowid()") ?? 0
            }
        }
    }

    public func studyID(named name: String) throws -> Int? {
        try locked { try db.scalarInt("SELECT study_id FROM studies WHERE name = ?", [.text(name)]) }
    }

    public func studyDirections(studyID: Int) throws -> [StudyDirection] {
        try locked {
            guard let text = try db.query("SELECT directions FROM studies WHERE study_id = ?",
                                          [SQLValue(studyID)], { $0.text(0) }).first
            else { throw StorageError.studyNotFound("#\(studyID)") }
            return try text.split(separator: ",").map {
                guard let d = StudyDirection(rawValue: String($0)) else {
                    throw StorageError.corrupt(path: path, detail: "unknown direction '\($0)'")
                }
                return d
            }
        }
    }

    public func studyNames() throws -> [String] {
        try locked { try db.query("SELECT name FROM studies ORDER BY study_id") { $0.text(0) } }
    }

    public func studySystemAttributes(studyID: Int) throws -> [String: String] {
        try locked {
            var out: [String: String] = [:]
            for (k, v) in try db.query("SELECT key, value FROM study_system_attrs WHERE study_id = ?",
                                       [SQLValue(studyID)], { ($0.text(0), $0.text(1)) }) { out[k] = v }
            return out
        }
    }

    public func setStudySystemAttribute(studyID: Int, key: String, value: String) throws {
        try locked {
            try db.writeTransaction {
                try db.run("INSERT OR REPLACE INTO study_system_attrs (study_id, key, value) VALUES (?, ?, ?)",
                           [SQLValue(studyID), .text(key), .text(value)])
            }
        }
    }

    // MARK: Trials

    public func createTrial(
        studyID: Int, template: FrozenTrial?, worker: WorkerIdentity?, maxTrials: Int?
    ) throws -> Int? {
        try locked {
            try db.writeTransaction {
                let counts = template.map { $0.state != .waiting } ?? true
                if counts, !(try budgetAllows(studyID, maxTrials)) { return nil }
                let number = try nextNumber(studyID)
                guard let t = template else {
                    _ = try insertTrialRow(studyID, number: number, state: .running, start: Date(), worker: worker)
                    try countBudget(studyID, 1)
                    return number
                }
                let id = try insertTrialRow(
                    studyID, number: number, state: t.state, failReason: t.failReason, start: t.startDate,
                    complete: t.completeDate, worker: t.state == .running ? worker : nil)
                if counts { try countBudget(studyID, 1) }
                for (k, v) in (t.values ?? []).enumerated() {
                    try db.run("INSERT INTO trial_values (trial_id, objective, value) VALUES (?, ?, ?)",
                               [.int(id), SQLValue(k), .double(v)])
                }
                for (name, v) in t.params {
                    guard let d = t.distributions[name] else { continue }
                    try db.run("INSERT INTO trial_params (trial_id, name, value, distribution) VALUES (?, ?, ?, ?)",
                               [.int(id), .text(name), .double(v), .text(encode(d))])
                }
                for (step, v) in t.intermediateValues {
                    try db.run("INSERT INTO trial_intermediate_values (trial_id, step, value) VALUES (?, ?, ?)",
                               [.int(id), SQLValue(step), .double(v)])
                }
                for (k, v) in t.userAttributes {
                    try db.run("INSERT INTO trial_user_attrs (trial_id, key, value) VALUES (?, ?, ?)",
                               [.int(id), .text(k), .text(v)])
                }
                for (k, v) in t.systemAttributes { try setSystemAttribute(id, k, v) }
                return number
            }
        }
    }

    public func enqueueTrials(studyID: Int, systemAttributes: [[String: String]], onceKey: String?) throws -> Bool {
        try locked {
            try db.writeTransaction {
                if let onceKey {
                    let marker = SystemKey.enqueued(onceKey)
                    if try db.scalarInt("SELECT 1 FROM study_system_attrs WHERE study_id = ? AND key = ?",
                                        [SQLValue(studyID), .text(marker)]) != nil { return false }
                    try db.run("INSERT INTO study_system_attrs (study_id, key, value) VALUES (?, ?, '1')",
                               [SQLValue(studyID), .text(marker)])
                }
                var number = try nextNumber(studyID)
                for attrs in systemAttributes {
                    let id = try insertTrialRow(studyID, number: number, state: .waiting, start: nil, worker: nil)
                    for (k, v) in attrs { try setSystemAttribute(id, k, v) }
                    number += 1
                }
                return true
            }
        }
    }

    public func claimWaitingTrial(studyID: Int, worker: WorkerIdentity?, maxTrials: Int?) throws -> FrozenTrial? {
        let claimed: Int? = try locked {
            // A read outside any transaction first: most trials find nothing waiting.
            let sql = "SELECT number FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number LIMIT 1"
            guard try db.scalarInt(sql, [SQLValue(studyID)]) != nil else { return nil }
            return try db.writeTransaction {
                guard let number = try db.scalarInt(sql, [SQLValue(studyID)]),
                      try budgetAllows(studyID, maxTrials) else { return nil }
                try db.run(
                    """
                    UPDATE trials SET state = 'running', start_time = ?, heartbeat = ?, worker_host = ?, worker_pid = ?
                    WHERE study_id = ? AND number = ? AND state = 'waiting'
                    """,
                    [Self.time(Date()), Self.time(Date()), SQLValue(worker?.host), worker.map { SQLValue(Int($0.pid)) } ?? .null,
                     SQLValue(studyID), SQLValue(number)])
                try countBudget(studyID, 1)
                return number
            }
        }
        guard let claimed else { return nil }
        return try trial(studyID: studyID, number: claimed)
    }

    public func setTrialParam(
        studyID: Int, number: Int, name: String, value: Double, distribution: ParameterDistribution
    ) throws {
        try updateRunning(studyID, number) { id in
            try db.run("INSERT OR REPLACE INTO trial_params (trial_id, name, value, distribution) VALUES (?, ?, ?, ?)",
                       [.int(id), .text(name), .double(value), .text(encode(distribution))])
        }
    }

    public func setTrialIntermediateValue(studyID: Int, number: Int, step: Int, value: Double) throws {
        try updateRunning(studyID, number) { id in
            try db.run("INSERT OR REPLACE INTO trial_intermediate_values (trial_id, step, value) VALUES (?, ?, ?)",
                       [.int(id), SQLValue(step), .double(value)])
        }
    }

    public func setTrialUserAttribute(studyID: Int, number: Int, key: String, value: String) throws {
        try updateRunning(studyID, number) { id in
            try db.run("INSERT OR REPLACE INTO trial_user_attrs (trial_id, key, value) VALUES (?, ?, ?)",
                       [.int(id), .text(key), .text(value)])
        }
    }

    public func setTrialSystemAttribute(studyID: Int, number: Int, key: String, value: String) throws {
        try updateRunning(studyID, number) { id in try setSystemAttribute(id, key, value) }
    }

    public func finishTrial(
        studyID: Int, number: Int, state: TrialState, values: [Double]?, failReason: String?
    ) throws -> Bool {
        try locked {
            let id = try trialID(studyID, number)
            return try db.writeTransaction {
                let changed = try db.run(
                    """
                    UPDATE trials SET state = ?, fail_reason = ?, complete_time = ?, worker_host = NULL, worker_pid = NULL
                    WHERE trial_id = ? AND state = 'running'
                    """,
                    [.text(state.rawValue), SQLValue(failReason), Self.time(Date()), .int(id)])
                guard changed == 1 else { return false }
                for (k, v) in (values ?? []).enumerated() {
                    try db.run("INSERT OR REPLACE INTO trial_values (trial_id, objective, value) VALUES (?, ?, ?)",
                               [.int(id), SQLValue(k), .double(v)])
                }
                return true
            }
        }
    }

    public func failStaleTrial(studyID: Int, number: Int, reason: String, requeue: Bool) throws -> Int? {
        let dead = try trial(studyID: studyID, number: number)
        return try locked {
            let id = try trialID(studyID, number)
            return try db.writeTransaction {
                let changed = try db.run(
                    """
                    UPDATE trials SET state = 'failed', fail_reason = ?, complete_time = ?, requeued = ?,
                        worker_host = NULL, worker_pid = NULL
                    WHERE trial_id = ? AND state = 'running'
                    """,
                    [.text(reason), Self.time(Date()), SQLValue(requeue ? 1 : 0), .int(id)])
                guard changed == 1 else { return nil }
                guard requeue else { return -1 }
                try countBudget(studyID, -1)
                let copy = try nextNumber(studyID)
                try setSystemAttribute(id, SystemKey.retriedBy, String(copy))
                let copyID = try insertTrialRow(studyID, number: copy, state: .waiting, start: nil, worker: nil)
                try setSystemAttribute(copyID, SystemKey.fixedParams, FixedParams.encode(FixedParams.of(dead)))
                try setSystemAttribute(copyID, SystemKey.retryOf, String(number))
                return copy
            }
        }
    }

    public func trial(studyID: Int, number: Int) throws -> FrozenTrial {
        guard let t = try locked({ try readTrials(studyID: studyID, fromNumber: number, toNumber: number) }).first
        else { throw StorageError.trialNotFound(study: studyID, number: number) }
        return t
    }

    public func trials(studyID: Int, states: Set<TrialState>?, fromNumber: Int) throws -> [FrozenTrial] {
        let all = try locked { try readTrials(studyID: studyID, fromNumber: fromNumber, toNumber: Int(Int32.max)) }
        guard let states else { return all }
        return all.filter { states.contains($0.state) }
    }

    /// Reads trials `fromNumber...toNumber` in one read transaction (a consistent snapshot).
    private func readTrials(studyID: Int, fromNumber: Int, toNumber: Int) throws -> [FrozenTrial] {
        try db.run("BEGIN")
        defer { _ = try? db.run("COMMIT") }
        let range: [SQLValue] = [SQLValue(studyID), SQLValue(fromNumber), SQLValue(toNumber)]
        var trials: [FrozenTrial] = []
        var index: [Int64: Int] = [:]
        let rows = try db.query(
            """
            SELECT trial_id, number, state, fail_reason, start_time, complete_time FROM trials
            WHERE study_id = ? AND number BETWEEN ? AND ? ORDER BY number
            """, range
        ) { r in
            (Int64(r.int(0)), r.int(1), r.text(2), r.optionalText(3), r.optionalDouble(4), r.optionalDouble(5))
        }
        for (id, number, state, reason, start, complete) in rows {
            guard let st = TrialState(rawValue: state) else {
                throw StorageError.corrupt(path: path, detail: "trial \(number) has unknown state '\(state)'")
            }
            index[id] = trials.count
            trialIDs[studyID, default: [:]][number] = id
            trials.append(FrozenTrial(
                number: number, state: st, failReason: reason,
                startDate: start.map(Date.init(timeIntervalSinceReferenceDate:)),
                completeDate: complete.map(Date.init(timeIntervalSinceReferenceDate:))))
        }
        guard !trials.isEmpty else { return [] }
        // A value's objective index must name one of the study's directions.
        let objectiveCount = try db.query("SELECT directions FROM studies WHERE study_id = ?", [SQLValue(studyID)]) {
            $0.text(0).split(separator: ",").count
        }.first ?? 0
        let join = "JOIN trials t ON t.trial_id = c.trial_id WHERE t.study_id = ? AND t.number BETWEEN ? AND ?"
        for (id, k, v) in try db.query(
            "SELECT c.trial_id, c.objective, c.value FROM trial_values c \(join) ORDER BY c.trial_id, c.objective",
            range, { (Int64($0.int(0)), $0.int(1), $0.double(2)) })
        {
            guard let i = index[id] else { continue }
            guard (0..<objectiveCount).contains(k) else {
                throw StorageError.corrupt(
                    path: path, detail: "trial \(trials[i].number) has a value for objective \(k), the study has \(objectiveCount)")
            }
            var values = trials[i].values ?? []
            while values.count <= k { values.append(.nan) }
            values[k] = v
            trials[i].values = values
        }
        for (id, name, v, d) in try db.query(
            "SELECT c.trial_id, c.name, c.value, c.distribution FROM trial_params c \(join)",
            range, { (Int64($0.int(0)), $0.text(1), $0.double(2), $0.text(3)) })
        {
            guard let i = index[id] else { continue }
            let distribution = try decode(d)
            guard distribution.contains(v) else {
                throw StorageError.corrupt(
                    path: path, detail: "trial \(trials[i].number): parameter '\(name)' = \(v) is outside its distribution \(d)")
            }
            trials[i].params[name] = v
            trials[i].distributions[name] = distribution
        }
        for (id, step, v) in try db.query(
            "SELECT c.trial_id, c.step, c.value FROM trial_intermediate_values c \(join)",
            range, { (Int64($0.int(0)), $0.int(1), $0.double(2)) })
        {
            if let i = index[id] { trials[i].intermediateValues[step] = v }
        }
        for (id, k, v) in try db.query(
            "SELECT c.trial_id, c.key, c.value FROM trial_user_attrs c \(join)",
            range, { (Int64($0.int(0)), $0.text(1), $0.text(2)) })
        {
            if let i = index[id] { trials[i].userAttributes[k] = v }
        }
        for (id, k, v) in try db.query(
            "SELECT c.trial_id, c.key, c.value FROM trial_system_attrs c \(join)",
            range, { (Int64($0.int(0)), $0.text(1), $0.text(2)) })
        {
            if let i = index[id] { trials[i].systemAttributes[k] = v }
        }
        return trials
    }

    public func runningTrialWorkers(studyID: Int) throws -> [(number: Int, worker: WorkerIdentity?)] {
        try locked {
            try db.query(
                "SELECT number, worker_host, worker_pid FROM trials WHERE study_id = ? AND state = 'running' ORDER BY number",
                [SQLValue(studyID)]
            ) { r in
                let worker: WorkerIdentity? = r.isNull(1) || r.isNull(2)
                    ? nil : WorkerIdentity(host: r.text(1), pid: Int32(truncatingIfNeeded: r.int(2)))
                return (number: r.int(0), worker: worker)
            }
        }
    }

    // MARK: Heartbeats

    public func recordHeartbeat(studyID: Int, numbers: [Int]) throws {
        guard !numbers.isEmpty else { return }
        try locked {
            try db.writeTransaction {
                for number in numbers {
                    try db.run("UPDATE trials SET heartbeat = ? WHERE study_id = ? AND number = ? AND state = 'running'",
                               [Self.time(Date()), SQLValue(studyID), SQLValue(number)])
                }
            }
        }
    }

    public func runningTrialsWithoutHeartbeat(studyID: Int, grace: TimeInterval) throws -> [Int] {
        try locked {
            try db.query(
                """
                SELECT number FROM trials WHERE study_id = ? AND state = 'running'
                  AND COALESCE(heartbeat, start_time, 0) < ? ORDER BY number
                """, [SQLValue(studyID), Self.time(Date().addingTimeInterval(-grace))]) { $0.int(0) }
        }
    }
}
