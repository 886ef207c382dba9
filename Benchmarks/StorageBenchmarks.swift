import Foundation
import HoneTune

#if canImport(Glibc)
import Glibc
#endif

/// The storage suite: what a trial costs a PostgreSQL study beside one in memory, and a
/// study of a grid shared by many worker processes, a third of them killed midway.
///
/// Both need a PostgreSQL database (its URL, password from `PGPASSWORD` or `PGPASSFILE`);
/// the reference `reference/storage_optuna.py` measures Optuna's RDB storage the same way.
public enum StorageBenchmarks {
    /// The shared study's grid: 40 × 50 = 2,000 points.
    static let gridShape = (i: 40, j: 50)

    /// A cheap objective on the grid point (Branin at the point's place in its domain).
    static func gridObjective(sleep: TimeInterval) -> (Trial) throws -> Double {
        { trial in
            let i = try trial.suggestInt("i", in: 0...(gridShape.i - 1))
            let j = try trial.suggestInt("j", in: 0...(gridShape.j - 1))
            if sleep > 0 { Thread.sleep(forTimeInterval: sleep) }
            return BenchmarkFunction.branin.evaluate([-5 + 15 * Double(i) / 39, 15 * Double(j) / 49])
        }
    }

    static func gridSampler() -> GridSampler {
        GridSampler(searchSpace: ["i": (0..<gridShape.i).map { .int($0) }, "j": (0..<gridShape.j).map { .int($0) }])
    }

    /// Per-trial cost of a sequential study (Random sampler on Branin) of `trials` trials in
    /// memory and in the database at `url`, and the database's cost around trial 100 and at
    /// the end (means over 100 trials each).
    public static func overhead(url: String, trials: Int) throws -> [BenchResult] {
        let memory = try StorageOverhead.perTrial(storage: InMemoryStorage(), trials: trials)
        let database = try StorageOverhead.perTrial(storage: try PostgreSQLStorage(url: url), trials: trials)
        let workload = "postgresql_\(trials)"
        return [
            BenchResult(workload: workload, metric: "inmemory_ms_per_trial", value: memory.msPerTrial),
            BenchResult(workload: workload, metric: "postgresql_ms_per_trial", value: database.msPerTrial),
            BenchResult(workload: workload, metric: "postgresql_extra_ms_per_trial",
                        value: database.msPerTrial - memory.msPerTrial),
            BenchResult(workload: workload, metric: "postgresql_ms_per_trial_100_200", value: database.windowAfter100),
            BenchResult(workload: workload, metric: "postgresql_ms_per_trial_last100", value: database.lastWindow),
        ]
    }

    /// The shared study: `workers` processes (each `command(url, study)`) run a grid of
    /// 2,000 points; when a third of the grid is done, a third of the workers is killed
    /// with SIGKILL, the study is resumed (their trials failed and re-enqueued) and as
    /// many new workers take their place. Checks that exactly 2,000 trials completed, each
    /// grid point once, nothing left running or waiting.
    public static func sharedStudy(
        url: String, workers: Int, sleep: TimeInterval, executable: URL,
        command: (_ url: String, _ study: String) -> [String]
    ) throws -> [BenchResult] {
        let name = "shared-" + UUID().uuidString.prefix(8).lowercased()
        let storage = try PostgreSQLStorage(url: url)
        let study = try Study.create(name: name, sampler: gridSampler(), storage: storage)
        let total = gridShape.i * gridShape.j
        func launch() throws -> Process {
            let process = Process()
            process.executableURL = executable
            process.arguments = command(url, name)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
        let start = Date()
        var processes = try (0..<workers).map { _ in try launch() }
        var complete = 0
        while complete < total / 3 {
            Thread.sleep(forTimeInterval: 0.05)
            complete = try storage.trials(studyID: study.studyID, states: [.complete], fromNumber: 0).count
            if !processes.contains(where: \.isRunning) { break }
        }
        let victims = Array(processes.prefix(workers / 3))
        for process in victims { kill(process.processIdentifier, SIGKILL) }
        for process in victims { process.waitUntilExit() }
        let completeAtKill = try storage.trials(studyID: study.studyID, states: [.complete], fromNumber: 0).count
        let failed = try study.resume(policy: .deadWorkers)
        processes = Array(processes.dropFirst(victims.count)) + (try victims.map { _ in try launch() })
        for process in processes { process.waitUntilExit() }
        let elapsed = Date().timeIntervalSince(start)
        let exits = processes.filter { $0.terminationStatus != 0 }.count

        let trials = try storage.trials(studyID: study.studyID)
        let done = trials.filter { $0.state == .complete }
        let points = Set(done.map { "\($0.params["i"] ?? -1),\($0.params["j"] ?? -1)" })
        let retried = trials.filter { $0.systemAttributes["hone:retry_of"] != nil }
        let workload = "shared_\(workers)_workers"
        return [
            BenchResult(workload: workload, metric: "complete", value: Double(done.count)),
            BenchResult(workload: workload, metric: "distinct_grid_points", value: Double(points.count)),
            BenchResult(workload: workload, metric: "left_running_or_waiting",
                        value: Double(trials.filter { $0.state == .running || $0.state == .waiting }.count)),
            BenchResult(workload: workload, metric: "killed_workers", value: Double(victims.count)),
            BenchResult(workload: workload, metric: "complete_at_kill", value: Double(completeAtKill)),
            BenchResult(workload: workload, metric: "trials_failed_by_kill", value: Double(failed.count)),
            BenchResult(workload: workload, metric: "retried_trials_complete",
                        value: Double(retried.filter { $0.state == .complete }.count)),
            BenchResult(workload: workload, metric: "failed_worker_exits", value: Double(exits)),
            BenchResult(workload: workload, metric: "seconds", value: elapsed),
        ]
    }

    /// One worker process of ``sharedStudy(url:workers:sleep:executable:command:)``.
    public static func runWorker(url: String, study name: String, sleep: TimeInterval) throws {
        let study = try Study.load(name: name, storage: try PostgreSQLStorage(url: url), sampler: gridSampler(),
                                   recoverStaleTrials: false)
        study.heartbeat = try Heartbeat(interval: 1, grace: 10)
        try study.optimize(objective: gridObjective(sleep: sleep))
    }
}
