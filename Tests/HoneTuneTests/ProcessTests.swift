import Foundation
import HoneTestSupport
import Testing
@testable import HoneTune

#if canImport(Glibc)
import Glibc
#endif

/// The built `hone` executable, when `swift build`/`swift test` built it next to the test
/// bundle and its `tune` command is wired in (it answers `hone tune --help`).
enum HoneBinary {
    static let path: String? = {
        for dir in BuiltExecutable.searchDirectories {
            let candidate = dir.appendingPathComponent("hone").path
            guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
            if let (status, out) = try? run(candidate, ["tune", "--help"]), status == 0, out.contains("hone tune") {
                return candidate
            }
        }
        return nil
    }()

    static func run(_ exe: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Real processes: `hone tune --workers 2` killed with SIGKILL mid-study, then `--resume`.
/// A missing binary fails these tests; it never skips them.
@Suite(.serialized)
struct ProcessTests {
    func writeConfig(_ dir: TempDir, trials: Int, sleep: Double, sampler: String = #"{"type": "random", "seed": 7}"#,
                     space: String = #"{"x1": {"float": [-5, 10]}, "x2": {"float": [0, 15]}}"#) throws -> String {
        let config = dir.path("study.json")
        try """
            {"study_name": "crash", "objective": {"function": "branin", "sleep_seconds": \(sleep)},
             "search_space": \(space), "sampler": \(sampler), "trials": \(trials), "storage": "crash.db"}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func killNineMidStudyThenResumeLosesAndDuplicatesNothing() throws {
        let hone = try #require(HoneBinary.path, "the hone executable with `hone tune` is not built next to the tests; run `swift build -c release` first")
        let dir = TempDir()
        defer { dir.cleanup() }
        let total = 30
        let config = try writeConfig(dir, trials: total, sleep: 0.15)
        let db = dir.path("crash.db")

        let first = Process()
        first.executableURL = URL(fileURLWithPath: hone)
        first.arguments = ["tune", config, "--workers", "2", "--quiet"]
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        // Wait until some trials are complete, then kill the main process.
        var complete: [FrozenTrial] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            guard FileManager.default.fileExists(atPath: db),
                  let storage = try? SQLiteStorage(path: db, create: false),
                  let id = try? storage.studyID(named: "crash"),
                  let trials = try? storage.trials(studyID: id) else { continue }
            complete = trials.filter { $0.state == .complete }
            if complete.count >= 8 { break }
        }
        try #require(complete.count >= 8 && complete.count < total, "the study did not get going")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        Thread.sleep(forTimeInterval: 0.5)  // the workers die with it (PR_SET_PDEATHSIG)

        let storage = try SQLiteStorage(path: db, create: false)
        let id = try #require(try storage.studyID(named: "crash"))
        let killed = try storage.trials(studyID: id)
        let before = killed.filter { $0.state == .complete }
        let leftRunning = killed.filter { $0.state == .running }
        #expect(!leftRunning.isEmpty, "expected trials cut off mid-run")

        let (status, output) = try HoneBinary.run(hone, ["tune", config, "--workers", "2", "--resume", "--quiet"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("resuming study 'crash'"))

        let after = try storage.trials(studyID: id)
        // Nothing completed was lost or changed.
        for t in before {
            #expect(after[t.number].state == .complete)
            #expect(after[t.number].params == t.params && after[t.number].values == t.values)
        }
        // Every trial cut off is failed with the reason, and re-run with the same parameters.
        for t in leftRunning {
            let dead = after[t.number]
            #expect(dead.state == .failed)
            #expect(dead.failReason?.hasPrefix("worker died") == true)
            let retry = try #require(after.first { $0.systemAttributes[SystemKey.retryOf] == String(t.number) })
            #expect(retry.state == .complete)
            if !t.params.isEmpty { #expect(retry.params == t.params || t.params.count < 2) }
        }
        // Exact count, no duplicate numbers, no duplicate configurations, nothing left over.
        let done = after.filter { $0.state == .complete }
        #expect(done.count == total)
        #expect(after.map(\.number) == Array(0..<after.count))
        #expect(Set(done.map { $0.params }).count == total)
        #expect(after.filter { $0.state == .failed }.count == leftRunning.count)
        #expect(!after.contains { $0.state == .running || $0.state == .waiting })
        // The summary was written.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("crash-summary.json"))))
        let best = (summary as? [String: Any])?["best_value"] as? Double
        #expect(best == done.compactMap(\.value).min())
    }

    /// Grid over 4 worker processes: every point exactly once.
    @Test func gridOverFourWorkerProcesses() throws {
        let hone = try #require(HoneBinary.path, "the hone executable with `hone tune` is not built next to the tests; run `swift build -c release` first")
        let dir = TempDir()
        defer { dir.cleanup() }
        let config = try writeConfig(
            dir, trials: 1000, sleep: 0.01, sampler: #""grid""#,
            space: #"{"x1": {"float": [-5, 10], "step": 1.5}, "x2": {"int": [0, 15], "step": 3}, "c": {"categorical": ["a", "b"]}}"#)
        let (status, output) = try HoneBinary.run(hone, ["tune", config, "--workers", "4"])
        #expect(status == 0, "\(output)")
        let storage = try SQLiteStorage(path: dir.path("crash.db"), create: false)
        let trials = try storage.trials(studyID: try #require(try storage.studyID(named: "crash")))
        #expect(trials.count == 11 * 6 * 2)
        #expect(Set(trials.map(\.params)).count == 11 * 6 * 2)
        #expect(trials.allSatisfy { $0.state == .complete })
        // The live table shows each trial once.
        #expect(output.split(separator: "\n").filter { $0.contains(" complete ") }.count == 132)
    }

    @Test func statusAndConfigErrorsFromTheCommandLine() throws {
        let hone = try #require(HoneBinary.path, "the hone executable with `hone tune` is not built next to the tests; run `swift build -c release` first")
        let dir = TempDir()
        defer { dir.cleanup() }
        let config = try writeConfig(dir, trials: 5, sleep: 0)
        #expect(try HoneBinary.run(hone, ["tune", config]).0 == 0)
        let (status, out) = try HoneBinary.run(hone, ["tune", "--status", dir.path("crash.db")])
        #expect(status == 0)
        #expect(out.contains("complete 5") && out.contains("best: trial"))
        // Running again without --resume is refused.
        #expect(try HoneBinary.run(hone, ["tune", config]).0 == 2)
        // A misspelled field.
        let bad = dir.path("bad.json")
        try #"{"objective": "branin", "search_space": {"x": {"float": [0, 1]}, "y": {"float": [0, 1]}}, "trails": 3}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let (badStatus, badOut) = try HoneBinary.run(hone, ["tune", bad])
        #expect(badStatus == 2 && badOut.contains("did you mean 'trials'"))
        // Not a study file.
        let (notStatus, notOut) = try HoneBinary.run(hone, ["tune", "--status", config])
        #expect(notStatus != 0 && notOut.contains("is not a Hone study database"))
    }
}
