import Foundation

/// Why a report could not be made; each case names the file and what was expected.
///
/// A damaged line of `metrics.jsonl` or `monitors.jsonl` is HoneTrain's
/// `TrainingError.invalidRunRecord`, naming the file and the line.
public enum ReportError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// Nothing exists at the path.
    case notFound(path: String)
    /// A directory that holds none of a run's records.
    case notARun(path: String)
    /// A whole-file JSON record (`config.json`, `final_metrics.json`) that cannot be read.
    case malformedFile(file: String, detail: String)
    /// A study database holding no study.
    case emptyStudy(path: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "\(path): no such file or directory"
        case .notARun(let path):
            return "\(path) is not a run directory (expected metrics.jsonl or config.json from `hone train`)"
        case .malformedFile(let file, let detail):
            return "\(file): \(detail)"
        case .emptyStudy(let path):
            return "\(path) holds no study"
        }
    }

    public var errorDescription: String? { description }
}
