import Foundation
import HoneCore
import HoneTrain

/// `hone train`: trains the model a JSON config describes and records the run.
///
///     hone train CONFIG.json [--run-dir DIR] [--epochs N] [--quiet]
///     hone train CONFIG.json --resume RUN_DIR
///
/// Errors (a bad config, a missing or damaged data file, a diverging loss) print one line
/// naming the file or field and exit non-zero; no existing run is overwritten.
enum TrainCommand {
    static let usage = """
        usage: hone train CONFIG.json [--run-dir DIR] [--epochs N] [--quiet]
               hone train CONFIG.json --resume RUN_DIR
          --run-dir DIR   where the run is recorded (default runs/NAME, or runs/NAME-2, … if taken)
          --resume DIR    continue the interrupted run in DIR from its last checkpoint
          --epochs N      override the config's epoch count
          --quiet         print only the final metrics
        """

    /// Runs the command; returns the exit code (0 done, 1 training or data error, 2 bad usage or config).
    static func run(_ words: [String]) throws -> Int32 {
        let arguments = try Arguments(words, flags: ["quiet", "help"], options: ["run-dir", "resume", "epochs"])
        if arguments.has("help") {
            print(usage)
            return 0
        }
        guard arguments.positional.count == 1 else {
            throw UsageError(description: "train needs exactly one CONFIG.json\n\(usage)")
        }
        if arguments.value("resume") != nil && arguments.value("run-dir") != nil {
            throw UsageError(description: "--resume names the run directory; do not also give --run-dir")
        }
        let configURL = URL(fileURLWithPath: arguments.positional[0])
        do {
            var overrides: [String: JSONValue] = [:]
            if let epochs = try arguments.integer("epochs") {
                guard epochs >= 1 else { throw UsageError(description: "--epochs must be at least 1, got \(epochs)") }
                overrides["epochs"] = .number(Double(epochs), text: String(epochs))
            }
            let config = try TrainingConfig.load(from: configURL, overrides: overrides)
            let resumeDirectory = arguments.value("resume").map { URL(fileURLWithPath: $0) }
            let directory = resumeDirectory ?? arguments.value("run-dir").map { URL(fileURLWithPath: $0) } ?? freeRunDirectory(for: configURL)
            let quiet = arguments.has("quiet")
            if config.model.trees != nil {
                guard resumeDirectory == nil else { throw UsageError(description: "tree models train in one go; --resume applies to nets") }
                if !quiet { say("run directory: \(directory.path)") }
                printSummary(try TreeTrainingRun(config: config, directory: directory).run())
                return 0
            }
            if !quiet {
                say(resumeDirectory != nil ? "resuming \(directory.path)" : "run directory: \(directory.path)")
            }
            let run = try TrainingRun(config: config, directory: directory, resume: resumeDirectory != nil, progress: quiet ? false : nil)
            if !quiet {
                say("training \(run.data.training.count) samples, validating \(run.data.validation?.count ?? 0), "
                    + "testing \(run.data.test?.count ?? 0); \(run.trainer.model.parameterCount) parameters")
            }
            let metrics = try run.run()
            printSummary(metrics)
            return 0
        } catch let error as UsageError {
            throw error
        } catch let error as ConfigError {
            reportError(error.description)
            return 2
        } catch {
            reportError("\(error)")
            return 1
        }
    }

    /// `runs/NAME` beside the current directory, or the first of `runs/NAME-2`, `-3`, … not yet taken.
    static func freeRunDirectory(for config: URL) -> URL {
        let name = config.deletingPathExtension().lastPathComponent
        let runs = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("runs")
        var candidate = runs.appendingPathComponent(name)
        var suffix = 2
        while FileManager.default.fileExists(atPath: candidate.path) {
            candidate = runs.appendingPathComponent("\(name)-\(suffix)")
            suffix += 1
        }
        return candidate
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

    private static func reportError(_ message: String) {
        FileHandle.standardError.write(Data("hone train: error: \(message.replacingOccurrences(of: "\n", with: " "))\n".utf8))
    }
}
