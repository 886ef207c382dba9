// libFuzzer harness: `hone train` configurations (`TrainingConfig(json:baseDirectory:)`):
// data, model, optimizer, schedule, regularization, callbacks, checkpoints. A configuration
// either builds or throws a typed error (`ConfigError`, `TrainingError`, `DataError`).
import Foundation
import HoneCore
import HoneData
import HoneTrain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrainConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let config = try TrainingConfig(json: try JSONValue.parse(text), baseDirectory: URL(fileURLWithPath: "/nonexistent"))
        // A configuration that builds names its metrics and writes itself back.
        _ = FinalMetrics.names(for: config)
        _ = try TrainingConfig(json: try JSONValue.parse(config.json.serialized()), baseDirectory: config.baseDirectory)
    } catch is ConfigError {
    } catch is TrainingError {
    } catch is DataError {
    } catch {
        fatalError("training configuration reader threw an untyped error: \(error)")
    }
    return 0
}
