import Foundation
import HoneCore
import HoneDistributed
import HoneDoctor
import HoneTrain

/// `hone train`: trains the model a JSON config describes and records the run, with the
/// live doctor's warnings.
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
            .flag("distributed", "train data-parallel over MPI (implied under mpirun); batch_size is the global batch"),
        ],
        run: run)

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        guard let mpi = MPICommunicator.startIfLaunched(explicit: arguments.flag("distributed")) else {
            return try train(arguments, dataParallel: nil)
        }
        return try DistributedTraining.run(mpi) { try train(arguments, dataParallel: DataParallel(communicator: mpi)) }
    }

    private static func train(_ arguments: ParsedArguments, dataParallel: DataParallel?) throws -> Int32 {
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
        let isWriter = (dataParallel?.communicator.rank ?? 0) == 0
        // Rank 0 speaks for the job.
        let quiet = arguments.flag("quiet") || !isWriter
        if dataParallel != nil && (TreeTrainingRun.handles(config) || config.data.folds != nil) {
            throw UsageError(description: "--distributed (or mpirun) trains one net; tree models and cross-validation run in one process")
        }
        if TreeTrainingRun.handles(config) {
            guard resumeDirectory == nil else { throw UsageError(description: "tree models train in one go; --resume applies to nets") }
            if !quiet { say("run directory: \(directory.path)") }
            say("final: " + TrainingSummary.line(try TreeTrainingRun(config: config, directory: directory).run()))
            return 0
        }
        if let folds = config.data.folds {
            if !quiet { say("run directory: \(directory.path)") }
            let result = try CrossValidation.run(config: config, directory: directory, progress: quiet ? false : nil) { fold, metrics in
                say("fold \(fold)/\(folds): " + TrainingSummary.line(metrics))
            }
            say(TrainingSummary.crossValidationLine(result))
            return 0
        }
        // The live doctor needs the monitors' records; with monitors off it sees only the epochs.
        let run = try TrainingRun(
            config: config, directory: directory, resume: resumeDirectory != nil, progress: quiet ? false : nil,
            extraCallbacks: isWriter ? [Doctor(config: config.json)] : [], dataParallel: dataParallel)
        for warning in run.warnings { reportWarning(warning) }
        if !quiet {
            say(resumeDirectory != nil ? "resuming \(directory.path)" : "run directory: \(directory.path)")
            say("training \(run.data.training.count) samples, validating \(run.data.validation?.count ?? 0), "
                + "testing \(run.data.test?.count ?? 0); \(run.trainer.model.parameterCount) parameters")
        }
        let metrics = try DistributedTraining.duringTraining(dataParallel) { try run.run() }
        guard isWriter else { return 0 }
        if let matrix = run.confusionMatrix, matrix.classCount <= 20, !quiet { say(matrix.table(classNames: run.classNames)) }
        if let weights = run.evaluatedWeights { say("metrics measured with \(weights)") }
        say("final: " + TrainingSummary.line(metrics))
        return 0
    }

    /// Writes a line to standard output unbuffered, so it stays in order with the progress display.
    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private static func reportWarning(_ message: String) {
        FileHandle.standardError.write(Data("hone train: warning: \(message)\n".utf8))
    }
}
