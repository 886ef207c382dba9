import Foundation
import HoneCore
import HoneTrain

/// `hone train`: trains the model a JSON config describes and records the run.
///
/// Errors (a bad config, a missing or damaged data file, a diverging loss) print one line
/// naming the file or field and exit non-zero; no existing run is overwritten.
enum TrainCommand {
    static let spec = CommandSpec(
        name: "train", summary: "train the model a JSON configuration describes",
        positionals: [PositionalSpec(name: "CONFIG.json", help: "the training configuration")],
        options: [
            .option("run-dir", .text("DIR"), "where the run is recorded (default runs/NAME, or runs/NAME-2, … if taken)"),
            .option("resume", .text("RUN_DIR"), "continue the interrupted run in RUN_DIR from its last checkpoint"),
            .option("epochs", .integer("N", minimum: 1), "override the configuration's epoch count"),
            .flag("quiet", "print only the final metrics"),
        ],
        run: run)

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        if arguments.text("resume") != nil && arguments.text("run-dir") != nil {
            throw UsageError(description: "--resume names the run directory; do not also give --run-dir")
        }
        let configURL = URL(fileURLWithPath: arguments.positionals[0])
        var overrides: [String: JSONValue] = [:]
        if let epochs = arguments.integer("epochs") { overrides["epochs"] = .number(Double(epochs), text: String(epochs)) }
        let config = try TrainingConfig.load(from: configURL, overrides: overrides)
        let resumeDirectory = arguments.text("resume").map { URL(fileURLWithPath: $0) }
        let directory = resumeDirectory ?? arguments.text("run-dir").map { URL(fileURLWithPath: $0) }
            ?? TrainingRun.freeDirectory(named: configURL.deletingPathExtension().lastPathComponent)
        let quiet = arguments.flag("quiet")
        let run = try TrainingRun(config: config, directory: directory, resume: resumeDirectory != nil, progress: quiet ? false : nil)
        if !quiet {
            say(resumeDirectory != nil ? "resuming \(directory.path)" : "run directory: \(directory.path)")
            say("training \(run.data.training.count) samples, validating \(run.data.validation?.count ?? 0), "
                + "testing \(run.data.test?.count ?? 0); \(run.trainer.model.parameterCount) parameters")
        }
        printSummary(try run.run())
        return 0
    }

    private static func printSummary(_ metrics: [String: Double]) {
        var parts: [String] = []
        for key in ["test_accuracy", "val_accuracy", "test_macro_f1", "test_loss", "test_mae", "test_r2"] {
            if let value = metrics[key] { parts.append(key.hasSuffix("accuracy") ? "\(key) \(String(format: "%.2f%%", value * 100))" : "\(key) \(String(format: "%.4f", value))") }
        }
        if let seconds = metrics["training_seconds"] { parts.append(String(format: "training %.1fs", seconds)) }
        if let waited = metrics["data_wait_fraction"] { parts.append(String(format: "data wait %.1f%%", waited * 100)) }
        say("final: " + parts.joined(separator: ", "))
    }

    /// Writes a line to standard output unbuffered, so it stays in order with the progress display.
    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
