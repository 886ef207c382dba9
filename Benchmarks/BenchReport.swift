import Foundation

/// One measured number of a benchmark suite, in the shape `../shared/bench/compare.py` reads.
public struct BenchResult: Codable, Sendable {
    public var workload: String
    public var metric: String
    public var value: Double

    public init(workload: String, metric: String, value: Double) {
        self.workload = workload
        self.metric = metric
        self.value = value
    }
}

/// The JSON object `hone bench SUITE --json` prints: `{"suite", "threads", "results": [...]}`.
public struct BenchReport: Codable, Sendable {
    public var suite: String
    public var threads: Int
    public var results: [BenchResult]

    public init(suite: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount, results: [BenchResult]) {
        self.suite = suite
        self.threads = threads
        self.results = results
    }

    /// The report as one line of JSON.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The report as an aligned table for people.
    public func table() -> String {
        let width = max(8, results.map(\.workload.count).max() ?? 0)
        let metricWidth = max(6, results.map(\.metric.count).max() ?? 0)
        var lines = ["suite \(suite), \(threads) threads"]
        for r in results {
            let w = r.workload.padding(toLength: width, withPad: " ", startingAt: 0)
            let m = r.metric.padding(toLength: metricWidth, withPad: " ", startingAt: 0)
            lines.append("  \(w)  \(m)  \(String(format: "%.4g", r.value))")
        }
        return lines.joined(separator: "\n")
    }
}
