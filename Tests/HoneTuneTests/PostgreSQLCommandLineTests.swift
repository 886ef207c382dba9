import Foundation
import Testing
@testable import HoneTune

/// `hone tune` against a real PostgreSQL server: worker processes sharing a study through
/// `--storage`, `--status` of a URL, and one clear line (nothing written) for a server that
/// is not there, a wrong password and a database of a newer Hone.
@Suite(.serialized) struct PostgreSQLCommandLineTests {
    /// Runs `hone` with extra environment variables; returns status, stdout and stderr.
    func hone(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(HoneBinary.path, "the hone binary is not built"))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    func writeConfig(_ dir: TempDir, trials: Int) throws -> String {
        let config = dir.path("study.json")
        try """
            {"study_name": "shared", "objective": "branin", "trials": \(trials),
             "search_space": {"x1": {"float": [-5, 10]}, "x2": {"float": [0, 15]}},
             "sampler": {"type": "random", "seed": 3}, "heartbeat": {"interval_seconds": 1, "grace_seconds": 5}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// Two worker processes share a study in PostgreSQL, with the password from
    /// `PGPASSWORD` alone; `--status` of the URL reports it.
    @Test func workerProcessesShareAStudyThroughAURL() throws {
        let store = try StorageFixture(.postgresql)
        defer { store.cleanup() }
        let config = try writeConfig(store.dir, trials: 24)
        let environment = ["PGPASSWORD": try TestServer.password(), "PGPASSFILE": "/dev/null"]
        let (status, out, err) = try hone(["tune", config, "--storage", store.location, "--workers", "2", "--quiet"],
                                          environment: environment)
        #expect(status == 0, "\(out)\(err)")
        #expect(out.contains("in \(store.location)"))
        let storage = try store.open()
        let trials = try storage.trials(studyID: try #require(try storage.studyID(named: "shared")))
        #expect(trials.count == 24 && trials.allSatisfy { $0.state == .complete })
        #expect(trials.map(\.number) == Array(0..<24))
        let summary = try String(contentsOfFile: store.dir.path("shared-summary.json"), encoding: .utf8)
        #expect(summary.contains("\"storage\": \"\(store.location)\""))

        let (statusCode, statusOut, _) = try hone(["tune", "--status", store.location], environment: environment)
        #expect(statusCode == 0)
        #expect(statusOut.contains("study 'shared'") && statusOut.contains("complete 24") && statusOut.contains("best: trial"))
    }

    @Test func badServersAreOneLineAndWriteNothing() throws {
        let store = try StorageFixture(.postgresql)
        defer { store.cleanup() }
        let config = try writeConfig(store.dir, trials: 5)
        let summary = store.dir.path("shared-summary.json")
        func expectOneLineFailure(_ arguments: [String], mentioning words: [String], hiding secret: String? = nil) throws {
            let (status, out, err) = try hone(arguments)
            #expect(status != 0)
            let lines = err.split(separator: "\n")
            #expect(lines.count == 1, "\(err)")
            for word in words { #expect(err.contains(word), "\(err)") }
            if let secret { #expect(!err.contains(secret) && !out.contains(secret)) }
            #expect(!FileManager.default.fileExists(atPath: summary))
        }
        // Nobody listens on port 1.
        try expectOneLineFailure(["tune", config, "--storage", "postgresql://hone@127.0.0.1:1/studies"],
                                 mentioning: ["cannot connect to postgresql://hone@127.0.0.1:1/studies"])
        // A wrong password, given in the URL.
        let secret = "n0t-the-Passw0rd"
        let wrong = store.location.replacingOccurrences(of: "://hone@", with: "://hone:\(secret)@")
        try expectOneLineFailure(["tune", config, "--storage", wrong], mentioning: ["password authentication failed"],
                                 hiding: secret)
        try expectOneLineFailure(["tune", "--status", wrong], mentioning: ["password authentication failed"], hiding: secret)
        // A database of a newer Hone: refused, and no study is added to it.
        let storage = try #require(try store.open() as? PostgreSQLStorage)
        try storage.db.execute("UPDATE hone_schema_version SET version = 7")
        try expectOneLineFailure(["tune", config, "--storage", store.location],
                                 mentioning: ["schema version 7", "upgrade Hone"])
        #expect(try storage.db.execute("SELECT count(*) FROM hone_studies") { $0.int(0) } == [0])
    }
}
