import Foundation

/// Reading a JSON configuration file so that every error names the file.
public enum ConfigFile {
    /// The parsed JSON of the file at `url`.
    ///
    /// - Throws: ``ConfigError/unreadable(path:message:)`` for a missing file, a directory,
    ///   an unreadable file or a JSON syntax error (with its line and column).
    public static func read(_ url: URL) throws -> JSONValue {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ConfigError.unreadable(path: url.path, message: "file not found")
        }
        guard !isDirectory.boolValue else {
            throw ConfigError.unreadable(path: url.path, message: "is a directory, not a JSON configuration file")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError.unreadable(path: url.path, message: "cannot read the file")
        }
        do {
            return try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch let error as ConfigError {
            throw ConfigError.unreadable(path: url.path, message: error.description)
        }
    }

    /// Runs `body`, naming the file at `url` in any ``ConfigError`` it throws.
    public static func checking<T>(_ url: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ConfigError {
            if case .unreadable = error { throw error }
            if case .inFile = error { throw error }
            throw ConfigError.inFile(path: url.path, error: error)
        }
    }
}
