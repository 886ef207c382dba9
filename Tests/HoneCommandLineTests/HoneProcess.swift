import Foundation
import HoneTestSupport
import Testing

/// The built `hone` executable next to the test bundle: a missing binary fails the test
/// that needs it, with the reason, instead of skipping it.
enum HoneBinary {
    static let path: String? = BuiltExecutable.honePath

    /// The binary's path, or a test failure saying it was not built.
    static func require() throws -> String {
        try #require(path, "the hone executable is not built next to the tests; run `swift build -c release` first")
    }
}

/// What one `hone` process did.
struct HoneResult {
    var status: Int32
    var output: String
    var error: String

    /// The lines of standard error.
    var errorLines: [Substring] { error.split(separator: "\n") }
}

/// A fresh temporary directory for one test, removed when the test ends.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hone-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    func write(_ text: String, as name: String) throws -> URL {
        let target = file(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        return target
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    /// Names in the directory, sorted (to show that nothing new appeared).
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }

    /// Runs `hone arguments` with this directory as the working directory.
    func hone(_ arguments: [String]) throws -> HoneResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try HoneBinary.require())
        process.arguments = arguments
        process.currentDirectoryURL = url
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Standard error is drained on another thread so a full pipe never blocks the child.
        let errorData = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData.data = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return HoneResult(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                          error: String(decoding: errorData.data, as: UTF8.self))
    }
}

/// Bytes filled in by another thread and read after it is done.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
