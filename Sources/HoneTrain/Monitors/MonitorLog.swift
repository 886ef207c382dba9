import Foundation

/// A run's monitor records read back from `monitors.jsonl`: the training scalars, the
/// sampled layer and parameter statistics, and the failure that ended training, if any.
///
/// The file is JSON lines, one ``MonitorRecord`` per line, appended as training goes, so
/// it can be read while a run is still writing: a last line without its newline is a
/// record being written and is skipped (unless `partialLastRecord` is `.fail`, for a run
/// known to be finished). Any other line that is not a record is an error naming the line.
///
/// NaN and infinities are written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`
/// (JSON has no literal for them) and read back as the numbers.
///
/// ```swift
/// let log = try MonitorLog.read(runDirectory: URL(fileURLWithPath: "runs/fashion-mnist-cnn"))
/// for step in log.steps { print(step.step, step.loss, step.gradientNorm) }
/// for sample in log.samples { print(sample.layers.map { ($0.name, $0.deadFraction ?? 0) }) }
/// ```
public struct MonitorLog: Equatable, Sendable {
    /// What to do with a last line that lacks its newline.
    public enum PartialRecordPolicy: Sendable {
        /// Skip it: the run may still be writing it.
        case skip
        /// Throw: the run is finished, so the file was cut short.
        case fail
    }

    /// The name of the file in a run directory.
    public static let fileName = "monitors.jsonl"

    /// Training scalars, in step order.
    public var steps: [StepRecord] = []
    /// Sampled layer and parameter statistics, in step order.
    public var samples: [SampleRecord] = []
    /// The error that ended training, if it ended with one.
    public var failure: FailureRecord?
    /// Whether a partial last line was skipped.
    public var skippedPartialRecord = false

    /// An empty log.
    public init() {}

    /// The records, in file order.
    public init(records: [MonitorRecord]) {
        for record in records { append(record) }
    }

    /// Adds `record` to the list of its kind.
    public mutating func append(_ record: MonitorRecord) {
        switch record {
        case .step(let step): steps.append(step)
        case .sample(let sample): samples.append(sample)
        case .failure(let failure): self.failure = failure
        }
    }

    /// Reads `monitors.jsonl` in `runDirectory`.
    ///
    /// - Throws: ``TrainingError/invalidRunRecord(file:line:detail:)`` when the file is
    ///   missing or holds a line that is not a record.
    public static func read(runDirectory: URL, partialLastRecord: PartialRecordPolicy = .skip) throws -> MonitorLog {
        try read(url: runDirectory.appendingPathComponent(fileName), partialLastRecord: partialLastRecord)
    }

    /// Reads a monitor file.
    ///
    /// - Throws: ``TrainingError/invalidRunRecord(file:line:detail:)``.
    public static func read(url: URL, partialLastRecord: PartialRecordPolicy = .skip) throws -> MonitorLog {
        let lines = try JSONLines.read(MonitorRecord.self, from: url, partialLastRecord: partialLastRecord)
        var log = MonitorLog(records: lines.records)
        log.skippedPartialRecord = lines.skippedPartialRecord
        return log
    }
}

/// Reading and writing the JSON-lines record files of a run, with one spelling for
/// non-finite numbers (see ``MonitorLog``).
public enum JSONLines {
    /// The encoder of one record line: sorted keys, non-finite numbers as strings.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// The decoder matching ``encoder()``.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    /// `value` as one line of JSON, newline included.
    public static func line<Value: Encodable>(_ value: Value) throws -> Data {
        var data = try encoder().encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Appends `data` to the file at `url`, which must exist.
    ///
    /// - Throws: ``TrainingError/unwritable(file:detail:)``.
    public static func append(_ data: Data, to url: URL) throws {
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } catch {
            throw TrainingError.unwritable(file: url.path, detail: "\(error)")
        }
    }

    /// Decodes every line of `url` as a `Record`; an empty line is an error, as is a
    /// partial last line under `.fail`.
    ///
    /// - Throws: ``TrainingError/invalidRunRecord(file:line:detail:)``.
    public static func read<Record: Decodable>(
        _ type: Record.Type, from url: URL, partialLastRecord: MonitorLog.PartialRecordPolicy = .skip
    ) throws -> (records: [Record], skippedPartialRecord: Bool) {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError.invalidRunRecord(file: url.path, line: 0, detail: "missing or unreadable")
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // A complete file ends with a newline, which leaves one empty piece after it.
        let partial = lines.last.map { !$0.isEmpty } ?? false
        lines.removeLast()
        if partial && partialLastRecord == .fail {
            throw TrainingError.invalidRunRecord(
                file: url.path, line: lines.count + 1, detail: "the last record is cut short (no newline at the end of the file)")
        }
        let decoder = decoder()
        var records: [Record] = []
        records.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            do {
                records.append(try decoder.decode(Record.self, from: Data(line)))
            } catch {
                throw TrainingError.invalidRunRecord(file: url.path, line: index + 1, detail: "not a valid record (\(describe(error)))")
            }
        }
        return (records, partial)
    }

    /// A decoding error in a few words: the field path and what was wrong.
    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "malformed JSON" : "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
