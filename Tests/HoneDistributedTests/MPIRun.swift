import Foundation
import HoneTestSupport
import Testing

/// Runs the built `hone` under the real `mpirun`, on loopback only, as any user (root too),
/// with more processes than cores allowed.
struct MPIRun {
    /// `mpirun` on the `PATH`; the tests fail (never skip) without it.
    static let path: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The arguments that run `hone ARGUMENTS` in `processes` ranks on this host.
    static func arguments(processes: Int, hone: String, _ arguments: [String]) -> [String] {
        ["-np", String(processes), "--allow-run-as-root", "--oversubscribe",
         "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo",
         hone] + arguments
    }

    /// A started `mpirun` job.
    let process: Process
    private let output: URL
    private let error: URL

    /// Starts `hone ARGUMENTS` in `processes` ranks, in `directory`.
    init(processes: Int, _ arguments: [String], in directory: URL) throws {
        let mpirun = try #require(Self.path, "mpirun is not installed (Debian: openmpi-bin)")
        let hone = try #require(BuiltExecutable.honePath, "the hone executable is not built")
        process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = Self.arguments(processes: processes, hone: hone, arguments)
        process.currentDirectoryURL = directory
        // Files, not pipes: a job that prints much never blocks on a full pipe.
        let stamp = UUID().uuidString
        output = directory.appendingPathComponent("mpirun-\(stamp).out")
        error = directory.appendingPathComponent("mpirun-\(stamp).err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: error.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: error)
        try process.run()
    }

    /// Waits up to `timeout` seconds (killing the job after that, so a hang fails the test)
    /// and returns the exit status, standard output and standard error.
    func wait(timeout: Double = 300) throws -> (status: Int32, output: String, error: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let hung = process.isRunning
        if hung {
            process.terminate()
            process.waitUntilExit()
        }
        let result = (process.terminationStatus, try String(contentsOf: output, encoding: .utf8), try String(contentsOf: error, encoding: .utf8))
        try #require(!hung, "mpirun did not end within \(timeout) s; output: \(result.1) \(result.2)")
        return result
    }

    /// Runs `hone ARGUMENTS` in `processes` ranks and waits for it.
    static func run(processes: Int, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String, error: String) {
        try MPIRun(processes: processes, arguments, in: directory).wait()
    }

    /// The process ids of the ranks numbered `rank` of the running jobs whose command line contains `marker`.
    static func processIDs(rank: Int, commandContaining marker: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                String(decoding: command, as: UTF8.self).contains(marker),
                let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            else { return nil }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") ? pid : nil
        }
    }
}
