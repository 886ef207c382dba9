import Foundation
import HoneCore
import HoneTrain

/// A confusion matrix as a run records it: counts by true class (rows) and predicted class.
public struct RecordedConfusionMatrix: Equatable, Sendable {
    /// The class names, in label order.
    public var classNames: [String]
    /// `counts[trueClass][predictedClass]`.
    public var counts: [[Double]]
}

/// Everything a run directory records, read for a report: the config, the per-epoch
/// metrics, the monitor statistics, the final metrics and the explanations.
///
/// The files may still be growing (a run in progress): a partial last line of
/// `metrics.jsonl` or `monitors.jsonl` is skipped, and a missing `final_metrics.json`
/// means the run has not finished.
public struct RunRecords {
    /// The run directory.
    public var directory: URL
    /// `config.json`, when present.
    public var config: JSONValue?
    /// `metrics.jsonl`: one record per epoch.
    public var epochs: [EpochRecord]
    /// `monitors.jsonl`: step scalars and sampled layer and parameter statistics (nil
    /// when the run recorded none).
    public var monitors: MonitorLog?
    /// The numbers of `final_metrics.json`, in file order.
    public var finalMetrics: [(name: String, value: Double)]
    /// The confusion matrix of `final_metrics.json`, when it holds one.
    public var confusionMatrix: RecordedConfusionMatrix?
    /// `explain/*/explanation.json`, by method folder (empty when the run was never explained).
    public var explanations: [RecordedExplanation] = []

    /// Reads the run in `directory`.
    ///
    /// - Throws: ``ReportError`` naming the missing directory or a directory without run
    ///   records or a damaged whole-file record; `TrainingError.invalidRunRecord` naming the
    ///   file and line of a damaged line record.
    public static func load(from directory: URL) throws -> RunRecords {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw ReportError.notFound(path: directory.path)
        }
        let metricsURL = directory.appendingPathComponent("metrics.jsonl")
        let configURL = directory.appendingPathComponent("config.json")
        let monitorsURL = directory.appendingPathComponent(MonitorLog.fileName)
        let finalURL = directory.appendingPathComponent("final_metrics.json")
        func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }
        guard isDirectory.boolValue, exists(metricsURL) || exists(configURL) else {
            throw ReportError.notARun(path: directory.path)
        }
        var records = RunRecords(directory: directory, config: nil, epochs: [], monitors: nil, finalMetrics: [], confusionMatrix: nil)
        if exists(configURL) { records.config = try readJSON(configURL) }
        if exists(metricsURL) { records.epochs = try JSONLines.read(EpochRecord.self, from: metricsURL).records }
        if exists(monitorsURL) { records.monitors = try MonitorLog.read(url: monitorsURL) }
        if exists(finalURL) {
            guard case .object(let fields) = try readJSON(finalURL) else {
                throw ReportError.malformedFile(file: finalURL.path, detail: "expected a JSON object of metrics")
            }
            for (name, value) in fields {
                switch value {
                case .number(let number, _): records.finalMetrics.append((name, number))
                case _ where name == "confusion_matrix":
                    records.confusionMatrix = try confusionMatrix(value, file: finalURL.path, config: records.config)
                default: continue
                }
            }
        }
        records.explanations = try RecordedExplanation.loadAll(from: directory)
        return records
    }

    private static func readJSON(_ url: URL) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportError.malformedFile(file: url.path, detail: "cannot be read")
        }
        do {
            return try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw ReportError.malformedFile(file: url.path, detail: "\(error)")
        }
    }

    /// Reads `confusion_matrix` as rows of counts, or as an object with `counts` and
    /// optional `classes` (or `class_names`); class names otherwise come from the data set
    /// when known.
    private static func confusionMatrix(_ value: JSONValue, file: String, config: JSONValue?) throws -> RecordedConfusionMatrix {
        func invalid(_ detail: String) -> ReportError {
            ReportError.malformedFile(file: file, detail: "field 'confusion_matrix' \(detail)")
        }
        var rowsValue = value
        var names: [String]?
        if case .object(let fields) = value {
            guard let counts = fields.first(where: { $0.key == "counts" })?.value else { throw invalid("has no 'counts'") }
            rowsValue = counts
            if case .array(let items)? = fields.first(where: { $0.key == "classes" || $0.key == "class_names" })?.value {
                names = items.map { if case .string(let name) = $0 { return name } else { return $0.serialized(indent: nil) } }
            }
        }
        guard case .array(let rows) = rowsValue else { throw invalid("must be an array of rows of counts") }
        var counts: [[Double]] = []
        for row in rows {
            guard case .array(let cells) = row, cells.count == rows.count else {
                throw invalid("must be square: \(rows.count) rows of \(rows.count) counts")
            }
            counts.append(try cells.map { cell in
                guard case .number(let number, _) = cell else { throw invalid("holds \(cell.kindDescription) where a count belongs") }
                return number
            })
        }
        let classNames = names?.count == counts.count ? names! : defaultClassNames(count: counts.count, config: config)
        return RecordedConfusionMatrix(classNames: classNames, counts: counts)
    }

    /// Fashion-MNIST's names when the run trained on all of it, else the class indices.
    private static func defaultClassNames(count: Int, config: JSONValue?) -> [String] {
        if case .object(let root)? = config, case .object(let data)? = root.first(where: { $0.key == "data" })?.value,
            data.contains(where: { $0.key == "source" && $0.value == .string("fashion-mnist") }),
            !data.contains(where: { $0.key == "classes" }), count == FashionMNIST.classNames.count
        {
            return FashionMNIST.classNames
        }
        return (0..<count).map(String.init)
    }
}
