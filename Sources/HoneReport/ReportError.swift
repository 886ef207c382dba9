import Foundation

/// Why a report could not be made; each case names the file and what was expected.
public enum ReportError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// Nothing exists at the path.
    case notFound(path: String)
    /// A directory that holds none of a run's records.
    case notARun(path: String)
    /// A line of a JSON-lines record file that is not a record (a partial last line is
    /// skipped, never reported).
    case malformedRecord(file: String, line: Int, detail: String)
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
        case .malformedRecord(let file, let line, let detail):
            return "\(file), line \(line): not a valid record (\(detail))"
        case .malformedFile(let file, let detail):
            return "\(file): \(detail)"
        case .emptyStudy(let path):
            return "\(path) holds no study"
        }
    }

    public var errorDescription: String? { description }
}

/// Reads JSON-lines files written by appending one record per line, while the writer may
/// still be appending.
enum JSONLines {
    /// The records of `url`, in order. A last line without its newline that does not
    /// decode is a record still being written and is skipped; any other line that does not
    /// decode throws ``ReportError/malformedRecord(file:line:detail:)`` with its number.
    static func read<Record: Decodable>(_ type: Record.Type, from url: URL) throws -> [Record] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ReportError.malformedFile(file: url.path, detail: "cannot be read (\(error.localizedDescription))")
        }
        let text = String(decoding: data, as: UTF8.self)
        let endsWithNewline = text.hasSuffix("\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var records: [Record] = []
        for (index, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                records.append(try decoder.decode(Record.self, from: Data(line.utf8)))
            } catch {
                let isUnfinishedTail = index == lines.count - 1 && !endsWithNewline
                if isUnfinishedTail { break }
                throw ReportError.malformedRecord(file: url.path, line: index + 1, detail: describe(error))
            }
        }
        return records
    }

    /// A decoding error in a few words: the missing key or mistyped field.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not a JSON object of the expected shape" : "field '\(path)' has the wrong type"
        case DecodingError.dataCorrupted: return "not JSON"
        default: return "\(error)"
        }
    }
}
