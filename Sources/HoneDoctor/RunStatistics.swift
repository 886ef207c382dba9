import Foundation
import HoneCore
import HoneTrain

/// Why a run could not be diagnosed.
public enum DoctorError: Error, Equatable, CustomStringConvertible {
    /// The path does not exist.
    case notFound(path: String)
    /// The path exists but is not a run directory (no `config.json`, no records).
    case notARun(path: String, detail: String)
    /// A file of the run cannot be read.
    case unreadable(file: String, detail: String)

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such file or directory"
        case .notARun(let path, let detail): return "\(path) is not a run directory: \(detail)"
        case .unreadable(let file, let detail): return "\(file): \(detail)"
        }
    }
}

/// What the rules look at: a run's config, its epoch records and its monitor records,
/// from a run directory or from a run in progress.
public struct RunStatistics: Sendable {
    /// The config the run was started with.
    public var config: JSONValue
    /// One record per completed epoch (`metrics.jsonl`).
    public var epochs: [EpochRecord]
    /// The monitor records (`monitors.jsonl`).
    public var monitors: MonitorLog

    /// Statistics from records already in memory.
    public init(config: JSONValue, epochs: [EpochRecord], monitors: MonitorLog) {
        self.config = config
        self.epochs = epochs
        self.monitors = monitors
    }

    /// Reads the run in `directory`: `config.json`, `metrics.jsonl` and `monitors.jsonl`
    /// (absent when the run turned monitors off). A finished run (`final_metrics.json`
    /// present) with a record file cut short is an error; a run still writing may end in
    /// a partial record, which is skipped.
    ///
    /// - Throws: ``DoctorError`` naming the path and what is wrong with it.
    public static func read(runDirectory directory: URL) throws -> RunStatistics {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw DoctorError.notFound(path: directory.path)
        }
        guard isDirectory.boolValue else { throw DoctorError.notARun(path: directory.path, detail: "it is a file, not a directory") }
        let configURL = directory.appendingPathComponent("config.json")
        let metricsURL = directory.appendingPathComponent("metrics.jsonl")
        let monitorsURL = directory.appendingPathComponent(MonitorLog.fileName)
        guard FileManager.default.fileExists(atPath: configURL.path), FileManager.default.fileExists(atPath: metricsURL.path) else {
            throw DoctorError.notARun(path: directory.path, detail: "expected config.json and metrics.jsonl (written by hone train)")
        }
        let config: JSONValue
        do {
            config = try JSONValue.parse(String(decoding: try Data(contentsOf: configURL), as: UTF8.self))
        } catch {
            throw DoctorError.unreadable(file: configURL.path, detail: "\(error)")
        }
        let finished = FileManager.default.fileExists(atPath: directory.appendingPathComponent("final_metrics.json").path)
        let policy: MonitorLog.PartialRecordPolicy = finished ? .fail : .skip
        do {
            let epochs = try JSONLines.read(EpochRecord.self, from: metricsURL, partialLastRecord: policy).records
            let monitors = FileManager.default.fileExists(atPath: monitorsURL.path)
                ? try MonitorLog.read(url: monitorsURL, partialLastRecord: policy) : MonitorLog()
            return RunStatistics(config: config, epochs: epochs, monitors: monitors)
        } catch let error as TrainingError {
            if case .invalidRunRecord(let file, let line, let detail) = error {
                throw DoctorError.unreadable(file: file, detail: line > 0 ? "line \(line): \(detail)" : detail)
            }
            throw DoctorError.unreadable(file: directory.path, detail: "\(error)")
        }
    }

    // MARK: - Views the rules share

    /// The number of classes (the width of the model's last layer), when classifying.
    public var classCount: Int? {
        if config["task"] == .string("regression") { return nil }
        return monitors.samples.last?.layers.last?.unitCount
    }

    /// The layer type of each layer path seen in the samples.
    public var layerTypes: [String: String] {
        var types: [String: String] = [:]
        for sample in monitors.samples { for layer in sample.layers { types[layer.name] = layer.type } }
        return types
    }

    /// The parameters that are the weights of linear and conv layers, in model order
    /// (input side first): the ones whose gradients show depth effects.
    public var weightParameterNames: [String] {
        let types = layerTypes
        guard let sample = monitors.samples.last else { return [] }
        return sample.parameters.map(\.name).filter { name in
            guard name.hasSuffix(".weight") else { return false }
            let layer = String(name.dropLast(".weight".count))
            return types[layer] == "Linear" || types[layer] == "Conv2d"
        }
    }

    /// The samples of the last epoch that has any.
    public var lastEpochSamples: [SampleRecord] {
        guard let last = monitors.samples.last?.epoch else { return [] }
        return monitors.samples.filter { $0.epoch == last }
    }
}

extension JSONValue {
    /// The value of an object's field, nil for a missing field or a non-object.
    subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.key == key }?.value
    }
}

/// The median of `values` (nil when empty); NaNs sort last.
func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted { $0 < $1 || (!$0.isNaN && $1.isNaN) }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
