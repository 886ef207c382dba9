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

/// The sampler a `hone tune` configuration on Branin builds from `"sampler": {"type":
/// TYPE` + `options` + `}` (options start with a comma).
func samplerFromConfig<S: Sampler>(_ type: String, _ options: String, as: S.Type = S.self) throws -> S {
    let text = #"{"objective": "branin", "search_space": {"x1": {"float": [-5, 10]}, "x2": {"float": [0, 15]}}, "trials": 5, "#
        + #""sampler": {"type": "\#(type)"\#(options)}}"#
    let config = try TuneConfig(json: try JSONValue.parse(text), directory: FileManager.default.temporaryDirectory)
    guard let sampler = try config.makeSampler() as? S else { throw Boom() }
    return sampler
}

/// The TPE sampler of ``samplerFromConfig(_:_:as:)`` with seed 4.
func tpeSamplerFromConfig(_ options: String) throws -> TPESampler {
    try samplerFromConfig("tpe", #", "seed": 4"# + options)
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
