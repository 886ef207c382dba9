// libFuzzer harness: `hone tune` configurations (`TuneConfig(json:directory:)`, with the
// search space, sampler and pruner they name). A configuration either throws a typed
// error (`ConfigError`, `TuneError`) or builds, and then two trials of it run in memory.
import Foundation
import HoneCore
import HoneTune

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTuneConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let config = try TuneConfig(json: try JSONValue.parse(text), directory: URL(fileURLWithPath: "/nonexistent"))
        // Sleeping objectives and large grids are valid but slow: run only quick ones.
        if let benchmark = config.objective as? BenchmarkObjective, benchmark.sleepSeconds > 0 || benchmark.steps > 20 {
            return 0
        }
        let sampler = try config.makeSampler()
        if let grid = sampler as? GridSampler, grid.count > 64 { return 0 }
        let study = try Study.create(
            name: config.studyName, directions: config.directions, sampler: sampler, pruner: try config.makePruner())
        try study.optimize(trials: 2) { trial in try config.evaluate(trial) }
    } catch is ConfigError {
    } catch is TuneError {
    } catch {
        fatalError("tune configuration reader threw an untyped error: \(error)")
    }
    return 0
}
