import Foundation
import Testing
@testable import HoneTune

/// The storage backends every contract test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, sqlite, postgresql
    var testDescription: String { rawValue }
}

/// The PostgreSQL server of the test run (`scripts/with-postgres.sh` starts one): its URL
/// without a password, and the password file that holds it.
enum TestServer {
    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "HONE_TEST_POSTGRESQL_URL is not set: run the tests through scripts/with-postgres.sh (make test does)"
        }
    }

    /// The server's URL (database `postgres`); throws when the test run has no server.
    static func url() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["HONE_TEST_POSTGRESQL_URL"], !url.isEmpty else { throw Missing() }
        if let passfile = environment["HONE_TEST_POSTGRESQL_PASSFILE"], environment["PGPASSFILE"] != passfile {
            setenv("PGPASSFILE", passfile, 1)
        }
        return url
    }

    /// The password the password file holds for the server.
    static func password() throws -> String {
        let passfile = try #require(ProcessInfo.processInfo.environment["HONE_TEST_POSTGRESQL_PASSFILE"])
        let line = try String(contentsOfFile: passfile, encoding: .utf8).split(separator: "\n")[0]
        return String(line.split(separator: ":").last!)
    }

    /// `url` with its database name replaced.
    static func url(_ url: String, database: String) -> String {
        let slash = url.range(of: "/", options: .backwards, range: url.range(of: "://")!.upperBound..<url.endIndex)!
        return String(url[..<slash.upperBound]) + database
    }

    /// Creates an empty database and returns its URL.
    static func createDatabase() throws -> String {
        let admin = try PostgreSQLConnection(url: PostgreSQLURL(try url()))
        let name = "hone_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try admin.execute("CREATE DATABASE \(name)")
        return url(try url(), database: name)
    }

    static func dropDatabase(_ databaseURL: String) {
        guard let admin = try? PostgreSQLConnection(url: PostgreSQLURL(try url())) else { return }
        let name = databaseURL.split(separator: "/").last.map(String.init) ?? ""
        try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

/// One empty store of a backend, opened as many times as a test needs (each `open()` is a
/// new connection to the same store; in memory, the same storage).
final class StorageFixture {
    let backend: Backend
    let dir = TempDir()
    private let memory = InMemoryStorage()
    /// The SQLite file or PostgreSQL database URL.
    let location: String

    init(_ backend: Backend) throws {
        self.backend = backend
        switch backend {
        case .memory: location = "memory"
        case .sqlite: location = dir.path("study.db")
        case .postgresql: location = try TestServer.createDatabase()
        }
    }

    func open() throws -> StudyStorage {
        switch backend {
        case .memory: return memory
        case .sqlite: return try SQLiteStorage(path: location)
        case .postgresql: return try PostgreSQLStorage(url: location)
        }
    }

    func cleanup() {
        dir.cleanup()
        if backend == .postgresql { TestServer.dropDatabase(location) }
    }
}
