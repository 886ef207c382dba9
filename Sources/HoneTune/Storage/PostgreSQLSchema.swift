import Foundation

/// The tables of a Hone study database on a PostgreSQL server, and their versions.
///
/// Table names start with `hone_`, so a database may also hold other applications' tables
/// (Optuna's `studies` and `trials`, say). The version is the row of `hone_schema_version`;
/// each newer version adds one entry to ``migrations``, applied in order in one transaction.
enum PostgreSQLSchema {
    /// The schema version this Hone writes and reads.
    static let version = 1

    /// Serializes schema creation and migration between processes opening a database at once.
    static let advisoryLock = 0x484F_4E45

    /// Version 1, created in an empty database.
    static let create = [
        "CREATE TABLE hone_schema_version (version INTEGER NOT NULL)",
        """
        CREATE TABLE hone_studies (
            study_id SERIAL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            directions TEXT NOT NULL,
            created DOUBLE PRECISION NOT NULL,
            next_number INTEGER NOT NULL DEFAULT 0,
            budget_used INTEGER NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE hone_study_system_attrs (
            study_id INTEGER NOT NULL REFERENCES hone_studies (study_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (study_id, key)
        )
        """,
        """
        CREATE TABLE hone_trials (
            trial_id BIGSERIAL PRIMARY KEY,
            study_id INTEGER NOT NULL REFERENCES hone_studies (study_id),
            number INTEGER NOT NULL,
            state TEXT NOT NULL,
            fail_reason TEXT,
            start_time DOUBLE PRECISION,
            complete_time DOUBLE PRECISION,
            heartbeat TIMESTAMPTZ,
            worker_host TEXT,
            worker_pid INTEGER,
            requeued BOOLEAN NOT NULL DEFAULT FALSE,
            UNIQUE (study_id, number)
        )
        """,
        "CREATE INDEX hone_trials_waiting ON hone_trials (study_id, number) WHERE state = 'waiting'",
        "CREATE INDEX hone_trials_running ON hone_trials (study_id, number) WHERE state = 'running'",
        """
        CREATE TABLE hone_trial_values (
            trial_id BIGINT NOT NULL REFERENCES hone_trials (trial_id),
            objective INTEGER NOT NULL, value DOUBLE PRECISION,
            PRIMARY KEY (trial_id, objective)
        )
        """,
        """
        CREATE TABLE hone_trial_params (
            trial_id BIGINT NOT NULL REFERENCES hone_trials (trial_id),
            name TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, distribution TEXT NOT NULL,
            PRIMARY KEY (trial_id, name)
        )
        """,
        """
        CREATE TABLE hone_trial_intermediate_values (
            trial_id BIGINT NOT NULL REFERENCES hone_trials (trial_id),
            step INTEGER NOT NULL, value DOUBLE PRECISION,
            PRIMARY KEY (trial_id, step)
        )
        """,
        """
        CREATE TABLE hone_trial_user_attrs (
            trial_id BIGINT NOT NULL REFERENCES hone_trials (trial_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (trial_id, key)
        )
        """,
        """
        CREATE TABLE hone_trial_system_attrs (
            trial_id BIGINT NOT NULL REFERENCES hone_trials (trial_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (trial_id, key)
        )
        """,
    ]

    /// Statements that bring a database of version `k` to `k + 1`, keyed by `k` (none yet:
    /// version 1 is the first).
    static let migrations: [Int: [String]] = [:]

    /// Creates the tables in an empty database, or checks (and migrates) an existing one.
    static func open(_ db: PostgreSQLConnection) throws {
        if try installedVersion(db) == nil {
            try db.transaction {
                try db.execute("SELECT pg_advisory_xact_lock($1)", [String(advisoryLock)])
                // Another process may have created the tables meanwhile.
                guard try installedVersion(db) == nil else { return }
                for statement in create { try db.execute(statement) }
                try db.execute("INSERT INTO hone_schema_version (version) VALUES ($1)", [String(version)])
            }
        }
        guard let found = try installedVersion(db), found >= 0 else {
            throw StorageError.corrupt(path: db.url.redacted, detail: "the hone_schema_version table is empty")
        }
        if found > version {
            throw StorageError.newerSchema(path: db.url.redacted, found: found, supported: version)
        }
        if found < version { try migrate(db, from: found) }
    }

    /// The version recorded in the database, `nil` when it has no Hone tables yet.
    private static func installedVersion(_ db: PostgreSQLConnection) throws -> Int? {
        // A read of the catalog under this statement's snapshot: to_regclass could answer from
        // a cache made before another process committed the tables this one waited for.
        let exists = try db.execute(
            """
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                           WHERE c.relname = 'hone_schema_version' AND n.nspname = ANY (current_schemas(false)))
            """) { $0.text(0) == "t" }
        guard exists.first == true else { return nil }
        let version = try db.execute("SELECT MAX(version) FROM hone_schema_version") { $0.optionalInt(0) }
        guard let found = version.first ?? nil else { return -1 }
        return found
    }

    private static func migrate(_ db: PostgreSQLConnection, from found: Int) throws {
        try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock($1)", [String(advisoryLock)])
            var current = try installedVersion(db) ?? found
            while current < version {
                guard let steps = migrations[current] else {
                    throw StorageError.notAStudy(
                        path: db.url.redacted, reason: "schema version \(current) has no migration to \(version)")
                }
                for statement in steps { try db.execute(statement) }
                current += 1
                try db.execute("UPDATE hone_schema_version SET version = $1", [String(current)])
            }
        }
    }
}
