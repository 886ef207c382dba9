import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader sees either the old content or the new, never a mix:
/// the bytes go to a temporary sibling, are flushed, and replace the file by `rename`.
public enum AtomicFile {
    /// Replaces `url` with `data`.
    ///
    /// - Parameter beforeRename: runs after the temporary file is complete and before it
    ///   replaces `url`; a throw leaves `url` as it was (tests use it to fail mid-write).
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
            throw TrainingError.unwritable(file: url.path, detail: "\(error)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let message = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw TrainingError.unwritable(file: url.path, detail: "rename failed: \(message)")
        }
    }
}
