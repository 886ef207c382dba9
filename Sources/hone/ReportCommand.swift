import Foundation
import HoneReport

/// `hone report`: one self-contained HTML page for a run directory or a study database.
///
///     hone report PATH [--out FILE]
///
/// Errors (a missing path, a directory that is no run, a damaged record, a study file of
/// a newer Hone) print one line and exit 1 without writing anything.
enum ReportCommand {
    static let usage = """
        usage: hone report PATH [--out FILE]
          PATH          a run directory (hone train) or a study database (hone tune)
          --out FILE    where to write the HTML (default: RUN_DIR/report.html, or STUDY.html beside STUDY.db)
        """

    /// Runs the command; returns the exit code (0 written, 1 unreadable input or output).
    static func run(_ words: [String]) throws -> Int32 {
        let arguments = try Arguments(words, flags: ["help"], options: ["out"])
        if arguments.has("help") {
            print(usage)
            return 0
        }
        guard arguments.positional.count == 1 else {
            throw UsageError(description: "report needs exactly one PATH (a run directory or a study database)")
        }
        do {
            let written = try Report.write(for: arguments.positional[0], to: arguments.value("out"))
            print("report written to \(written.path)")
            return 0
        } catch {
            let message = "\(error)".replacingOccurrences(of: "\n", with: " ")
            FileHandle.standardError.write(Data("hone report: error: \(message)\n".utf8))
            return 1
        }
    }
}
