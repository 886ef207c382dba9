import CSQLite
import Foundation

/// A value bound to, or read from, an SQL statement.
enum SQLValue {
    case int(Int64)
    case double(Double)
    case text(String)
    case null
}

extension SQLValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    init(integerLiteral value: Int64) { self = .int(value) }
    init(stringLiteral value: String) { self = .text(value) }
    init(_ i: Int) { self = .int(Int64(i)) }
    init(_ d: Double?) { self = d.map { .double($0) } ?? .null }
    init(_ s: String?) { self = s.map { .text($0) } ?? .null }
}

/// One row of a result, read by column index.
struct SQLRow {
    fileprivate let stmt: OpaquePointer

    func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(stmt, i)) }
    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    /// A REAL column; SQL NULL (how SQLite stores NaN) reads back as NaN.
    func double(_ i: Int32) -> Double { isNull(i) ? .nan : sqlite3_column_double(stmt, i) }
    func optionalDouble(_ i: Int32) -> Double? { isNull(i) ? nil : sqlite3_column_double(stmt, i) }
    func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, i) else { return "" }
        return String(cString: p)
    }
    func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
}

/// A thin wrapper of one SQLite connection: cached prepared statements, bound parameters
/// only (no SQL is ever built from data), `BEGIN IMMEDIATE` transactions retried while
/// another process holds the write lock. Not thread-safe by itself: ``SQLiteStorage``
/// serializes its use.
final class SQLiteConnection {
    let path: String
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// How long a writer waits for another process's write lock before failing.
    let busyTimeout: TimeInterval

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(path: String, create: Bool, busyTimeout: TimeInterval) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        if rc != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            db = nil
            throw Self.error(path: path, code: rc, message: message)
        }
        sqlite3_busy_timeout(db, Int32(min(busyTimeout * 1000, Double(Int32.max))))
        sqlite3_extended_result_codes(db, 0)
    }

    deinit {
        for (_, s) in statements { sqlite3_finalize(s) }
        sqlite3_close_v2(db)
    }

    static func error(path: String, code: Int32, message: String) -> StorageError {
        switch code & 0xFF {
        case SQLITE_NOTADB:
            return .notAStudy(path: path, reason: "not an SQLite database: \(message)")
        case SQLITE_CORRUPT:
            return .corrupt(path: path, detail: message)
        default:
            return .database(path: path, code: code, message: message)
        }
    }

    private func fail(_ code: Int32) -> StorageError {
        Self.error(path: path, code: code, message: db.map { String(cString: sqlite3_errmsg($0)) } ?? "")
    }

    private func statement(_ sql: String) throws -> OpaquePointer {
        if let s = statements[sql] { return s }
        var s: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &s, nil)
        guard rc == SQLITE_OK, let s else { throw fail(rc) }
        statements[sql] = s
        return s
    }

    private func bind(_ s: OpaquePointer, _ values: [SQLValue]) throws {
        for (i, v) in values.enumerated() {
            let k = Int32(i + 1)
            let rc: Int32
            switch v {
            case .int(let x): rc = sqlite3_bind_int64(s, k, x)
            case .double(let x): rc = x.isNaN ? sqlite3_bind_null(s, k) : sqlite3_bind_double(s, k, x)
            case .text(let x): rc = sqlite3_bind_text(s, k, x, -1, Self.transient)
            case .null: rc = sqlite3_bind_null(s, k)
            }
            if rc != SQLITE_OK { throw fail(rc) }
        }
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
        let s = try statement(sql)
        defer {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
        }
        try bind(s, values)
        var rc = sqlite3_step(s)
        while rc == SQLITE_ROW { rc = sqlite3_step(s) }
        guard rc == SQLITE_DONE else { throw fail(rc) }
        return Int(sqlite3_changes(db))
    }

    /// Runs a query and maps each row.
    func query<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (SQLRow) throws -> T) throws -> [T] {
        let s = try statement(sql)
        defer {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
        }
        try bind(s, values)
        var out: [T] = []
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw fail(rc) }
            out.append(try map(SQLRow(stmt: s)))
        }
        return out
    }

    func scalarInt(_ sql: String, _ values: [SQLValue] = []) throws -> Int? {
        try query(sql, values) { $0.isNull(0) ? nil : $0.int(0) }.first ?? nil
    }

    /// Runs SQL text without parameters (schema, pragmas), possibly several statements.
    func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? ""
            sqlite3_free(err)
            throw Self.error(path: path, code: rc, message: message)
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so
    /// concurrent writers queue (busy timeout) instead of failing on a stale snapshot.
    @discardableResult
    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(busyTimeout)
        while true {
            do {
                try run("BEGIN IMMEDIATE")
                break
            } catch StorageError.database(_, let code, _) where code & 0xFF == SQLITE_BUSY && Date() < deadline {
                usleep(1000)
            }
        }
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            if sqlite3_get_autocommit(db) == 0 { _ = try? run("ROLLBACK") }
            throw error
        }
    }
}
