import Foundation

/// What went wrong when fitting, loading or applying a tree model to outside data.
///
/// Every case names the file or field involved and what was expected, so the CLI can
/// print it as one line.
public enum TreesError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A matrix or label array whose sizes do not fit together.
    case shapeMismatch(String)
    /// A configuration value out of its range.
    case invalidConfiguration(field: String, expected: String)
    /// Labels that the task cannot use (a class index out of range, a non-finite target).
    case invalidLabels(String)
    /// Rows with another feature count than the model was fitted on.
    case featureCountMismatch(expected: Int, got: Int)
    /// A model file that is not a Hone tree model, is truncated, or fails its checksum.
    case corruptModelFile(file: String, detail: String)
    /// A model file written by another version of the format.
    case unsupportedVersion(file: String, found: UInt32, supported: UInt32)

    /// The error as one line for people.
    public var description: String {
        switch self {
        case .shapeMismatch(let detail): return "shape mismatch: \(detail)"
        case .invalidConfiguration(let field, let expected): return "invalid '\(field)': expected \(expected)"
        case .invalidLabels(let detail): return "invalid labels: \(detail)"
        case .featureCountMismatch(let expected, let got):
            return "the model was fitted on \(expected) features but the data has \(got)"
        case .corruptModelFile(let file, let detail): return "\(file): not a valid tree model file (\(detail))"
        case .unsupportedVersion(let file, let found, let supported):
            return "\(file): tree model format version \(found), this build reads version \(supported)"
        }
    }
}
