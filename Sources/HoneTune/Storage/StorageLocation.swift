import Foundation

/// Where a study lives, as a configuration or a command line names it: a SQLite file
/// path, or a `postgresql://` (or `postgres://`) URL of a database shared by many hosts.
///
/// ```swift
/// let storage = try StorageLocation("postgresql://hone@db.example/studies").open()
/// ```
public enum StorageLocation: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgresql(url: String)

    /// Reads `text`; a relative file path is resolved against `directory`.
    public init(_ text: String, relativeTo directory: URL? = nil) {
        if PostgreSQLURL.isPostgreSQL(text) {
            self = .postgresql(url: text)
        } else if text.hasPrefix("/") || directory == nil {
            self = .sqlite(path: text)
        } else {
            self = .sqlite(path: directory!.appendingPathComponent(text).standardizedFileURL.path)
        }
    }

    /// The path, or the URL without its password: safe to print.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgresql(let url): return PostgreSQLURL(url).redacted
        }
    }

    /// Opens the storage; with `create`, a missing SQLite file (and its directory) is created.
    /// A PostgreSQL database must exist; its Hone tables are created when missing.
    public func open(create: Bool = true) throws -> StudyStorage {
        switch self {
        case .sqlite(let path):
            if create {
                try FileManager.default.createDirectory(
                    at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            }
            return try SQLiteStorage(path: path, create: create)
        case .postgresql(let url):
            return try PostgreSQLStorage(url: url)
        }
    }
}

extension StorageLocation {
    /// The file path, or the URL as given (with any password: for opening, not printing).
    var path: String {
        switch self {
        case .sqlite(let path): return path
        case .postgresql(let url): return url
        }
    }
}
