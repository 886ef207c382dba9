import Foundation
@testable import HoneTune

/// A fresh temporary directory for one test, removed by `cleanup()`.
struct TempDir {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hone-tune-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

func branin2(_ t: Trial) throws -> Double {
    let x1 = try t.suggestFloat("x1", in: -5...10)
    let x2 = try t.suggestFloat("x2", in: 0...15)
    return BenchmarkFunction.branin.evaluate([x1, x2])
}

/// Errors collected from worker threads.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Error] = []
    func add(_ e: Error) { lock.lock(); stored.append(e); lock.unlock() }
    var errors: [Error] { lock.lock(); defer { lock.unlock() }; return stored }
}
