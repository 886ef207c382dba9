import Foundation
import HoneTestSupport
import Testing

/// `hone` waits with sleeping OpenMP threads (`OMP_WAIT_POLICY=passive`) on a busy machine
/// and spinning ones (`GOMP_SPINCOUNT=300000`) on an idle one, with a one-thread OpenBLAS,
/// unless the user's environment already decides these.
@Suite struct WaitPolicyTests {
    /// The environment the running `hone train` process holds, read from `/proc` once its
    /// run has started, when started with this test's environment plus `extra` (and no
    /// OpenMP wait settings of its own).
    func environmentWhileTraining(adding extra: [String: String]) throws -> (environment: [String: String], hearsSIGTERM: Bool) {
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 60, seed: 1)
        try scratch.writeTabular("test.csv", rows: 30, seed: 2)
        try scratch.write(tabularConfig(optimizer: #"{"name": "sgd", "learning_rate": 0.01}"#, epochs: 100000), as: "long.json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try HoneBinary.require())
        process.arguments = ["train", "long.json", "--quiet"]
        process.currentDirectoryURL = scratch.url
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_WAIT_POLICY"] = nil
        environment["GOMP_SPINCOUNT"] = nil
        environment["OPENBLAS_NUM_THREADS"] = nil
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // SIGKILL: a child started by Foundation's Process inherits a mask that blocks SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Once the run directory exists the program is past its start (and any re-execution).
        let deadline = Date().addingTimeInterval(20)
        while !scratch.exists("runs/long/metrics.jsonl") && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(process.isRunning, "hone train ended before its environment could be read")
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        let blocked = status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }.map { $0.split(separator: "\t").last! }
        let hearsSIGTERM = blocked.flatMap { UInt64($0, radix: 16) }.map { $0 & (1 << (UInt64(SIGTERM) - 1)) == 0 } ?? false
        let raw = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/environ"))
        var result: [String: String] = [:]
        for entry in raw.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return (result, hearsSIGTERM)
    }

    /// Two files in `/proc/stat`'s format, as `HONE_PROC_STAT` takes them: between them the
    /// machine's cores spent `busy` ticks working and `idle` ticks idle (iowait included).
    func statistics(busy: Int, idle: Int, in scratch: Scratch) throws -> String {
        // Fields: user nice system idle iowait irq softirq steal guest guest_nice.
        let before = try scratch.write("cpu  1000 10 500 9000 40 5 5 0 0 0\ncpu0 500 5 250 4500 20 3 2 0 0 0\nprocs_running 1\n", as: "before")
        let user = busy / 2, system = busy / 4, steal = busy - user - system
        let after = try scratch.write(
            "cpu  \(1000 + user) 10 \(500 + system) \(9000 + idle - 3) \(40 + 3) 5 5 \(steal) 0 0\nprocs_running 1\n", as: "after")
        return before.path + ":" + after.path
    }

    /// ``environmentWhileTraining(adding:)`` with `/proc/stat` counters in which other
    /// work kept the cores `busy` ticks working and `idle` ticks idle.
    func environmentWhileTraining(busy: Int, idle: Int) throws -> (environment: [String: String], hearsSIGTERM: Bool) {
        let files = try Scratch()
        return try withExtendedLifetime(files) {
            try environmentWhileTraining(adding: ["HONE_PROC_STAT": try statistics(busy: busy, idle: idle, in: files)])
        }
    }

    @Test func aBusyMachineGetsSleepingWaits() throws {
        // Other processes kept the cores 30% busy: a quarter is the limit.
        let started = try environmentWhileTraining(busy: 30, idle: 70)
        #expect(started.environment["OMP_WAIT_POLICY"] == "passive")
        #expect(started.environment["GOMP_SPINCOUNT"] == nil)
        #expect(started.environment["OPENBLAS_NUM_THREADS"] == "1")
        // Started again, it unblocks every signal (the mask would otherwise survive the exec).
        #expect(started.hearsSIGTERM)
        // Counters that cannot be read count as busy.
        let unreadable = try environmentWhileTraining(adding: ["HONE_PROC_STAT": "/nonexistent/a:/nonexistent/b"]).environment
        #expect(unreadable["OMP_WAIT_POLICY"] == "passive")
    }

    @Test func anIdleMachineGetsBoundedSpinning() throws {
        // 20% busy: libgomp's default spin count, made explicit.
        let started = try environmentWhileTraining(busy: 20, idle: 80)
        #expect(started.environment["GOMP_SPINCOUNT"] == "300000")
        #expect(started.environment["OMP_WAIT_POLICY"] == nil)
        #expect(started.environment["OPENBLAS_NUM_THREADS"] == "1")
        #expect(started.hearsSIGTERM)
    }

    @Test func theUsersChoiceStands() throws {
        let active = try environmentWhileTraining(adding: ["OMP_WAIT_POLICY": "active", "OPENBLAS_NUM_THREADS": "2"]).environment
        #expect(active["OMP_WAIT_POLICY"] == "active" && active["OPENBLAS_NUM_THREADS"] == "2")
        let spinning = try environmentWhileTraining(adding: ["GOMP_SPINCOUNT": "1000"]).environment
        #expect(spinning["OMP_WAIT_POLICY"] == nil && spinning["GOMP_SPINCOUNT"] == "1000")
    }
}
