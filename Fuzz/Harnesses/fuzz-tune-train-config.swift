// libFuzzer harness: `hone tune` configurations of the training objective
// (`"objective": "train"`, an inline `"train"` configuration, `"objectives"` checked
// against the metrics a run writes, search-space names checked as training fields). A
// configuration either builds or throws a typed error; no trial runs (each would train).
import Foundation
import HoneCore
import HoneData
import HoneTrain
import HoneTune

let registered: Void = TrainingObjective.register()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTuneTrainConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = registered
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let config = try TuneConfig(json: try JSONValue.parse(text), directory: URL(fileURLWithPath: "/nonexistent"))
        _ = try config.makeSampler()
        _ = try config.makePruner()
    } catch is ConfigError {
    } catch is TuneError {
    } catch is TrainingError {
    } catch is DataError {
    } catch {
        fatalError("tune configuration reader threw an untyped error: \(error)")
    }
    return 0
}
