import Foundation

/// Runs a benchmark in a child process and reads the ``BenchReport`` it prints, so each
/// measurement starts from a fresh process (no warm caches or grown heaps from the last).
enum ChildReport {
    /// Runs `executable` with `arguments` and decodes the last line of its standard output
    /// that starts with `{` as a ``BenchReport``.
    ///
    /// - Throws: ``TrainBenchmarks/ChildFailure`` naming `workload` when the child exits
    ///   unsuccessfully or prints no report.
    static func run(_ executable: URL, arguments: [String], workload: String) throws -> BenchReport {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TrainBenchmarks.ChildFailure(workload: workload, detail: "\(executable.lastPathComponent) exit status \(process.terminationStatus)")
        }
        guard let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let report = try? JSONDecoder().decode(BenchReport.self, from: Data(line.utf8))
        else {
            throw TrainBenchmarks.ChildFailure(workload: workload, detail: "no JSON report on standard output")
        }
        return report
    }
}
