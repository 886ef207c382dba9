import Foundation
import HoneBenchmarks
import HoneCore
import HoneDistributed
import HoneTune

/// `hone bench SUITE`: runs a benchmark suite and prints a table, or one JSON object in
/// the shape the reference comparison scripts read.
enum BenchCommand {
    static let spec = CommandSpec(
        name: "bench", summary: "run a benchmark suite and print a table or JSON",
        positionals: [PositionalSpec(name: "SUITE", help: "the suite", choices: ["distributed", "explain", "kernels", "memory", "storage", "train", "trees", "tune"])],
        options: [
            .flag("json", "print one JSON object instead of a table"),
            .flag("quick", "short measurements (smoke test)"),
            .option("steps", .integer("N", minimum: 1), "training steps of the memory suite (default 10000)"),
            .option("workloads", .text("w1,w2"), "workloads of the train suite (default w1,w2,w3,w4) or parts of explain (kernelshap,treeshap,lime,permutation)"),
            .option("single", .text("W"), "run one train workload in this process", hidden: true),
            .option("storage", .text("URL"), "storage suite: the postgresql://user@host:port/database to measure"),
            .option("trials", .integer("N", minimum: 2), "storage suite: trials of the per-trial cost run (default 2000)"),
            .option("workers", .integer("N", minimum: 0), "storage suite: worker processes sharing a 2,000-point grid, a third killed midway and replaced (default 16; 0: none)"),
            .option("worker-of", .text("STUDY"), "run as one worker of the storage suite", hidden: true),
            .option("data", .text("DIR"), "trees suite: the W7 CSV split (trees_anchor.py --write-data DIR; default $HONE_W7_DATA, else a self-drawn set of the same recipe, reported as W7-synthetic)"),
            .option("role", .text("ROLE"), "run as one rank of the distributed suite's mpirun job", hidden: true),
            .option("monitors", .choice("on|off|compare", ["on", "off", "compare"]),
                    "train W2 through the trainer with the training monitors on, off, or both with their epochs interleaved (compare)"),
        ],
        notes: "  tune runs W5 (Branin, Hartmann6; 5 seeds x 100 trials per sampler; --quick: fewer) and\n"
            + "  measures the study machinery's cost per trial in memory and in SQLite (W5/storage);\n"
            + "  explain runs W6 (KernelSHAP, LIME, permutation importance on the exported MLP, TreeSHAP of a\n"
            + "  100-round GBDT on all 569 rows; --quick: 3 rows);\n"
            + "  distributed times MPI all-reduce and W1/W2 in 1 and 2 ranks under mpirun, and estimates 8 and 64 nodes",
        run: run)

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        let suite = arguments.positionals[0]
        let quick = arguments.flag("quick")
        if suite == "storage", arguments.text("worker-of") != nil {
            _ = try runStorage(arguments)
            return 0
        }
        if suite == "distributed", let role = arguments.text("role") {
            return try runDistributedRank(role: role, quick: quick, json: arguments.flag("json"))
        }
        let results: [BenchResult]
        switch suite {
        case "kernels": results = KernelBenchmarks.run(quick: quick)
        case "memory": results = MemoryBenchmarks.run(steps: arguments.integer("steps") ?? 10_000)
        case "train": results = try runTrain(arguments)
        case "storage": results = try runStorage(arguments)
        case "distributed":
            results = try DistributedBenchmarks.run(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), quick: quick)
        case "explain":
            let parts = arguments.text("workloads").map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }) }
            if let unknown = parts?.subtracting(ExplainBenchmarks.parts).sorted().first {
                throw UsageError(description: "--workloads: no explain part '\(unknown)' (parts: \(ExplainBenchmarks.parts.joined(separator: ", ")))")
            }
            results = try ExplainBenchmarks.run(quick: quick, parts: parts)
        case "trees":
            let folder = arguments.text("data") ?? ProcessInfo.processInfo.environment["HONE_W7_DATA"]
            results = try TreeBenchmarks.run(TreeBenchmarks.loadSplit(folder: folder, quick: quick), quick: quick)
        default: results = runTuneBenchmark(quick: quick) + (try StorageOverhead.measure(trials: quick ? 200 : 1000)).benchResults
        }
        let report = BenchReport(suite: suite, results: results)
        print(arguments.flag("json") ? report.json() : report.table())
        return 0
    }

    /// One rank of a distributed-suite job (`--role allreduce`, `train-w1`, `train-w2`); rank 0 prints the report.
    private static func runDistributedRank(role: String, quick: Bool, json: Bool) throws -> Int32 {
        let workload = role.hasPrefix("train-") ? TrainBenchmarks.Workload(name: String(role.dropFirst("train-".count))) : nil
        guard role == "allreduce" || workload != nil else { throw UsageError(description: "unknown distributed role '\(role)'") }
        guard let mpi = MPICommunicator.startIfLaunched(explicit: true) else { return 1 }
        let results = workload.map { DistributedBenchmarks.runTrainRank(mpi, workload: $0, quick: quick) }
            ?? DistributedBenchmarks.runAllReduceRank(mpi, quick: quick)
        if mpi.rank == 0 {
            let report = BenchReport(suite: "distributed", results: results)
            print(json ? report.json() : report.table())
        }
        mpi.finish()
        return 0
    }

    /// The storage suite: per-trial cost of a PostgreSQL study, then worker processes sharing one.
    private static func runStorage(_ arguments: ParsedArguments) throws -> [BenchResult] {
        guard let url = arguments.text("storage") else {
            throw UsageError(description: "bench storage needs --storage postgresql://user@host:port/database")
        }
        let quick = arguments.flag("quick")
        let sleep = quick ? 0.002 : 0.02
        if let study = arguments.text("worker-of") {
            try StorageBenchmarks.runWorker(url: url, study: study, sleep: sleep)
            return []
        }
        let workers = arguments.integer("workers") ?? 16
        var results = try StorageBenchmarks.overhead(url: url, trials: arguments.integer("trials") ?? 2000)
        if workers > 0 {
            results += try StorageBenchmarks.sharedStudy(url: url, workers: workers, sleep: sleep, executable: WorkerProcess.currentExecutable) {
                ["bench", "storage", "--storage", $0, "--worker-of", $1] + (quick ? ["--quick"] : [])
            }
        }
        return results
    }

    /// The train suite: each workload in a fresh child process (`--single W`) so that its
    /// peak resident memory is its own; with `--monitors on|off|compare`, W2 through the trainer instead.
    private static func runTrain(_ arguments: ParsedArguments) throws -> [BenchResult] {
        let quick = arguments.flag("quick")
        if let monitors = arguments.text("monitors"), let mode = MonitorBenchmarks.Mode(rawValue: monitors) {
            return try MonitorBenchmarks.run(mode, quick: quick)
        }
        let settings = quick ? TrainBenchmarks.Settings.quick : TrainBenchmarks.Settings()
        if let single = arguments.text("single") {
            guard let workload = TrainBenchmarks.Workload(name: single) else {
                throw UsageError(description: "unknown train workload '\(single)'")
            }
            return TrainBenchmarks.runSingle(workload, settings: settings)
        }
        let names = (arguments.text("workloads") ?? "w1,w2,w3,w4").split(separator: ",").map(String.init)
        let workloads = try names.map { name in
            guard let workload = TrainBenchmarks.Workload(name: name) else {
                throw UsageError(description: "unknown train workload '\(name)' (choose from w1, w2, w3, w4)")
            }
            return workload
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return try TrainBenchmarks.runIsolated(workloads, executable: executable) { workload in
            ["bench", "train", "--single", workload.rawValue, "--json"] + (quick ? ["--quick"] : [])
        }
    }
}
