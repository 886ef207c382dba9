import Foundation

/// The study storage that workers on many hosts share: a PostgreSQL database reached
/// through libpq, Optuna's model of distributed tuning.
///
/// ```swift
/// let storage = try PostgreSQLStorage(url: "postgresql://hone@db.example:5432/studies")
/// let study = try Study.create(name: "search", storage: storage, loadIfExists: true)
/// ```
///
/// - The password comes from the URL, `PGPASSWORD` or the password file (`PGPASSFILE`,
///   default `~/.pgpass`); it never appears in an error message (``PostgreSQLURL``).
/// - Trial numbers come from a counter on the study's row, taken with a row lock in the
///   same statement that inserts the trial, so numbers never repeat or skip; a waiting
///   (enqueued, grid) trial is claimed with `FOR UPDATE SKIP LOCKED`, so each runs once.
/// - Most calls are one autocommitted statement; the few multi-statement changes run in a
///   transaction that is run again after a serialization failure or a deadlock.
/// - Heartbeats and their age use the server's clock, the one clock all hosts share.
/// - The schema is versioned (``PostgreSQLSchema``): a database of a newer Hone throws
///   ``StorageError/newerSchema(path:found:supported:)``, an older one is migrated.
///
/// One `PostgreSQLStorage` is one connection; threads of a process may share it (calls are
/// serialized) or open their own.
public final class PostgreSQLStorage: StudyStorage, @unchecked Sendable {
    /// The schema version this Hone writes and reads.
    public static var schemaVersion: Int { PostgreSQLSchema.version }

    /// The database's address, without its password.
    public var location: String { db.url.redacted }
    let db: PostgreSQLConnection
    private let lock = NSLock()
    private var distributionText: [ParameterDistribution: String] = [:]
    private var distributionValue: [String: ParameterDistribution] = [:]

    /// Connects to the database at `url` and creates (or checks) its Hone tables.
    /// - Parameter connectTimeout: seconds to wait for the server before giving up.
    public init(url: String, connectTimeout: Int = 10) throws {
        db = try PostgreSQLConnection(url: PostgreSQLURL(url), connectTimeout: connectTimeout)
        try run { try PostgreSQLSchema.open(db) }
    }

    // MARK: Helpers

