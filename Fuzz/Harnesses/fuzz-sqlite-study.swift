// libFuzzer harness: opening a damaged study file (`SQLiteStorage(path:create:)`) and
// reading everything a resumed study reads: names, directions, attributes, every trial,
// the running workers. Each step either answers or throws `StorageError`.
import Foundation
import HoneTune

// In memory-backed /dev/shm when there is one: every run writes the file and SQLite syncs it.
let databasePath = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory())
    + "hone-fuzz-study-\(getpid()).db"

func removeDatabase() {
    for suffix in ["", "-wal", "-shm", "-journal"] { unlink(databasePath + suffix) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSQLiteStudy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    removeDatabase()
    defer { removeDatabase() }
    guard FileManager.default.createFile(atPath: databasePath, contents: Data(bytes: data, count: size)) else {
        fatalError("cannot write \(databasePath)")
    }
    do {
        let storage = try SQLiteStorage(path: databasePath, create: false, busyTimeout: 0.1)
        for name in try storage.studyNames() {
            guard let study = try storage.studyID(named: name) else { continue }
            _ = try? storage.studyDirections(studyID: study)
            _ = try? storage.studySystemAttributes(studyID: study)
            _ = try? storage.runningTrialWorkers(studyID: study)
            for trial in try storage.trials(studyID: study) {
                _ = trial.value
                _ = trial.typedParams
                _ = try storage.trial(studyID: study, number: trial.number)
            }
        }
    } catch is StorageError {
    } catch {
        fatalError("study storage threw an untyped error: \(error)")
    }
    return 0
}
