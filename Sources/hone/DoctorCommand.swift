import Foundation
import HoneDoctor

/// `hone doctor`: diagnoses a recorded run and optionally writes the corrected config.
enum DoctorCommand {
    static let spec = CommandSpec(
        name: "doctor", summary: "diagnose a run and name the remedies",
        positionals: [
            PositionalSpec(name: "RUN_DIR", help: "a run directory (hone train)"),
            PositionalSpec(name: "OUT.json", help: "with --fix: where the corrected config goes", optional: true),
        ],
        options: [
            .flag("json", "print the findings as one JSON object"),
            .flag("fix", "write the run's config with the remedies applied (default RUN_DIR/fixed-config.json)"),
        ],
        run: run)

    /// Prints the findings; exit code 0 when diagnosed (whatever was found).
    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        let directory = URL(fileURLWithPath: arguments.positionals[0])
        let fix = arguments.flag("fix")
        if arguments.positionals.count == 2 && !fix {
            throw UsageError(description: "doctor takes an OUT.json only after --fix")
        }
        let fixOutput = fix
            ? URL(fileURLWithPath: arguments.positionals.count == 2 ? arguments.positionals[1] : directory.appendingPathComponent("fixed-config.json").path)
            : nil
        let report = try DoctorReport.examine(runDirectory: directory, fixOutput: fixOutput)
        print(arguments.flag("json") ? try report.json() : report.text)
        return 0
    }
}
