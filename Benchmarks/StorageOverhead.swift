import Foundation
import HoneTune

/// Measures what a trial costs the tuning machinery itself, the way the Optuna reference
/// (`hpo_anchor.py`) does: wall time of a study on Branin with ``RandomSampler`` divided by
/// the number of trials (the objective costs nanoseconds), in memory and in SQLite.
public enum StorageOverhead {
    /// Per-trial wall time of the same study in memory and in SQLite.
    public struct Result: Sendable {
        /// Trials run in each storage.
        public var trials: Int
        /// Mean milliseconds per trial in memory.
        public var inMemoryMsPerTrial: Double
        /// Mean milliseconds per trial in SQLite.
        public var sqliteMsPerTrial: Double
        /// Mean over the last 100 SQLite trials (growth with the study's size).
        public var sqliteLastMsPerTrial: Double
        /// What SQLite adds to a trial.
        public var sqliteExtraMsPerTrial: Double { sqliteMsPerTrial - inMemoryMsPerTrial }
    }

    /// Runs `trials` trials in memory, then in a fresh SQLite file in `directory`.
    public static func measure(trials: Int = 1000, directory: URL = FileManager.default.temporaryDirectory) throws -> Result {
        func run(_ storage: StudyStorage) throws -> (Double, Double) {
            let study = try Study.create(name: "overhead", sampler: RandomSampler(seed: 0), storage: storage)
            var stamps: [Date] = []
            stamps.reserveCapacity(trials)
            let start = Date()
            try study.optimize(trials: trials, callbacks: [{ _, _ in stamps.append(Date()) }]) { t in
                BenchmarkFunction.branin.evaluate([try t.suggestFloat("x1", in: -5...10), try t.suggestFloat("x2", in: 0...15)])
            }
            let total = Date().timeIntervalSince(start)
            let tail = min(100, trials - 1)
            let last = tail > 0 ? stamps[trials - 1].timeIntervalSince(stamps[trials - 1 - tail]) / Double(tail) : total
            return (total / Double(trials) * 1e3, last * 1e3)
        }
        let (memory, _) = try run(InMemoryStorage())
        let path = directory.appendingPathComponent("hone-overhead-\(UUID().uuidString).db").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let (sqlite, sqliteLast) = try run(try SQLiteStorage(path: path))
        return Result(trials: trials, inMemoryMsPerTrial: memory, sqliteMsPerTrial: sqlite, sqliteLastMsPerTrial: sqliteLast)
    }

    /// The wall time per trial of one study in a storage, overall and over two windows of
    /// 100 trials: the one after trial 100 and the last (flat when they agree).
    public struct PerTrial: Sendable {
        public var msPerTrial: Double
        public var windowAfter100: Double
        public var lastWindow: Double
    }

    /// Runs a fresh study of `trials` (≥ 201) Random-sampler trials on Branin in `storage`.
    public static func perTrial(storage: StudyStorage, trials: Int) throws -> PerTrial {
        guard trials > 200 else { throw TuneError.invalidArgument("perTrial needs more than 200 trials, got \(trials)") }
        let name = "overhead-" + UUID().uuidString.prefix(8).lowercased()
        let study = try Study.create(name: name, sampler: RandomSampler(seed: 0), storage: storage)
        var stamps: [Date] = []
        stamps.reserveCapacity(trials)
        let start = Date()
        try study.optimize(trials: trials, callbacks: [{ _, _ in stamps.append(Date()) }]) { t in
            BenchmarkFunction.branin.evaluate([try t.suggestFloat("x1", in: -5...10), try t.suggestFloat("x2", in: 0...15)])
        }
        let total = Date().timeIntervalSince(start)
        func window(_ from: Int, _ to: Int) -> Double { stamps[to].timeIntervalSince(stamps[from]) / Double(to - from) * 1e3 }
        return PerTrial(msPerTrial: total / Double(trials) * 1e3, windowAfter100: window(99, 199),
                        lastWindow: window(trials - 101, trials - 1))
    }
}

extension StorageOverhead.Result {
    /// The measurement as `hone bench tune` results (workload `W5/storage`).
    public var benchResults: [BenchResult] {
        [
            BenchResult(workload: "W5/storage", metric: "trials", value: Double(trials)),
            BenchResult(workload: "W5/storage", metric: "inmemory_ms_per_trial", value: inMemoryMsPerTrial),
            BenchResult(workload: "W5/storage", metric: "sqlite_ms_per_trial", value: sqliteMsPerTrial),
            BenchResult(workload: "W5/storage", metric: "sqlite_extra_ms_per_trial", value: sqliteExtraMsPerTrial),
            BenchResult(workload: "W5/storage", metric: "sqlite_last100_ms_per_trial", value: sqliteLastMsPerTrial),
        ]
    }
}
