import CLibPQ
import Foundation

/// A PostgreSQL connection address (`postgresql://user[:password]@host[:port]/database?…`)
/// and its form safe to print: the password, from the URL's user part or a `password`
/// query parameter, is never shown.
public struct PostgreSQLURL: Sendable, CustomStringConvertible {
    /// The address exactly as given, with any password; only libpq reads it.
    let raw: String
    /// The password written in the URL, if any (to scrub it from server messages too).
    let password: String?
    /// The address without its password.
    public let redacted: String

    /// Whether `text` names a PostgreSQL database rather than a file.
    public static func isPostgreSQL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    public init(_ text: String) {
        raw = text
        guard let schemeEnd = text.range(of: "://") else {
            password = nil
            redacted = text
            return
        }
        let scheme = text[..<schemeEnd.upperBound]
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        var tail = String(rest[authorityEnd...])
        var found: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                let encoded = String(userInfo[userInfo.index(after: colon)...])
                found = encoded.removingPercentEncoding ?? encoded
                authority = String(userInfo[..<colon]) + String(authority[at...])
            }
        }
        if let question = tail.firstIndex(of: "?") {
            var kept: [Substring] = []
            for pair in tail[tail.index(after: question)...].split(separator: "&") {
                if pair.lowercased().hasPrefix("password=") {
                    let encoded = String(pair.dropFirst("password=".count))
                    found = encoded.removingPercentEncoding ?? encoded
                } else {
                    kept.append(pair)
                }
            }
            tail = String(tail[..<question]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        }
        password = found.flatMap { $0.isEmpty ? nil : $0 }
        redacted = String(scheme) + authority + tail
    }

    public var description: String { redacted }

    /// `message` with the password, if it appears, replaced by `***`.
    func scrub(_ message: String) -> String {
        guard let password else { return message }
        return message.replacingOccurrences(of: password, with: "***")
    }
}

/// An error reported by the server or by libpq, with its SQLSTATE code (empty when the
/// connection itself failed).
struct PostgreSQLFailure: Error {
    var sqlState: String
    var message: String

    /// Serialization failures and deadlocks: the transaction did nothing and may run again.
    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
}

/// One row of a result, read by column index; values come as text (libpq's text format).
struct PostgreSQLRow {
    fileprivate let result: OpaquePointer
    fileprivate let row: Int32

    func isNull(_ column: Int32) -> Bool { PQgetisnull(result, row, column) == 1 }
    func text(_ column: Int32) -> String { String(cString: PQgetvalue(result, row, column)) }
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    func int(_ column: Int32) -> Int { Int(text(column)) ?? 0 }
    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : Int(text(column)) }
    /// A `double precision` column; PostgreSQL spells the special values NaN, Infinity, -Infinity.
    func double(_ column: Int32) -> Double { isNull(column) ? .nan : PostgreSQLValue.double(text(column)) }
    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
}

/// Conversions between Swift values and PostgreSQL's text format.
enum PostgreSQLValue {
    /// The shortest text that reads back as exactly `value`.
    static func text(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return "\(value)"
    }

    static func double(_ text: String) -> Double {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text) ?? .nan
        }
    }
}

/// A thin wrapper of one libpq connection: parameterized statements only (no SQL is built
/// from data), results in text format, transactions retried on serialization failures and
/// deadlocks. Not thread-safe by itself: ``PostgreSQLStorage`` serializes its use.
final class PostgreSQLConnection {
    let url: PostgreSQLURL
    private var connection: OpaquePointer?
    /// How many times a transaction that lost a serialization race runs again.
    static let retryLimit = 20

    /// Connects; libpq takes the password from the URL, `PGPASSWORD` or the password file
    /// (`PGPASSFILE`, default `~/.pgpass`).
    init(url: PostgreSQLURL, connectTimeout: Int = 10) throws {
        self.url = url
        // Earlier keywords are defaults that the expanded URL (dbname) overrides.
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = [String(connectTimeout), "hone", url.raw]
        connection = withCStrings(keywords) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(connection)
            self.connection = nil
            throw StorageError.connectionFailed(location: url.redacted, message: Self.oneLine(url.scrub(message)))
        }
        // Notices (e.g. "relation already exists, skipping") are not for the user's terminal.
        _ = try? execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(connection) }

    private static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// The error of a failed result (or of the connection when there is no result).
    private func failure(_ result: OpaquePointer?) -> PostgreSQLFailure {
        let message = result.map { String(cString: PQresultErrorMessage($0)) }
            ?? String(cString: PQerrorMessage(connection))
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        return PostgreSQLFailure(sqlState: state, message: Self.oneLine(url.scrub(message)))
    }

    /// The storage error for a failure, naming the database (never its password).
    func storageError(_ failure: PostgreSQLFailure) -> StorageError {
        if PQstatus(connection) != CONNECTION_OK {
            return .connectionFailed(location: url.redacted, message: failure.message)
        }
        return .database(path: url.redacted, code: 0, message: "SQLSTATE \(failure.sqlState): \(failure.message)")
    }

    /// Runs one statement with `$1, $2, …` parameters (`nil` is SQL NULL) and maps each row.
    /// Throws ``PostgreSQLFailure``.
    func execute<T>(_ sql: String, _ parameters: [String?] = [], _ map: (PostgreSQLRow) throws -> T) throws -> [T] {
        let result = withOptionalCStrings(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        guard let result else { throw failure(nil) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK:
            let count = PQntuples(result)
            var rows: [T] = []
            rows.reserveCapacity(Int(count))
            for row in 0..<count { rows.append(try map(PostgreSQLRow(result: result, row: row))) }
            return rows
        case PGRES_COMMAND_OK:
            return []
        default:
            throw failure(result)
        }
    }

    /// Runs one statement that returns no rows (or whose rows are not needed).
    func execute(_ sql: String, _ parameters: [String?] = []) throws {
        _ = try execute(sql, parameters) { _ in () }
    }

    /// Runs `body` in one transaction, again from the start when it loses a serialization
    /// race or a deadlock (the server rolled it back), up to ``retryLimit`` times.
    func transaction<T>(isolation: String = "READ COMMITTED", _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try execute("BEGIN ISOLATION LEVEL " + isolation)
                let value = try body()
                try execute("COMMIT")
                return value
            } catch let failure as PostgreSQLFailure {
                _ = try? execute("ROLLBACK")
                guard failure.isRetryable, attempt < Self.retryLimit else { throw failure }
                usleep(UInt32.random(in: 100...2000) * UInt32(attempt))
            } catch {
                _ = try? execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs one autocommitted statement, again when it loses a serialization race or a deadlock.
    func retrying<T>(_ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try body()
            } catch let failure as PostgreSQLFailure where failure.isRetryable && attempt < Self.retryLimit {
                usleep(UInt32.random(in: 100...2000) * UInt32(attempt))
            }
        }
    }
}

private func withCStrings<T>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    withOptionalCStrings(strings.map { Optional($0) }) { pointers in body(pointers + [nil]) }
}

/// Calls `body` with C strings of `strings` (`nil` stays a null pointer), valid during the call.
private func withOptionalCStrings<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
