import HoneBenchmarks
import HoneCore

/// `hone bench SUITE [--json] [--quick]`: runs a benchmark suite and prints a table, or
/// one JSON object in the shape the reference comparison scripts read.
enum BenchCommand {
    static let suites = ["kernels", "memory"]

    static let usage = """
        usage: hone bench SUITE [--json] [--quick] [--steps N]
          suites: \(suites.joined(separator: ", "))
          --json    print one JSON object instead of a table
          --quick   short measurements (smoke test)
          --steps   training steps of the memory suite (default 10000)
        """

    static func run(_ words: [String]) throws -> Int32 {
        let arguments = try Arguments(words, flags: ["json", "quick", "help"], options: ["steps"])
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
        default:
            let hint = closestMatch(to: suite, in: suites).map { "; did you mean '\($0)'?" } ?? ""
            throw UsageError(description: "unknown benchmark suite '\(suite)'\(hint)")
        }
        let report = BenchReport(suite: suite, results: results)
        print(arguments.has("json") ? report.json() : report.table())
        return 0
    }
}
