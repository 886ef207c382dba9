import CSQLite
import Foundation
import Testing
@testable import HoneTune

/// Study files with damaged rows that crashed reading (an out-of-range objective index,
/// a parameter value its distribution cannot hold): each must now give
/// `StorageError.corrupt` naming the file and the trial, and leave the file as it was.
@Suite struct StorageFuzzRegressionTests {
    /// A study file with one complete trial (x in [-1, 1], a categorical, value 2), then
    /// damaged by `sql`; returns its path.
    func damagedStudy(_ dir: TempDir, _ sql: String) throws -> String {
        let path = dir.path("damaged.db")
        do {
            let study = try Study.create(name: "s", sampler: RandomSampler(seed: 1), storage: SQLiteStorage(path: path))
            try study.optimize(trials: 1) { trial in
                _ = try trial.suggestFloat("x", in: -1...1)
                _ = try trial.suggestCategorical("c", ["a", "b"])
                return 2
            }
        }
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        defer { sqlite3_close(db) }
        #expect(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK)
        return path
    }

    func expectCorrupt(_ path: String, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let storage = try SQLiteStorage(path: path, create: false)
        let id = try #require(try storage.studyID(named: "s"), sourceLocation: sourceLocation)
        do {
            _ = try storage.trials(studyID: id)
            Issue.record("the damaged trial was read", sourceLocation: sourceLocation)
        } catch StorageError.corrupt(let file, let detail) {
            #expect(file == path, sourceLocation: sourceLocation)
            #expect(detail.contains("trial 0") && detail.contains(text), "\(detail)", sourceLocation: sourceLocation)
        }
    }

    @Test func negativeObjectiveIndexIsCorruptNotACrash() throws {
        // Indexing the values array at -5 trapped.
        let dir = TempDir()
        defer { dir.cleanup() }
        try expectCorrupt(try damagedStudy(dir, "UPDATE trial_values SET objective = -5"), mentioning: "objective -5")
    }

    @Test func hugeObjectiveIndexIsCorruptNotAHugeAllocation() throws {
        // Padding the values array up to index 2^40 exhausted memory.
        let dir = TempDir()
        defer { dir.cleanup() }
        try expectCorrupt(try damagedStudy(dir, "UPDATE trial_values SET objective = 1099511627776"),
                          mentioning: "objective 1099511627776")
    }

    @Test func parameterValueOutsideItsDistributionIsCorrupt() throws {
        // A categorical index of 1e300 trapped converting to Int when the typed value was read.
        let dir = TempDir()
        defer { dir.cleanup() }
        try expectCorrupt(try damagedStudy(dir, "UPDATE trial_params SET value = 1e300 WHERE name = 'c'"),
                          mentioning: "parameter 'c'")
    }

    @Test func categoricalWithoutChoicesIsCorrupt() throws {
        // No choices: the clamped index was -1.
        let dir = TempDir()
        defer { dir.cleanup() }
        try expectCorrupt(
            try damagedStudy(dir, #"UPDATE trial_params SET distribution = '{"categorical":{"_0":[]}}' WHERE name = 'c'"#),
            mentioning: "parameter 'c'")
    }

    @Test func undamagedStudyStillReadsWithItsTypedParameters() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let storage = try SQLiteStorage(path: try damagedStudy(dir, "SELECT 1"), create: false)
        let id = try #require(try storage.studyID(named: "s"))
        let trial = try #require(try storage.trials(studyID: id).first)
        #expect(trial.value == 2)
        #expect(trial.typedParams["c"] == .string("a") || trial.typedParams["c"] == .string("b"))
    }
}
