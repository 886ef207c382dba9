import CSQLite
import Foundation
import Testing
@testable import HoneTune

/// What only the SQLite file storage does: recognizing files, its schema and migrations.
@Suite struct StorageTests {
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

    /// A file of schema version 1 (no heartbeat column) opens as version 2: its running
    /// trial's start counts as its last heartbeat, and its trials are kept.
    @Test func aVersionOneFileIsMigrated() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path("v1.db")
        let number: Int
        do {
            let storage = try SQLiteStorage(path: path)
            let id = try storage.createStudy(name: "old", directions: [.minimize])
            _ = try storage.createTrial(studyID: id, template: nil, worker: .current, maxTrials: nil)
            number = try #require(try storage.createTrial(studyID: id, template: nil, worker: .current, maxTrials: nil))
            #expect(try storage.finishTrial(studyID: id, number: 0, state: .complete, values: [3], failReason: nil))
        }
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        #expect(sqlite3_exec(db, "ALTER TABLE trials DROP COLUMN heartbeat; UPDATE schema_version SET version = 1",
                             nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        Thread.sleep(forTimeInterval: 0.2)
        let storage = try SQLiteStorage(path: path)
        #expect(try storage.trials(studyID: 1).map(\.state) == [.complete, .running])
        #expect(try storage.runningTrialsWithoutHeartbeat(studyID: 1, grace: 0.1) == [number])
        #expect(try storage.runningTrialsWithoutHeartbeat(studyID: 1, grace: 60).isEmpty)
        try storage.recordHeartbeat(studyID: 1, numbers: [number])
        #expect(try storage.runningTrialsWithoutHeartbeat(studyID: 1, grace: 0.1).isEmpty)
        sqlite3_open(path, &db)
        defer { sqlite3_close(db) }
        var stmt: OpaquePointer?
        sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, nil)
        #expect(sqlite3_step(stmt) == SQLITE_ROW)
        #expect(sqlite3_column_int(stmt, 0) == 2)
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
