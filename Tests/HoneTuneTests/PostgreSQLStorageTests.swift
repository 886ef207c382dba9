import Foundation
import Testing
@testable import HoneTune

/// What only the PostgreSQL storage does: reaching a server, keeping its password secret,
/// versioning its tables, retrying lost serialization races.
@Suite struct PostgreSQLStorageTests {
    @Test func urlsArePrintedWithoutTheirPassword() {
        let url = PostgreSQLURL("postgresql://alice:s%40cret@db.example:5433/studies?sslmode=require&password=other")
        #expect(url.redacted == "postgresql://alice@db.example:5433/studies?sslmode=require")
        #expect(url.password == "other")
        #expect(url.scrub("bad login for other") == "bad login for ***")
        #expect(PostgreSQLURL("postgres://bob:pw@h/db").redacted == "postgres://bob@h/db")
        #expect(PostgreSQLURL("postgresql://h:5432/db").redacted == "postgresql://h:5432/db")
        #expect(StorageLocation("postgresql://u:pw@h/d") == .postgresql(url: "postgresql://u:pw@h/d"))
        #expect("\(StorageLocation("postgresql://u:pw@h/d"))" == "postgresql://u@h/d")
        #expect(StorageLocation("s.db", relativeTo: URL(fileURLWithPath: "/tmp/x")) == .sqlite(path: "/tmp/x/s.db"))
        #expect(PostgreSQLValue.double(PostgreSQLValue.text(0.1 + 0.2)) == 0.1 + 0.2)
        #expect(PostgreSQLValue.double("1e+300") == 1e300)
        #expect(PostgreSQLStorage.array(["a\"b", "c\\d", "{,}"]) == #"{"a\"b","c\\d","{,}"}"#)
    }

    /// A wrong password is refused with the server's reason; the password is in no message.
    @Test func aWrongPasswordNeverAppearsInTheError() throws {
        let server = try TestServer.url()
        let wrong = "Wr0ng-p4ss-" + UUID().uuidString.prefix(8)
        let url = server.replacingOccurrences(of: "://hone@", with: "://hone:\(wrong)@")
        #expect(url.contains(wrong))
        #expect {
            _ = try PostgreSQLStorage(url: url)
        } throws: { error in
            let text = "\(error)"
            guard case StorageError.connectionFailed(let location, _) = error else { return false }
            return !text.contains(wrong) && !text.contains("\n") && location == PostgreSQLURL(url).redacted
                && text.contains("password authentication failed")
        }
        // The right password in the URL opens it.
        let right = server.replacingOccurrences(of: "://hone@", with: "://hone:\(try TestServer.password())@")
        _ = try PostgreSQLStorage(url: right)
    }

    @Test func anUnreachableServerIsNamedInOneLine() throws {
        #expect {
            _ = try PostgreSQLStorage(url: "postgresql://hone:topsecret@127.0.0.1:1/studies", connectTimeout: 2)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("cannot connect to postgresql://hone@127.0.0.1:1/studies: ")
                && !text.contains("topsecret") && !text.contains("\n")
        }
    }

    /// A database written by a newer Hone is refused by name and version, and left as it was.
    @Test func aNewerSchemaIsRefusedAndLeftAlone() throws {
        let store = try StorageFixture(.postgresql)
        defer { store.cleanup() }
        let storage = try #require(try store.open() as? PostgreSQLStorage)
        _ = try storage.createStudy(name: "future", directions: [.minimize])
        try storage.db.execute("UPDATE hone_schema_version SET version = 99")
        #expect(throws: StorageError.newerSchema(path: PostgreSQLURL(store.location).redacted, found: 99,
                                                 supported: PostgreSQLStorage.schemaVersion)) {
            _ = try PostgreSQLStorage(url: store.location)
        }
        #expect(try storage.db.execute("SELECT version FROM hone_schema_version") { $0.int(0) } == [99])
        #expect(try storage.db.execute("SELECT count(*) FROM hone_studies") { $0.int(0) } == [1])
    }

    /// Connections opening an empty database at once: one creates the tables, all open it
    /// (five rounds, each on a fresh database).
    @Test func concurrentOpensOfAnEmptyDatabaseCreateTheTablesOnce() throws {
        for _ in 0..<5 { try openAtOnce() }
    }

    private func openAtOnce() throws {
        let store = try StorageFixture(.postgresql)
        defer { store.cleanup() }
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do { _ = try store.open() } catch { errors.add(error) }
        }
        #expect(errors.errors.isEmpty, "\(errors.errors)")
        let storage = try #require(try store.open() as? PostgreSQLStorage)
        #expect(try storage.db.execute("SELECT version FROM hone_schema_version") { $0.int(0) }
            == [PostgreSQLStorage.schemaVersion])
    }

    /// A transaction that loses a serialization race (another connection changed its row
    /// after its snapshot) runs again and then succeeds.
    @Test func aSerializationFailureIsRetried() throws {
        let store = try StorageFixture(.postgresql)
        defer { store.cleanup() }
        let storage = try #require(try store.open() as? PostgreSQLStorage)
        let other = try PostgreSQLConnection(url: PostgreSQLURL(store.location))
        let id = try storage.createStudy(name: "race", directions: [.minimize])
        var attempts = 0
        try storage.db.transaction(isolation: "REPEATABLE READ") {
            attempts += 1
            _ = try storage.db.execute("SELECT budget_used FROM hone_studies WHERE study_id = $1", [String(id)]) { $0.int(0) }
            if attempts == 1 {
                try other.execute("UPDATE hone_studies SET budget_used = budget_used + 10 WHERE study_id = $1", [String(id)])
            }
            try storage.db.execute("UPDATE hone_studies SET budget_used = budget_used + 1 WHERE study_id = $1", [String(id)])
        }
        #expect(attempts == 2)
        #expect(try other.execute("SELECT budget_used FROM hone_studies WHERE study_id = $1", [String(id)]) { $0.int(0) } == [11])
    }
}
