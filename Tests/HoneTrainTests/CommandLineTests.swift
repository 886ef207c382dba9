import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// The built `hone` executable next to the test bundle, when its `train` command is wired in.
enum HoneBinary {
    static let path: String? = {
        for directory in BuiltExecutable.searchDirectories {
            let candidate = directory.appendingPathComponent("hone").path
            guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
            if let result = try? run(candidate, ["train", "--help"], in: directory), result.status == 0, result.output.contains("hone train") {
                return candidate
            }
        }
        return nil
    }()

    /// The binary's path, or a test failure saying it is missing.
    static func require() throws -> String {
        try #require(path, "the hone executable with `hone train` is not built next to the tests; run `swift build -c release` first")
    }

    /// Runs `hone` with `arguments` in `directory`; returns the exit status, standard output and standard error.
    static func run(_ executable: String, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String, error: String) {
        try BuiltExecutable.run(executable, arguments, in: directory)
    }
}

/// A missing binary fails these tests (``HoneBinary/require()``); it never skips them.
@Suite(.serialized)
struct CommandLineTests {
    func hone(_ arguments: [String], in directory: TemporaryDirectory) throws -> (status: Int32, output: String, error: String) {
        try HoneBinary.run(try HoneBinary.require(), arguments, in: directory.url)
    }

    func expectOneErrorLine(_ result: (status: Int32, output: String, error: String), containing parts: [String]) {
        #expect(result.status != 0)
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.error)")
        for part in parts { #expect(result.error.contains(part), "stderr: \(result.error)") }
        #expect(!result.error.contains("Fatal error") && !result.error.contains("Stack"))
    }

