// libFuzzer harness: a run's `monitors.jsonl` (`MonitorLog.read(url:partialLastRecord:)`),
// written to a file as `hone report` and `hone doctor` read it. The first byte picks the
// policy for a partial last line. A file either reads or throws `TrainingError`.
import Foundation
import HoneTrain

// In memory-backed /dev/shm when there is one: every run writes the file.
let logPath = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory())
    + "hone-fuzz-monitors-\(getpid()).jsonl"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMonitorLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    defer { unlink(logPath) }
    guard FileManager.default.createFile(atPath: logPath, contents: Data(bytes: data + 1, count: size - 1)) else {
        fatalError("cannot write \(logPath)")
    }
    do {
        let log = try MonitorLog.read(url: URL(fileURLWithPath: logPath), partialLastRecord: data[0] & 1 == 0 ? .skip : .fail)
        _ = (log.steps.count, log.samples.count, log.failure?.step)
    } catch is TrainingError {
    } catch {
        fatalError("monitor log reader threw an untyped error: \(error)")
    }
    return 0
}
