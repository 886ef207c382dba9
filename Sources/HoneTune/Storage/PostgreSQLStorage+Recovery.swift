import Foundation

/// Finding and recovering the trials of workers that died or fell silent.
extension PostgreSQLStorage {
    public func failStaleTrial(studyID: Int, number: Int, reason: String, requeue: Bool) throws -> Int? {
        let dead = try trial(studyID: studyID, number: number)
        return try run {
            try db.transaction { () -> Int? in
                let failed = try db.execute(
                    """
                    UPDATE hone_trials SET state = 'failed', fail_reason = $3, complete_time = $4, requeued = $5,
                        worker_host = NULL, worker_pid = NULL
                    WHERE study_id = $1 AND number = $2 AND state = 'running' RETURNING trial_id
                    """,
                    [String(studyID), String(number), reason, Self.time(Date()), requeue ? "true" : "false"]) { $0.text(0) }
                guard let id = failed.first else { return nil }
                guard requeue else { return -1 }
                // The dead trial stops counting toward the budget; its copy counts once it runs.
                guard let copy = try takeNumbers(studyID, count: 1, budget: -1, maxTrials: nil) else {
                    throw StorageError.studyNotFound("#\(studyID)")
                }
                try setSystemAttributes(id, [SystemKey.retriedBy: String(copy)])
                let copyID = try db.execute(
                    "INSERT INTO hone_trials (study_id, number, state) VALUES ($1, $2, 'waiting') RETURNING trial_id",
                    [String(studyID), String(copy)]) { $0.text(0) }[0]
                try setSystemAttributes(copyID, [SystemKey.fixedParams: FixedParams.encode(FixedParams.of(dead)),
                                                 SystemKey.retryOf: String(number)])
                return copy
            }
        }
    }

    public func runningTrialWorkers(studyID: Int) throws -> [(number: Int, worker: WorkerIdentity?)] {
        try run {
            try db.execute(
                """
                SELECT number, worker_host, worker_pid FROM hone_trials
                WHERE study_id = $1 AND state = 'running' ORDER BY number
                """, [String(studyID)]
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
        try run {
            try db.retrying {
                try db.execute(
                    """
                    UPDATE hone_trials SET heartbeat = now()
                    WHERE study_id = $1 AND number = ANY ($2::integer[]) AND state = 'running'
                    """, [String(studyID), Self.array(numbers)])
            }
        }
    }

    public func runningTrialsWithoutHeartbeat(studyID: Int, grace: TimeInterval) throws -> [Int] {
        try run {
            try db.execute(
                """
                SELECT number FROM hone_trials
                WHERE study_id = $1 AND state = 'running'
                  AND COALESCE(heartbeat, '-infinity') < now() - make_interval(secs => $2)
                ORDER BY number
                """, [String(studyID), PostgreSQLValue.text(grace)]) { $0.int(0) }
        }
    }
}
