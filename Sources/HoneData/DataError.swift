import Foundation

/// A problem with data a user fed in: a file, a column, a label or a parameter.
///
/// Every reader in HoneData validates its input and throws one of these instead of
/// crashing; the message names the file (and the line and column for CSV) and what
/// was expected, so the command-line tool can print it as it is.
public enum DataError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file does not exist.
    case fileNotFound(file: String)
    /// The file exists but could not be read or written.
    case unreadable(file: String, reason: String)
    /// A compressed stream is damaged or ends early.
    case corruptCompressedData(file: String, detail: String)
    /// A compressed stream inflates to more bytes than allowed (a damaged file or a
    /// decompression bomb).
    case decompressedTooLarge(file: String, limit: Int)
    /// A binary header (magic number, data type, dimensions) is not what the format allows.
    case invalidHeader(file: String, detail: String)
    /// The file holds a different number of bytes than its header (or record size) implies.
    case sizeMismatch(file: String, expectedBytes: Int, actualBytes: Int)
    /// A CSV row has a different number of fields than the header.
    case raggedRow(file: String, line: Int, expectedFields: Int, actualFields: Int)
    /// A CSV field could not be parsed (unterminated quote, stray characters after a quote).
    case malformedField(file: String, line: Int, detail: String)
    /// A numeric column holds a value that is not a number.
    case nonNumericValue(file: String, line: Int, column: String, value: String)
    /// Missing values were found and the chosen policy does not allow them.
    case missingValues(file: String, firstLine: Int, countsByColumn: [String: Int])
    /// A row's target (label) is missing: empty, `nan` or another missing marker. No
    /// policy fills it in, since a guessed label would train the model on a made-up answer.
    case missingTarget(file: String, line: Int, column: String)
    /// A column named in the options is not in the header.
    case missingColumn(file: String, column: String)
    /// A header names the same column twice.
    case duplicateColumn(file: String, column: String)
    /// A categorical value, or a class, that the fitted encoding has not seen, on `line`
    /// of `file` (a name in angle brackets, like `<row>`, for values not read from a file).
    case unknownCategory(file: String, line: Int, column: String, value: String)
    /// A label is outside the allowed range.
    case invalidLabel(file: String, index: Int, value: Int, detail: String)
    /// A file or table has no data rows.
    case empty(file: String)
    /// An argument (a fraction, a fold count, a shape) is outside what is allowed.
    case invalidParameter(name: String, detail: String)

    /// The message shown to users.
    public var description: String {
        switch self {
        case .fileNotFound(let file):
            return "\(file): file not found"
        case .unreadable(let file, let reason):
            return "\(file): cannot read or write: \(reason)"
        case .corruptCompressedData(let file, let detail):
            return "\(file): corrupt or truncated gzip data: \(detail)"
        case .decompressedTooLarge(let file, let limit):
            return "\(file): gzip data inflates to more than \(limit) bytes, the most allowed; "
                + "the file is damaged or a decompression bomb"
        case .invalidHeader(let file, let detail):
            return "\(file): invalid header: \(detail)"
        case .sizeMismatch(let file, let expected, let actual):
            return "\(file): expected \(expected) bytes from the header, found \(actual)"
        case .raggedRow(let file, let line, let expected, let actual):
            return "\(file):\(line): row has \(actual) fields, the header has \(expected)"
        case .malformedField(let file, let line, let detail):
            return "\(file):\(line): malformed field: \(detail)"
        case .nonNumericValue(let file, let line, let column, let value):
            return "\(file):\(line): column '\(column)' expects a number, found '\(value)'"
        case .missingValues(let file, let firstLine, let counts):
            let listed = counts.sorted { $0.key < $1.key }.map { "'\($0.key)': \($0.value)" }.joined(separator: ", ")
            return "\(file):\(firstLine): missing values (per column: \(listed)); "
                + "set data.missing_values to drop_rows, impute_mean, impute_median or impute_most_frequent"
        case .missingTarget(let file, let line, let column):
            return "\(file):\(line): the target column '\(column)' has no value (empty or a missing marker such as nan); "
                + "every row needs its label"
        case .missingColumn(let file, let column):
            return "\(file): no column named '\(column)' in the header"
        case .duplicateColumn(let file, let column):
            return "\(file): column '\(column)' appears twice in the header"
        case .unknownCategory(let file, let line, let column, let value):
            let place = file.hasPrefix("<") ? "" : "\(file):\(line): "
            return place + "column '\(column)': value '\(value)' was not seen in the training data"
        case .invalidLabel(let file, let index, let value, let detail):
            return "\(file): label \(value) of record \(index) is invalid: \(detail)"
        case .empty(let file):
            return "\(file): no data rows"
        case .invalidParameter(let name, let detail):
            return "\(name): \(detail)"
        }
    }

    /// The same text as ``description``, for `localizedDescription`.
    public var errorDescription: String? { description }
}
