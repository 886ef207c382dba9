import Foundation
import HoneDoctor

/// `hone doctor`: diagnoses a recorded run and optionally writes the corrected config.
///
///     hone doctor RUN_DIR [--json] [--fix [OUT.json]]
enum DoctorCommand {
    static let usage = """
        usage: hone doctor RUN_DIR [--json] [--fix [OUT.json]]
          --json          print the findings as one JSON object
          --fix [OUT]     write the run's config with the remedies applied (default RUN_DIR/fixed-config.json)
        """

    /// Runs the command; returns the exit code (0 diagnosed, 1 unreadable run, 2 bad usage).
    static func run(_ words: [String]) throws -> Int32 {
        let arguments = try Arguments(words, flags: ["json", "fix", "help"])
        if arguments.has("help") {
            print(usage)
            return 0
        }
        let maximum = arguments.has("fix") ? 2 : 1
        guard (1...maximum).contains(arguments.positional.count) else {
            throw UsageError(description: "doctor needs one RUN_DIR (and an OUT.json only after --fix)\n\(usage)")
        }
        let directory = URL(fileURLWithPath: arguments.positional[0])
        let fixOutput = arguments.has("fix")
            ? URL(fileURLWithPath: arguments.positional.count == 2 ? arguments.positional[1] : directory.appendingPathComponent("fixed-config.json").path)
            : nil
        do {
            let report = try DoctorReport.examine(runDirectory: directory, fixOutput: fixOutput)
            print(arguments.has("json") ? try report.json() : report.text)
            return 0
        } catch {
            FileHandle.standardError.write(Data("hone doctor: error: \("\(error)".replacingOccurrences(of: "\n", with: " "))\n".utf8))
            return 1
        }
    }
}
