import Foundation
import HoneTestSupport
import Testing

@testable import HoneReport

/// The built `hone` executable, beside the test bundle.
enum HoneExecutable {
    static let path: String? = BuiltExecutable.honePath

    /// Runs `hone` with `arguments`; the exit status, standard output and standard error.
    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String, error: String) {
        let executable = try #require(path, "the hone executable is built beside the tests (swift build builds it)")
        return try BuiltExecutable.run(executable, arguments, in: directory)
    }
}

/// `hone report` from the command line: a page on success, one line and a non-zero exit on bad input.
@Suite(.serialized)
struct CommandLineTests {
    func expectOneErrorLine(_ result: (status: Int32, output: String, error: String), containing parts: [String]) {
        #expect(result.status != 0)
        #expect(result.error.split(separator: "\n").count == 1, "stderr: \(result.error)")
        for part in parts { #expect(result.error.contains(part), "stderr: \(result.error)") }
        #expect(!result.error.contains("Fatal error"))
    }

    @Test func reportWritesThePageWhereAsked() throws {
        let directory = try TemporaryDirectory()
        let run = try writeRecords(in: directory, epochs: 3)
        let result = try HoneExecutable.run(["report", run.path, "--out", "page.html"], in: directory.url)
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(result.output.contains("page.html"))
        let html = try String(contentsOf: directory.file("page.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("id=\"chart-loss\""))
    }

    @Test func badInputIsOneLineANonZeroExitAndNoFile() throws {
        let directory = try TemporaryDirectory()
        expectOneErrorLine(try HoneExecutable.run(["report", "missing-run", "--out", "a.html"], in: directory.url),
                           containing: ["missing-run", "no such file"])
        try FileManager.default.createDirectory(at: directory.file("plain"), withIntermediateDirectories: true)
        expectOneErrorLine(try HoneExecutable.run(["report", "plain", "--out", "b.html"], in: directory.url),
                           containing: ["plain", "not a run directory"])
        let run = try writeRecords(in: directory, epochs: 3)
        let metrics = run.appendingPathComponent("metrics.jsonl")
        var lines = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = "{garbage"
        try (lines.joined(separator: "\n") + "\n").write(to: metrics, atomically: true, encoding: .utf8)
        expectOneErrorLine(try HoneExecutable.run(["report", run.path, "--out", "c.html"], in: directory.url),
                           containing: ["metrics.jsonl", "line 2"])
        let study = directory.file("future.db").path
        try Fixtures.study(at: study)
        try sqliteExec(study, "UPDATE schema_version SET version = 7")
        expectOneErrorLine(try HoneExecutable.run(["report", study, "--out", "d.html"], in: directory.url),
                           containing: ["future.db", "version 7"])
        for name in ["a.html", "b.html", "c.html", "d.html"] {
            #expect(!FileManager.default.fileExists(atPath: directory.file(name).path), "\(name) was written")
        }
        let usage = try HoneExecutable.run(["report"], in: directory.url)
        #expect(usage.status == 2 && usage.error.contains("report needs PATH"))
        let typo = try HoneExecutable.run(["report", run.path, "--outt", "x.html"], in: directory.url)
        #expect(typo.status == 2 && typo.error.contains("did you mean --out"))
    }
}
