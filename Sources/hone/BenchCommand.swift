import Foundation
import HoneBenchmarks
import HoneCore

/// `hone bench SUITE [--json] [--quick]`: runs a benchmark suite and prints a table, or
/// one JSON object in the shape the reference comparison scripts read.
enum BenchCommand {
    static let suites = ["kernels", "memory", "train", "tune"]

    static let usage = """
        usage: hone bench SUITE [--json] [--quick] [--steps N] [--workloads w1,w2]
          suites: \(suites.joined(separator: ", "))
          --json       print one JSON object instead of a table
          --quick      short measurements (smoke test)
          --steps      training steps of the memory suite (default 10000)
          --workloads  workloads of the train suite (default w1,w2,w3,w4)
          --monitors   on|off|compare: train W2 through the trainer with the training monitors on, off,
                       or both with their epochs interleaved (compare), instead of the workloads
          tune runs W5 (Branin, Hartmann6; 5 seeds x 100 trials per sampler; --quick: fewer)
        """

    static func run(_ words: [String]) throws -> Int32 {
        let arguments = try Arguments(words, flags: ["json", "quick", "help"], options: ["steps", "workloads", "single", "monitors"])
        if arguments.has("help") {
            print(usage)
            return 0
        }
        guard let suite = arguments.positional.first else { throw UsageError(description: "bench needs a suite\n\(usage)") }
        let results: [BenchResult]
        switch suite {
        case "kernels":
            results = KernelBenchmarks.run(quick: arguments.has("quick"))
        case "memory":
            results = MemoryBenchmarks.run(steps: try arguments.integer("steps") ?? 10_000)
        case "train":
            results = try runTrain(arguments)
        case "tune":
            results = runTuneBenchmark(quick: arguments.has("quick"))
        default:
            let hint = closestMatch(to: suite, in: suites).map { "; did you mean '\($0)'?" } ?? ""
            throw UsageError(description: "unknown benchmark suite '\(suite)'\(hint)")
        }
        let report = BenchReport(suite: suite, results: results)
        print(arguments.has("json") ? report.json() : report.table())
        return 0
    }

    /// The train suite: each workload in a fresh child process (`--single W`, not in the
    /// usage text) so that its peak resident memory is its own.
    private static func runTrain(_ arguments: Arguments) throws -> [BenchResult] {
        let quick = arguments.has("quick")
        if let monitors = arguments.value("monitors") {
            guard let mode = MonitorBenchmarks.Mode(rawValue: monitors) else {
                throw UsageError(description: "--monitors expects on, off or compare, got '\(monitors)'")
            }
            return try MonitorBenchmarks.run(mode, quick: quick)
        }
        let settings = quick ? TrainBenchmarks.Settings.quick : TrainBenchmarks.Settings()
        if let single = arguments.value("single") {
            guard let workload = TrainBenchmarks.Workload(name: single) else {
                throw UsageError(description: "unknown train workload '\(single)'")
            }
            return TrainBenchmarks.runSingle(workload, settings: settings)
        }
        let names = (arguments.value("workloads") ?? "w1,w2,w3,w4").split(separator: ",").map(String.init)
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
