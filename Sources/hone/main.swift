import Foundation
import HoneCore

/// `hone`: the command-line face of Hone. It only parses arguments and calls the library.
let usage = """
    hone — build, train, tune, diagnose, explain, report

    usage: hone COMMAND [ARGUMENTS]
      train CONFIG.json        train a model (--run-dir DIR, --resume RUN_DIR, --epochs N)
      tune CONFIG.json         search hyperparameters (--workers N, --resume, --status STUDY.db)
      bench SUITE [--json]     run a benchmark suite (kernels, train, tune, memory, trees)
      help                     show this text
    """

/// Runs the command named by `words[0]`; returns the process exit code.
func runCommand(_ words: [String]) throws -> Int32 {
    guard let command = words.first else {
        print(usage)
        return 2
    }
    let rest = Array(words.dropFirst())
    switch command {
    case "bench": return try BenchCommand.run(rest)
    case "train": return try TrainCommand.run(rest)
    case "tune": return try runTuneCommand(rest)
    case "help", "--help", "-h":
        print(usage)
        return 0
    default:
        let hint = closestMatch(to: command, in: ["bench", "train", "tune", "help"]).map { "; did you mean '\($0)'?" } ?? ""
        throw UsageError(description: "unknown command '\(command)'\(hint)")
    }
}

do {
    exit(try runCommand(Array(CommandLine.arguments.dropFirst())))
} catch let error as UsageError {
    FileHandle.standardError.write(Data("hone: \(error.description)\n".utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("hone: error: \(error)\n".utf8))
    exit(1)
}
