import Foundation
import HoneTrain

/// `hone report` as a library call: the report of a run directory or a study database,
/// written atomically as one self-contained HTML file.
public enum Report {
    /// What a path holds.
    public enum Subject: Equatable, Sendable {
        /// A run directory of `hone train`.
        case run
        /// A study database of `hone tune`.
        case study
    }

    /// Whether `path` is a run directory (any directory) or a study database (any file).
    ///
    /// - Throws: ``ReportError/notFound(path:)``.
    public static func subject(of path: String) throws -> Subject {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ReportError.notFound(path: path) }
        return isDirectory.boolValue ? .run : .study
    }

    /// Where the report of `path` goes by default: `report.html` inside a run directory,
    /// `NAME.html` beside a study database `NAME.db`.
    public static func defaultOutput(for path: String, subject: Subject) -> URL {
        let url = URL(fileURLWithPath: path)
        switch subject {
        case .run: return url.appendingPathComponent("report.html")
        case .study: return url.deletingPathExtension().appendingPathExtension("html")
        }
    }

    /// The HTML report of the run directory or study database at `path`.
    ///
    /// - Parameter findings: diagnoses of a run, shown at the top of a run report (by
    ///   default the doctor's standard rules).
    /// - Throws: ``ReportError`` or the study storage's error, each naming the file.
    public static func html(for path: String, findings: (RunRecords) -> [ReportFinding] = RunReport.diagnose) throws -> String {
        switch try subject(of: path) {
        case .run:
            let records = try RunRecords.load(from: URL(fileURLWithPath: path))
            return RunReport(records: records, findings: findings(records)).html()
        case .study:
            return StudyReport(records: try StudyRecords.load(path: path)).html()
        }
    }

    /// Writes the report of `path` to `output` (default ``defaultOutput(for:subject:)``)
    /// and returns where. Everything is read and rendered before the file is replaced in
    /// one rename, so a failure leaves no partial page and no previous report damaged.
    @discardableResult
    public static func write(for path: String, to output: String? = nil,
                             findings: (RunRecords) -> [ReportFinding] = RunReport.diagnose) throws -> URL {
        let destination = try output.map { URL(fileURLWithPath: $0) } ?? defaultOutput(for: path, subject: subject(of: path))
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ReportError.malformedFile(file: destination.path, detail: "is a directory; name the HTML file to write")
        }
        let page = try html(for: path, findings: findings)
        try AtomicFile.write(Data(page.utf8), to: destination)
        return destination
    }
}
