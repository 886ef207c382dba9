import Foundation
import HoneTestSupport
import Testing

@testable import HoneDoctor

/// The built `hone` executable next to the test bundle.
enum HoneBinary {
    static let path: String? = BuiltExecutable.honePath

    /// Runs `hone` with `arguments` in `directory`; returns the exit status, standard output and standard error.
    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String, error: String) {
        try BuiltExecutable.run(try #require(path, "the hone binary is not built beside the tests"), arguments, in: directory)
    }
}

/// Each broken example of `examples/broken/`, shortened, trained by the real binary on the
/// real Fashion-MNIST (Debian's dataset-fashion-mnist) and diagnosed by `hone doctor`.
@Suite(.serialized) struct BrokenExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/broken")

    /// Trains `example` with `changes` applied to its top-level and data fields, then runs
    /// `hone doctor --json --fix`; returns the rules found at warning or above, and the run's folder.
    func diagnose(_ example: String, changes: [String: Any], data: [String: Any] = [:], expectTrainingFailure: Bool = false)
        throws -> (rules: [String], findings: [[String: Any]], directory: TemporaryDirectory)
    {
        let directory = try TemporaryDirectory()
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.examples.appendingPathComponent(example))) as! [String: Any]
        for (key, value) in changes { config[key] = value }
        var dataSection = config["data"] as! [String: Any]
        for (key, value) in data { dataSection[key] = value }
        for key in ["path", "test_path"] {
            if let relative = dataSection[key] as? String { dataSection[key] = Self.examples.appendingPathComponent(relative).path }
        }
        config["data"] = dataSection
        try JSONSerialization.data(withJSONObject: config).write(to: directory.file("config.json"))
        let training = try HoneBinary.run(["train", "config.json", "--run-dir", "run", "--quiet"], in: directory.url)
        #expect((training.status != 0) == expectTrainingFailure, "hone train: \(training.error)")
        let doctor = try HoneBinary.run(["doctor", "run", "--json", "--fix", "fixed.json"], in: directory.url)
        #expect(doctor.status == 0, "hone doctor: \(doctor.error)")
        let report = try JSONSerialization.jsonObject(with: Data(doctor.output.utf8)) as! [String: Any]
        let findings = report["findings"] as! [[String: Any]]
        let serious = findings.filter { ($0["severity"] as! String) != "info" }.map { $0["rule"] as! String }
        #expect(FileManager.default.fileExists(atPath: directory.file("fixed.json").path))
        return (serious, findings, directory)
    }

    @Test func deepSigmoidMLPHasVanishingGradients() throws {
        let result = try diagnose("vanishing-sigmoid.json", changes: ["epochs": 2], data: ["train_limit": 3000])
        #expect(result.rules.contains("vanishing_gradients"), "\(result.findings)")
        let fixed = try String(contentsOf: result.directory.file("fixed.json"), encoding: .utf8)
        #expect(fixed.contains("batch_norm1d") && !fixed.contains("sigmoid"))
    }

    @Test func sgdWithLearningRateTenDiverges() throws {
        let result = try diagnose("divergent-sgd.json", changes: ["epochs": 1], data: ["train_limit": 2000], expectTrainingFailure: true)
        #expect(result.rules.contains("learning_rate_too_high"), "\(result.findings)")
        let fixed = try JSONSerialization.jsonObject(with: Data(contentsOf: result.directory.file("fixed.json"))) as! [String: Any]
        let rate = (fixed["optimizer"] as! [String: Any])["learning_rate"] as! Double
        #expect(abs(rate - 0.1) < 1e-9)
    }

    @Test func wideMLPOnAThousandSamplesOverfits() throws {
        // Six epochs: the validation loss bottoms out at epoch 2 and is 39% above it by epoch 6.
        let result = try diagnose("overfitting-wide-mlp.json", changes: ["epochs": 6])
        #expect(result.rules.contains("overfitting"), "\(result.findings)")
        var fixed = try JSONSerialization.jsonObject(with: Data(contentsOf: result.directory.file("fixed.json"))) as! [String: Any]
        let stopping = try #require((fixed["callbacks"] as? [String: Any])?["early_stopping"] as? [String: Any])
        #expect(stopping["monitor"] as? String == "val_accuracy" && stopping["restore_best_weights"] as? Bool == true)
        let schedule = try #require(fixed["schedule"] as? [String: Any])
        #expect(schedule["name"] as? String == "reduce_on_plateau" && schedule["monitor"] as? String == "val_loss")
        #expect(schedule["patience"] as? Int == 1 && schedule["factor"] as? Double == 0.5)
        // The committed fixed example is what --fix writes for the full-length run.
        fixed["epochs"] = 15
        let committed = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Self.examples.appendingPathComponent("overfitting-wide-mlp.fixed.json"))) as! [String: Any]
        #expect(NSDictionary(dictionary: fixed).isEqual(to: committed), "\(fixed)")
    }

    @Test func rawPixelInputsAreUnscaled() throws {
        let result = try diagnose("unscaled-inputs.json", changes: ["epochs": 1])
        #expect(result.rules.contains("unscaled_inputs"), "\(result.findings)")
        let fixed = try JSONSerialization.jsonObject(with: Data(contentsOf: result.directory.file("fixed.json"))) as! [String: Any]
        #expect((fixed["data"] as! [String: Any])["scaling"] as? String == "standardize")
    }

    @Test func badRunDirectoriesGiveOneLineAndWriteNothing() throws {
        let directory = try TemporaryDirectory()
        for arguments in [["doctor", "absent"], ["doctor", "."], ["doctor", "absent", "--fix", "out.json"]] {
            let result = try HoneBinary.run(arguments, in: directory.url)
            #expect(result.status == 1 && result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
            #expect(result.error.hasPrefix("hone doctor: error: "))
        }
        // A finished run whose monitor file was cut in the middle of a record.
        let run = directory.file("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try Data(#"{"epochs": 1}"#.utf8).write(to: run.appendingPathComponent("config.json"))
        try Data().write(to: run.appendingPathComponent("metrics.jsonl"))
        try Data("{}".utf8).write(to: run.appendingPathComponent("final_metrics.json"))
        try Data(#"{"type":"step","step":10,"epoch":1,"lo"#.utf8).write(to: run.appendingPathComponent("monitors.jsonl"))
        let result = try HoneBinary.run(["doctor", "run", "--fix", "out.json"], in: directory.url)
        #expect(result.status == 1 && result.error.contains("monitors.jsonl") && result.error.contains("cut short"), "\(result.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["run"])
        #expect(try HoneBinary.run(["doctor"], in: directory.url).status == 2)
    }
}