    /// Runs `body` holding the connection, turning server failures into storage errors.
    func run<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            return try body()
        } catch let failure as PostgreSQLFailure {
            throw db.storageError(failure)
        }
    }

    func encode(_ distribution: ParameterDistribution) -> String {
        if let text = distributionText[distribution] { return text }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: (try? encoder.encode(distribution)) ?? Data(), as: UTF8.self)
        distributionText[distribution] = text
        return text
    }

    func decode(_ text: String) throws -> ParameterDistribution {
        if let distribution = distributionValue[text] { return distribution }
        guard let distribution = try? JSONDecoder().decode(ParameterDistribution.self, from: Data(text.utf8)) else {
            throw StorageError.corrupt(path: location, detail: "unreadable distribution \(text)")
        }
        distributionValue[text] = distribution
        return distribution
    }

    static func time(_ date: Date?) -> String? { date.map { PostgreSQLValue.text($0.timeIntervalSinceReferenceDate) } }

    /// A PostgreSQL array literal of texts (`{"a","b\"c"}`).
    static func array(_ texts: [String]) -> String {
        "{" + texts.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }

    static func array(_ values: [Double]) -> String { "{" + values.map(PostgreSQLValue.text).joined(separator: ",") + "}" }

    static func array(_ values: [Int]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }

    /// Why a write to trial `number` changed nothing: it is not there, or no longer running.
    private func refusal(_ study: Int, _ number: Int) throws -> StorageError {
        let state = try db.execute("SELECT state FROM hone_trials WHERE study_id = $1 AND number = $2",
                                   [String(study), String(number)]) { $0.text(0) }.first
        guard let state else { return .trialNotFound(study: study, number: number) }
        return .trialFinished(study: study, number: number, state: TrialState(rawValue: state) ?? .failed)
    }

    /// Runs an upsert into a trial's child table that inserts only while the trial is
    /// running; the trial row is share-locked, so a concurrent finish waits for it or wins.
    private func writeWhileRunning(_ study: Int, _ number: Int, _ sql: String, _ values: [String?]) throws {
        try run {
            let written = try db.retrying {
                try db.execute(sql, [String(study), String(number)] + values) { _ in () }.count
            }
            if written == 0 { throw try refusal(study, number) }
        }
    }

    /// Takes `count` consecutive trial numbers of `study` (budget permitting) with the study
    /// row locked until the transaction ends; returns the first, `nil` when over budget.
    func takeNumbers(_ study: Int, count: Int, budget: Int, maxTrials: Int?) throws -> Int? {
        try db.execute(
            """
            UPDATE hone_studies SET next_number = next_number + $2, budget_used = budget_used + $3
            WHERE study_id = $1 AND ($4::integer IS NULL OR budget_used + $3 <= $4::integer)
            RETURNING next_number - $2
            """, [String(study), String(count), String(budget), maxTrials.map(String.init)]) { $0.int(0) }.first
    }

    private func insertChildren(_ trialID: String, _ trial: FrozenTrial) throws {
        for (k, v) in (trial.values ?? []).enumerated() {
            try db.execute("INSERT INTO hone_trial_values (trial_id, objective, value) VALUES ($1, $2, $3)",
                           [trialID, String(k), PostgreSQLValue.text(v)])
        }
        for (name, v) in trial.params {
            guard let d = trial.distributions[name] else { continue }
            try db.execute("INSERT INTO hone_trial_params (trial_id, name, value, distribution) VALUES ($1, $2, $3, $4)",
                           [trialID, name, PostgreSQLValue.text(v), encode(d)])
        }
        for (step, v) in trial.intermediateValues {
            try db.execute("INSERT INTO hone_trial_intermediate_values (trial_id, step, value) VALUES ($1, $2, $3)",
                           [trialID, String(step), PostgreSQLValue.text(v)])
        }
        for (k, v) in trial.userAttributes {
            try db.execute("INSERT INTO hone_trial_user_attrs (trial_id, key, value) VALUES ($1, $2, $3)", [trialID, k, v])
        }
        try setSystemAttributes(trialID, trial.systemAttributes)
    }

    func setSystemAttributes(_ trialID: String, _ attributes: [String: String]) throws {
        for (k, v) in attributes {
            try db.execute(
                """
                INSERT INTO hone_trial_system_attrs (trial_id, key, value) VALUES ($1, $2, $3)
                ON CONFLICT (trial_id, key) DO UPDATE SET value = EXCLUDED.value
                """, [trialID, k, v])
        }
    }

    // MARK: Studies

    public func createStudy(name: String, directions: [StudyDirection]) throws -> Int {
        try run {
            let id = try db.execute(
                """
                INSERT INTO hone_studies (name, directions, created) VALUES ($1, $2, $3)
                ON CONFLICT (name) DO NOTHING RETURNING study_id
                """, [name, directions.map(\.rawValue).joined(separator: ","), Self.time(Date())]) { $0.int(0) }.first
            guard let id else { throw StorageError.studyExists(name) }
            return id
        }
    }

    public func studyID(named name: String) throws -> Int? {
        try run { try db.execute("SELECT study_id FROM hone_studies WHERE name = $1", [name]) { $0.int(0) }.first }
    }

    public func studyDirections(studyID: Int) throws -> [StudyDirection] {
        try run {
            guard let text = try db.execute("SELECT directions FROM hone_studies WHERE study_id = $1",
                                            [String(studyID)], { $0.text(0) }).first
            else { throw StorageError.studyNotFound("#\(studyID)") }
            return try text.split(separator: ",").map {
                guard let d = StudyDirection(rawValue: String($0)) else {
                    throw StorageError.corrupt(path: location, detail: "unknown direction '\($0)'")
                }
                return d
            }
        }
    }

    public func studyNames() throws -> [String] {
        try run { try db.execute("SELECT name FROM hone_studies ORDER BY study_id") { $0.text(0) } }
    }

    public func studySystemAttributes(studyID: Int) throws -> [String: String] {
        try run {
            var out: [String: String] = [:]
            for (k, v) in try db.execute("SELECT key, value FROM hone_study_system_attrs WHERE study_id = $1",
                                         [String(studyID)], { ($0.text(0), $0.text(1)) }) { out[k] = v }
            return out
        }
    }

    public func setStudySystemAttribute(studyID: Int, key: String, value: String) throws {
        try run {
            try db.execute(
                """
                INSERT INTO hone_study_system_attrs (study_id, key, value) VALUES ($1, $2, $3)
                ON CONFLICT (study_id, key) DO UPDATE SET value = EXCLUDED.value
                """, [String(studyID), key, value])
        }
    }

    // MARK: Trials

    public func createTrial(
        studyID: Int, template: FrozenTrial?, worker: WorkerIdentity?, maxTrials: Int?
    ) throws -> Int? {
        guard let template else {
            // One statement: the counter's row lock lasts until the trial row is in.
            return try run {
                try db.retrying {
                    try db.execute(
                        """
                        WITH n AS (
                            UPDATE hone_studies SET next_number = next_number + 1, budget_used = budget_used + 1
                            WHERE study_id = $1 AND ($2::integer IS NULL OR budget_used < $2::integer)
                            RETURNING next_number - 1 AS number)
                        INSERT INTO hone_trials (study_id, number, state, start_time, heartbeat, worker_host, worker_pid)
                        SELECT $1, number, 'running', $3, now(), $4, $5 FROM n RETURNING number
                        """,
                        [String(studyID), maxTrials.map(String.init), Self.time(Date()), worker?.host,
                         worker.map { String($0.pid) }]) { $0.int(0) }.first
                }
            }
        }
        let counts = template.state != .waiting
        return try run {
            try db.transaction { () -> Int? in
                guard let number = try takeNumbers(studyID, count: 1, budget: counts ? 1 : 0, maxTrials: counts ? maxTrials : nil)
                else { return nil }
                let running = template.state == .running
                let id = try db.execute(
                    """
                    INSERT INTO hone_trials (study_id, number, state, fail_reason, start_time, complete_time,
                                             heartbeat, worker_host, worker_pid)
                    VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $3 = 'running' THEN now() END, $7, $8) RETURNING trial_id
                    """,
                    [String(studyID), String(number), template.state.rawValue, template.failReason,
                     Self.time(template.startDate), Self.time(template.completeDate),
                     running ? worker?.host : nil, running ? worker.map { String($0.pid) } : nil]) { $0.text(0) }[0]
                try insertChildren(id, template)
                return number
            }
        }
    }

    public func enqueueTrials(studyID: Int, systemAttributes: [[String: String]], onceKey: String?) throws -> Bool {
        try run {
            try db.transaction {
                if let onceKey {
                    let inserted: [Void] = try db.execute(
                        """
                        INSERT INTO hone_study_system_attrs (study_id, key, value) VALUES ($1, $2, '1')
                        ON CONFLICT (study_id, key) DO NOTHING RETURNING 1
                        """, [String(studyID), SystemKey.enqueued(onceKey)]) { _ in () }
                    if inserted.isEmpty { return false }
                }
                guard !systemAttributes.isEmpty,
                      let first = try takeNumbers(studyID, count: systemAttributes.count, budget: 0, maxTrials: nil)
                else { return true }
                let ids = try db.execute(
                    """
                    INSERT INTO hone_trials (study_id, number, state)
                    SELECT $1, $2 + k, 'waiting' FROM generate_series(0, $3 - 1) AS k ORDER BY k RETURNING trial_id, number
                    """, [String(studyID), String(first), String(systemAttributes.count)]) { ($0.text(0), $0.int(1)) }
                var trialIDs: [String] = [], keys: [String] = [], values: [String] = []
                for (id, number) in ids {
                    for (k, v) in systemAttributes[number - first] {
                        trialIDs.append(id)
                        keys.append(k)
                        values.append(v)
                    }
                }
                try db.execute(
                    """
                    INSERT INTO hone_trial_system_attrs (trial_id, key, value)
                    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])
                    """, [Self.array(trialIDs), Self.array(keys), Self.array(values)])
                return true
            }
        }
    }

    public func claimWaitingTrial(studyID: Int, worker: WorkerIdentity?, maxTrials: Int?) throws -> FrozenTrial? {
        let claimed: Int? = try run {
            while true {
                // The snapshot may still show a trial another worker is claiming (locked, so
                // skipped): then look again, once that worker's claim is committed.
                let (number, found, budgetSpent, waiting) = try db.retrying {
                    try db.execute(
                        """
                        WITH c AS (
                            SELECT trial_id FROM hone_trials WHERE study_id = $1 AND state = 'waiting'
                            ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED),
                        b AS (
                            UPDATE hone_studies SET budget_used = budget_used + 1
                            WHERE study_id = $1 AND ($2::integer IS NULL OR budget_used < $2::integer)
                              AND EXISTS (SELECT 1 FROM c) RETURNING 1),
                        u AS (
                            UPDATE hone_trials t SET state = 'running', start_time = $3, heartbeat = now(),
                                worker_host = $4, worker_pid = $5
                            FROM c, b WHERE t.trial_id = c.trial_id RETURNING t.number)
                        SELECT (SELECT number FROM u), EXISTS (SELECT 1 FROM c), NOT EXISTS (SELECT 1 FROM b),
                               EXISTS (SELECT 1 FROM hone_trials WHERE study_id = $1 AND state = 'waiting')
                        """,
                        [String(studyID), maxTrials.map(String.init), Self.time(Date()), worker?.host,
                         worker.map { String($0.pid) }]
                    ) { ($0.optionalInt(0), $0.text(1) == "t", $0.text(2) == "t", $0.text(3) == "t") }[0]
                }
                if let number { return number }
                if found && budgetSpent { return nil }
                if !waiting { return nil }
                usleep(200)
            }
        }
        guard let claimed else { return nil }
        return try trial(studyID: studyID, number: claimed)
    }

    public func setTrialParam(
        studyID: Int, number: Int, name: String, value: Double, distribution: ParameterDistribution
    ) throws {
        let text = try run { encode(distribution) }
        try writeWhileRunning(
            studyID, number,
            """
            INSERT INTO hone_trial_params (trial_id, name, value, distribution)
            SELECT trial_id, $3, $4, $5 FROM hone_trials
            WHERE study_id = $1 AND number = $2 AND state = 'running' FOR SHARE
            ON CONFLICT (trial_id, name) DO UPDATE SET value = EXCLUDED.value, distribution = EXCLUDED.distribution
            RETURNING 1
            """, [name, PostgreSQLValue.text(value), text])
    }

    public func setTrialIntermediateValue(studyID: Int, number: Int, step: Int, value: Double) throws {
        try writeWhileRunning(
            studyID, number,
            """
            INSERT INTO hone_trial_intermediate_values (trial_id, step, value)
            SELECT trial_id, $3, $4 FROM hone_trials
            WHERE study_id = $1 AND number = $2 AND state = 'running' FOR SHARE
            ON CONFLICT (trial_id, step) DO UPDATE SET value = EXCLUDED.value
            RETURNING 1
            """, [String(step), PostgreSQLValue.text(value)])
    }

    public func setTrialUserAttribute(studyID: Int, number: Int, key: String, value: String) throws {
        try writeWhileRunning(studyID, number, Self.attributeUpsert("hone_trial_user_attrs"), [key, value])
    }

    public func setTrialSystemAttribute(studyID: Int, number: Int, key: String, value: String) throws {
        try writeWhileRunning(studyID, number, Self.attributeUpsert("hone_trial_system_attrs"), [key, value])
    }

    private static func attributeUpsert(_ table: String) -> String {
        """
        INSERT INTO \(table) (trial_id, key, value)
        SELECT trial_id, $3, $4 FROM hone_trials
        WHERE study_id = $1 AND number = $2 AND state = 'running' FOR SHARE
        ON CONFLICT (trial_id, key) DO UPDATE SET value = EXCLUDED.value
        RETURNING 1
        """
    }

    public func finishTrial(
        studyID: Int, number: Int, state: TrialState, values: [Double]?, failReason: String?
    ) throws -> Bool {
        try run {
            let changed = try db.retrying {
                try db.execute(
                    """
                    WITH t AS (
                        UPDATE hone_trials SET state = $3, fail_reason = $4, complete_time = $5,
                            worker_host = NULL, worker_pid = NULL
                        WHERE study_id = $1 AND number = $2 AND state = 'running' RETURNING trial_id),
                    v AS (
                        INSERT INTO hone_trial_values (trial_id, objective, value)
                        SELECT t.trial_id, x.k - 1, x.value FROM t, unnest($6::double precision[]) WITH ORDINALITY AS x (value, k)
                        ON CONFLICT (trial_id, objective) DO UPDATE SET value = EXCLUDED.value RETURNING 1)
                    SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM v)
                    """,
                    [String(studyID), String(number), state.rawValue, failReason, Self.time(Date()),
                     Self.array(values ?? [])]) { $0.int(0) }[0]
            }
            if changed == 0, try refusal(studyID, number) == .trialNotFound(study: studyID, number: number) {
                throw StorageError.trialNotFound(study: studyID, number: number)
            }
            return changed == 1
        }
    }
}
