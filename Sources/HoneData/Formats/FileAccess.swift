import Foundation

/// Reading whole files (plain or gzip) and writing them atomically.
public enum FileAccess {
    /// The bytes of the file at `url`, inflated when its name ends in `.gz`.
    ///
    /// - Throws: ``DataError/fileNotFound(file:)``, ``DataError/unreadable(file:reason:)``,
    ///   or ``DataError/corruptCompressedData(file:detail:)`` for a damaged or truncated gzip stream.
    public static func readBytes(at url: URL) throws -> [UInt8] {
        let raw = try readRawBytes(at: url)
        if url.pathExtension.lowercased() == "gz" {
            return try Gzip.decompress(raw, file: url.path)
        }
        return raw
    }

    /// The bytes of the file at `url` as stored, without decompression.
    public static func readRawBytes(at url: URL) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DataError.fileNotFound(file: url.path)
        }
        guard !isDirectory.boolValue else {
            throw DataError.unreadable(file: url.path, reason: "is a directory")
        }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw DataError.unreadable(file: url.path, reason: error.localizedDescription)
        }
    }

    /// Writes `bytes` to `url` through a temporary file and a rename, so a failure
    /// never leaves a half-written file; gzip-compresses when the name ends in `.gz`.
    public static func writeBytes(_ bytes: [UInt8], to url: URL) throws {
        let payload = url.pathExtension.lowercased() == "gz" ? try Gzip.compress(bytes, file: url.path) : bytes
        do {
            // Data.write(options: .atomic) writes a sibling temporary file and renames it.
            try Data(payload).write(to: url, options: .atomic)
        } catch {
            throw DataError.unreadable(file: url.path, reason: error.localizedDescription)
        }
    }
}