    @Test func endToEndRunWritesTheRunDirectory() throws {
        let directory = try TemporaryDirectory()
        try writeIDXImages(in: directory, prefix: "train", count: 60, seed: 1)
        try writeIDXImages(in: directory, prefix: "test", count: 30, seed: 2)
        try directory.write(smallImageConfig(epochs: 2), as: "small.json")
        let result = try hone(["train", "small.json", "--run-dir", "run"], in: directory)
        #expect(result.status == 0, "stderr: \(result.error)")
        #expect(result.output.contains("final: test_accuracy"))
        for file in ["config.json", "metrics.jsonl", "monitors.jsonl", "final_metrics.json", "model.safetensors",
                     "checkpoints/last.safetensors", "checkpoints/last.json", "checkpoints/best.safetensors", "checkpoints/best.json"] {
            #expect(FileManager.default.fileExists(atPath: directory.file("run/\(file)").path), "missing \(file)")
        }
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.file("run/final_metrics.json"))) as! [String: Any]
        #expect((0...1).contains(metrics["test_accuracy"] as! Double))
        #expect(metrics["epochs_completed"] as? Double == 2)
        // Three classes: the printed table has a header, a column line and one row per class.
        let matrix = (metrics["confusion_matrix"] as! [String: Any])["counts"] as! [[Int]]
        #expect(matrix.count == 3 && matrix.flatMap { $0 }.reduce(0, +) == 30)
        #expect(result.output.contains("true \\ predicted"))
        #expect(result.output.contains("metrics measured with the best epoch"))
        let lines = try String(contentsOf: directory.file("run/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        for key in ["epoch", "train_loss", "train_metrics", "val_loss", "val_metrics", "learning_rate", "seconds", "samples_per_second", "data_wait_seconds"] {
            #expect(first[key] != nil, "metrics.jsonl lacks \(key)")
        }
        let runFiles = try FileManager.default.contentsOfDirectory(atPath: directory.file("run").path)
        #expect(runFiles.contains { $0.hasPrefix("events.out.tfevents.") }, "no TensorBoard event file in \(runFiles)")
        let monitors = try MonitorLog.read(runDirectory: directory.file("run"), partialLastRecord: .fail)
        // 45 training samples in batches of 16: 3 steps an epoch, scalars every 2 steps.
        #expect(monitors.steps.map(\.step) == [2, 4, 6])
        #expect(monitors.samples.first?.parameters.contains { $0.name == "0.weight" } == true)
        #expect(monitors.samples.first?.layers.first { $0.name == "1" }?.type == "ReLU")
    }

    @Test func badConfigGivesOneErrorLineAndLeavesTheCheckpoint() throws {
        let directory = try TemporaryDirectory()
        try writeIDXImages(in: directory, prefix: "train", count: 30, seed: 1)
        try writeIDXImages(in: directory, prefix: "test", count: 12, seed: 2)
        try directory.write(smallImageConfig(epochs: 1), as: "good.json")
        #expect(try hone(["train", "good.json", "--run-dir", "run", "--quiet"], in: directory).status == 0)
        let checkpoint = directory.file("run/checkpoints/last.safetensors")
        let before = try Data(contentsOf: checkpoint)

        try directory.write(smallImageConfig(epochs: 1).replacingOccurrences(of: "\"batch_size\"", with: "\"batch_sise\""), as: "typo.json")
        expectOneErrorLine(try hone(["train", "typo.json", "--run-dir", "run"], in: directory),
                           containing: ["unknown field 'batch_sise'", "did you mean 'batch_size'"])
        try directory.write(smallImageConfig(epochs: 1).replacingOccurrences(of: "\"epochs\": 1", with: "\"epochs\": \"one\""), as: "type.json")
        expectOneErrorLine(try hone(["train", "type.json", "--run-dir", "run"], in: directory),
                           containing: ["field 'epochs' must be an integer"])
        // A good config into a directory that already holds a run is refused too.
        expectOneErrorLine(try hone(["train", "good.json", "--run-dir", "run"], in: directory), containing: ["already holds a run"])
        #expect(try Data(contentsOf: checkpoint) == before)
    }

    @Test func corruptDataFilesGiveOneErrorLineNamingTheFile() throws {
        let directory = try TemporaryDirectory()
        try writeIDXImages(in: directory, prefix: "train", count: 30, seed: 1)
        try writeIDXImages(in: directory, prefix: "test", count: 12, seed: 2)
        try directory.write(smallImageConfig(epochs: 1), as: "config.json")
        // Truncated gzip.
        let images = directory.file("train-images.idx.gz")
        let original = try Data(contentsOf: images)
        try original.prefix(original.count / 2).write(to: images)
        expectOneErrorLine(try hone(["train", "config.json", "--run-dir", "run"], in: directory), containing: ["train-images.idx.gz"])
        #expect(!FileManager.default.fileExists(atPath: directory.file("run").path))
        // Wrong IDX magic (uncompressed file).
        try Data([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7]).write(to: directory.file("bad-labels.idx"))
        try directory.write(smallImageConfig(epochs: 1).replacingOccurrences(of: "train-labels.idx.gz", with: "bad-labels.idx")
                                .replacingOccurrences(of: "train-images.idx.gz", with: "test-images.idx.gz"), as: "magic.json")
        expectOneErrorLine(try hone(["train", "magic.json", "--run-dir", "run"], in: directory), containing: ["bad-labels.idx"])
        // A ragged CSV names the line.
        try directory.write("a,b,label\n1,2,x\n3,4\n", as: "ragged.csv")
        try directory.write(#"{"data": {"source": "csv", "path": "ragged.csv", "target": "label"}, "model": {"zoo": "mlp"}, "epochs": 1}"#, as: "csv.json")
        expectOneErrorLine(try hone(["train", "csv.json", "--run-dir", "run"], in: directory), containing: ["ragged.csv", "3"])
        // A non-numeric value names the file, the line and the column.
        try directory.write("a,b,label\n1,2,x\n3,four,y\n", as: "words.csv")
        try directory.write(#"{"data": {"source": "csv", "path": "words.csv", "target": "label"}, "model": {"zoo": "mlp"}, "epochs": 1}"#, as: "words.json")
        expectOneErrorLine(try hone(["train", "words.json", "--run-dir", "run"], in: directory), containing: ["words.csv", "3", "four"])
        // A missing config file.
        expectOneErrorLine(try hone(["train", "absent.json"], in: directory), containing: ["absent.json"])
    }
}
