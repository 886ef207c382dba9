import Foundation

/// Reading whole files (plain or gzip) and writing them atomically.
public enum FileAccess {
    /// The bytes of the file at `url`, inflated when its name ends in `.gz`.
    ///
    /// - Parameter maximumDecompressedBytes: the most bytes a gzip file may inflate to.
    /// - Throws: ``DataError/fileNotFound(file:)``, ``DataError/unreadable(file:reason:)``,
    ///   ``DataError/corruptCompressedData(file:detail:)`` for a damaged or truncated gzip
    ///   stream, or ``DataError/decompressedTooLarge(file:limit:)`` past the limit.
    public static func readBytes(
        at url: URL, maximumDecompressedBytes: Int = Gzip.defaultMaximumOutputBytes
    ) throws -> [UInt8] {
        let raw = try readRawBytes(at: url)
        if isGzip(url) {
            return try Gzip.decompress(raw, file: url.path, maximumOutputBytes: maximumDecompressedBytes)
        }
        return raw
    }

    /// Whether the file at `url` is read and written gzip-compressed (its name ends in `.gz`).
    public static func isGzip(_ url: URL) -> Bool { url.pathExtension.lowercased() == "gz" }

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
        let payload = isGzip(url) ? try Gzip.compress(bytes, file: url.path) : bytes
        do {
            // Data.write(options: .atomic) writes a sibling temporary file and renames it.
            try Data(payload).write(to: url, options: .atomic)
        } catch {
            throw DataError.unreadable(file: url.path, reason: error.localizedDescription)
        }
    }
}
