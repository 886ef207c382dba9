import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader sees either the old content or the new, never a mix:
/// the bytes go to a temporary sibling, are flushed, and replace the file by `rename`.
///
/// The one atomic writer of the package: checkpoints, metrics, configurations, study
/// summaries and safetensors files all go through it.
public enum AtomicFile {
    /// Replaces `url` with `data`.
    ///
    /// - Parameter beforeRename: runs after the temporary file is complete and before it
    ///   replaces `url`; a throw leaves `url` as it was (tests use it to fail mid-write).
    /// - Throws: ``AtomicFileError`` naming `url`.
    public static func write(_ data: Data, to url: URL, beforeRename: () throws -> Void = {}) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.synchronize()
            try handle.close()
            try beforeRename()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw AtomicFileError(file: url.path, detail: "\(error)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let message = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw AtomicFileError(file: url.path, detail: "rename failed: \(message)")
        }
    }

    /// Replaces `url` with `text` in UTF-8.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

/// A file that ``AtomicFile`` could not write; the old content, if any, is untouched.
public struct AtomicFileError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file that was to be replaced.
    public var file: String
    /// Why it could not be.
    public var detail: String

    /// An error for `file`.
    public init(file: String, detail: String) {
        self.file = file
        self.detail = detail
    }

    public var description: String { "cannot write \(file): \(detail)" }
    public var errorDescription: String? { description }
}
