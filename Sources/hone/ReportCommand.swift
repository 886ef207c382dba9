import Foundation
import HoneReport

/// `hone report`: one self-contained HTML page for a run directory or a study database.
///
/// Errors (a missing path, a directory that is no run, a damaged record, a study file of
/// a newer Hone) print one line and exit 1 without writing anything.
enum ReportCommand {
    static let spec = CommandSpec(
        name: "report", summary: "write an HTML report of a run or a study database",
        positionals: [PositionalSpec(name: "PATH", help: "a run directory (hone train) or a study database (hone tune)")],
        options: [.option("out", .text("FILE"), "where to write the HTML (default RUN_DIR/report.html, or STUDY.html beside STUDY.db)")],
        run: run)

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        let written = try Report.write(for: arguments.positionals[0], to: arguments.text("out"))
        print("report written to \(written.path)")
        return 0
    }
}
