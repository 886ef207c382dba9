import CSQLite
import Foundation
import Testing
@testable import HoneTune

@Suite struct StorageTests {
    /// Every field of a trial survives a write and a read through a new connection.
    @Test func sqliteRoundTripsEveryField() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path("study.db")
        let distributions: [String: ParameterDistribution] = [
            "lr": .float(low: 1e-5, high: 0.1, log: true, step: nil),
            "drop": .float(low: 0, high: 0.5, log: false, step: 0.05),
            "depth": .int(low: 1, high: 9, log: false, step: 2),
            "units": .int(low: 8, high: 512, log: true, step: 1),
            "opt": .categorical([.string("sgd"), .string("adam")]),
            "mixed": .categorical([.int(3), .double(0.1), .bool(true), .string("x")]),
        ]
        let params: [String: Double] = ["lr": 0.0012345678901234567, "drop": 0.35, "depth": 7, "units": 64,
                                        "opt": 1, "mixed": 2]
        do {
            let storage = try SQLiteStorage(path: path)
            let study = try Study.create(name: "round-trip", directions: [.minimize, .maximize], storage: storage)
            try study.optimize(trials: 1) { t -> [Double] in
                for (name, d) in distributions.sorted(by: { $0.key < $1.key }) {
                    try t.study.storage.setTrialParam(studyID: t.study.studyID, number: t.number, name: name,
                                                      value: params[name]!, distribution: d)
                }
                try t.study.storage.setTrialIntermediateValue(studyID: t.study.studyID, number: t.number, step: 0, value: 1.5)
                try t.study.storage.setTrialIntermediateValue(studyID: t.study.studyID, number: t.number, step: 7, value: -.infinity)
                try t.study.storage.setTrialIntermediateValue(studyID: t.study.studyID, number: t.number, step: 9, value: .nan)
                try t.setUserAttribute("note", "héllo, 'quoted' \"text\"; DROP TABLE trials;")
                t.study.setTrialSystemAttribute(number: t.number, key: "completed_rung_0", value: "0.25")
                return [0.1 + 0.2, 1e300]
            }
            try study.optimize(trials: 1) { _ -> [Double] in throw Boom() }
        }
        let storage = try SQLiteStorage(path: path, create: false)
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
        #expect(t.userAttributes == ["note": "héllo, 'quoted' \"text\"; DROP TABLE trials;"])
        #expect(t.systemAttributes["completed_rung_0"] == "0.25")
        #expect(t.startDate != nil && t.completeDate != nil)
        #expect(t.startDate! <= t.completeDate!)
        #expect(t.typedParams["mixed"] == .bool(true))
        let f = trials[1]
        #expect(f.state == .failed)
        #expect(f.failReason == "objective threw Boom: boom")
        #expect(f.values == nil)
        // Single-objective dates and exact Date values round-trip too.
        let memory = InMemoryStorage()
        let id = try memory.createStudy(name: "m", directions: [.minimize])
        _ = try memory.createTrial(studyID: id, template: t, worker: nil, maxTrials: nil)
        let sqlID = try storage.createStudy(name: "copy", directions: [.minimize, .maximize])
        _ = try storage.createTrial(studyID: sqlID, template: t, worker: nil, maxTrials: nil)
        let copy = try storage.trial(studyID: sqlID, number: 0)
        #expect(copy.startDate == t.startDate && copy.completeDate == t.completeDate)
        #expect(copy.params == t.params && copy.values == t.values)
        #expect(try storage.studyNames() == ["round-trip", "copy"])
    }

    @Test func finishedTrialsCannotChange() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        for storage in [try SQLiteStorage(path: dir.path("a.db")), InMemoryStorage()] as [StudyStorage] {
            let id = try storage.createStudy(name: "s", directions: [.minimize])
            let n = try #require(try storage.createTrial(studyID: id, template: nil, worker: .current, maxTrials: nil))
            #expect(try storage.finishTrial(studyID: id, number: n, state: .complete, values: [1], failReason: nil))
            #expect(try !storage.finishTrial(studyID: id, number: n, state: .failed, values: nil, failReason: "late"))
            #expect(throws: StorageError.trialFinished(study: id, number: n, state: .complete)) {
                try storage.setTrialIntermediateValue(studyID: id, number: n, step: 1, value: 2)
            }
            #expect(try storage.trial(studyID: id, number: n).values == [1])
            #expect(throws: StorageError.studyExists("s")) { try storage.createStudy(name: "s", directions: [.minimize]) }
        }
    }

    @Test func aFileThatIsNotAStudyThrowsATypedError() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        // Random bytes.
        let garbage = dir.path("garbage.db")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: garbage))
        #expect {
            _ = try SQLiteStorage(path: garbage)
        } throws: { error in
            guard case StorageError.notAStudy(let p, _) = error else { return false }
            return p == garbage && "\(error)".contains(garbage)
        }
        // A text file.
        let text = dir.path("notes.txt")
        try "just some notes\n".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: StorageError.self) { _ = try SQLiteStorage(path: text) }
        // Another application's SQLite database.
        let other = dir.path("other.db")
        var db: OpaquePointer?
        sqlite3_open(other, &db)
        sqlite3_exec(db, "CREATE TABLE users (id INTEGER, name TEXT)", nil, nil, nil)
        sqlite3_close(db)
        #expect {
            _ = try SQLiteStorage(path: other)
        } throws: { error in
            guard case StorageError.notAStudy(let p, let reason) = error else { return false }
            return p == other && reason.contains("users")
        }
        // A missing file when not creating.
        #expect(throws: StorageError.fileNotFound(path: dir.path("missing.db"))) {
            _ = try SQLiteStorage(path: dir.path("missing.db"), create: false)
        }
        // A damaged study: the first pages overwritten.
        let damaged = dir.path("damaged.db")
        do {
            let s = try SQLiteStorage(path: damaged)
            let study = try Study.create(name: "d", storage: s)
            try study.optimize(trials: 50, objective: branin2)
        }
        // Fold the WAL in first, then ruin the header.
        sqlite3_open(damaged, &db)
        sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE", nil, nil, nil)
        sqlite3_close(db)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: damaged))
        try handle.seek(toOffset: 0)
        handle.write(Data(repeating: 0xAB, count: 200))
        try handle.close()
        #expect(throws: StorageError.self) { _ = try SQLiteStorage(path: damaged) }
    }

    @Test func aNewerSchemaIsRefusedByName() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path("future.db")
        _ = try SQLiteStorage(path: path)
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        sqlite3_exec(db, "UPDATE schema_version SET version = 99", nil, nil, nil)
        sqlite3_close(db)
        #expect(throws: StorageError.newerSchema(path: path, found: 99, supported: SQLiteStorage.schemaVersion)) {
            _ = try SQLiteStorage(path: path)
        }
        let message = "\(StorageError.newerSchema(path: path, found: 99, supported: 1))"
        #expect(message.contains(path) && message.contains("99"))
    }

    /// 8 threads, each with its own connection to one file and its own `Study`, share a
    /// budget of 200 trials: exactly 200 run, numbered 0..<200.
    @Test func eightConnectionsShareOneBudgetExactly() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path("shared.db")
        _ = try Study.create(name: "shared", storage: try SQLiteStorage(path: path))
        let group = DispatchGroup()
        let errors = ErrorBox()
        for w in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let study = try Study.load(name: "shared", storage: try SQLiteStorage(path: path),
                                               sampler: RandomSampler(seed: UInt64(w)))
                    try study.optimize(maxTotalTrials: 200) { t in
                        let v = try branin2(t)
                        try t.report(v, step: 0)
                        return v
                    }
                } catch {
                    errors.add(error)
                }
            }.start()
        }
        group.wait()
        #expect(errors.errors.isEmpty, "\(errors.errors)")
        let trials = try SQLiteStorage(path: path).trials(studyID: 1)
        #expect(trials.count == 200)
        #expect(trials.map(\.number) == Array(0..<200))
        #expect(trials.allSatisfy { $0.state == .complete && $0.params.count == 2 && $0.intermediateValues.count == 1 })
    }

    /// A trial left running by a dead process is failed ("worker died") and its parameters
    /// re-enqueued; completed trials are kept; the study then finishes its budget exactly.
    @Test(arguments: ["sqlite", "memory"])
    func resumeRecoversATrialOfADeadWorker(kind: String) throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let storage: StudyStorage = kind == "sqlite" ? try SQLiteStorage(path: dir.path("r.db")) : InMemoryStorage()
        let study = try Study.create(name: "r", storage: storage, loadIfExists: false)
        try study.optimize(trials: 5, maxTotalTrials: 10, objective: branin2)
        let before = try study.allTrials
        // Simulate a worker that died mid-trial: a running trial owned by a process that is gone.
        let dead = WorkerIdentity(host: WorkerIdentity.current.host, pid: try deadPID())
        let n = try #require(try storage.createTrial(studyID: study.studyID, template: nil, worker: dead, maxTrials: 10))
        try storage.setTrialParam(studyID: study.studyID, number: n, name: "x1", value: 1.25,
                                  distribution: .float(low: -5, high: 10, log: false, step: nil))
        try storage.setTrialParam(studyID: study.studyID, number: n, name: "x2", value: 7.5,
                                  distribution: .float(low: 0, high: 15, log: false, step: nil))
        // And one owned by a live process (this one, seen from another host-less view): left alone.
        let alive = WorkerIdentity(host: "some-other-host", pid: 1)
        let m = try #require(try storage.createTrial(studyID: study.studyID, template: nil, worker: alive, maxTrials: 10))

        let resumed = try Study.load(name: "r", storage: storage, sampler: RandomSampler(seed: 9))
        var trials = try resumed.allTrials
        #expect(trials[n].state == .failed)
        #expect(trials[n].failReason?.hasPrefix("worker died") == true)
        #expect(trials[m].state == .running)
        let copy = try #require(trials.last)
        #expect(copy.state == .waiting)
        #expect(copy.systemAttributes[SystemKey.retryOf] == String(n))
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
        #expect(Set(trials.map(\.number)).count == trials.count)
        // Forcing: every running trial is failed.
        #expect(try resumed.resume(policy: .allRunning, requeue: false) == [m])
    }

    @Test func schemaHasAVersionTableAndWAL() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path("v.db")
        _ = try SQLiteStorage(path: path)
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        defer { sqlite3_close(db) }
        var stmt: OpaquePointer?
        sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, nil)
        #expect(sqlite3_step(stmt) == SQLITE_ROW)
        #expect(sqlite3_column_int(stmt, 0) == Int32(SQLiteStorage.schemaVersion))
        sqlite3_finalize(stmt)
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nil)
        #expect(sqlite3_step(stmt) == SQLITE_ROW)
        #expect(String(cString: sqlite3_column_text(stmt, 0)) == "wal")
        sqlite3_finalize(stmt)
    }
}

/// The pid of a process that has exited and been reaped.
func deadPID() throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run()
    p.waitUntilExit()
    return p.processIdentifier
}
