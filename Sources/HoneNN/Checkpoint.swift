import Foundation
import HoneCore

/// What loading a state dictionary into a module matched and what it did not.
public struct CheckpointLoadReport: Equatable, CustomStringConvertible {
    /// A key present on both sides with different shapes.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The module key.
        public var key: String
        /// The module tensor's shape.
        public var expected: [Int]
        /// The checkpoint tensor's shape.
        public var found: [Int]
    }

    /// Keys copied into the module.
    public var loaded: [String] = []
    /// Module keys the checkpoint lacks.
    public var missing: [String] = []
    /// Checkpoint keys (after renaming) the module does not have.
    public var unexpected: [String] = []
    /// Keys on both sides whose shapes differ (not loaded).
    public var mismatched: [ShapeMismatch] = []

    /// Whether every module key was loaded and nothing was left over.
    public var isExact: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }

    public var description: String {
        var lines = ["loaded \(loaded.count) tensors"]
        if !missing.isEmpty { lines.append("missing: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { lines.append("unexpected: \(unexpected.joined(separator: ", "))") }
        for m in mismatched { lines.append("shape mismatch for \(m.key): module \(m.expected), checkpoint \(m.found)") }
        return lines.joined(separator: "; ")
    }
}

/// A checkpoint that does not fit the module it is loaded into (strict loading).
public struct CheckpointError: Error, CustomStringConvertible {
    /// The checkpoint's source (a file path, or `<memory>`).
    public var file: String
    /// What did not match.
    public var report: CheckpointLoadReport

    public var description: String { "checkpoint \(file) does not match the model: \(report)" }
}

extension Module {
    /// Saves parameters and buffers as F32 safetensors at `url`, atomically.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in stateDictionary() { tensors[name] = tensor }
        try Safetensors.write(tensors, metadata: metadata, to: url)
    }

    /// An in-memory copy of every parameter and buffer by name (early stopping keeps the
    /// best one); put it back with ``load(_:strict:renaming:source:)``.
    public func snapshot() -> [String: Tensor] {
        var copies: [String: Tensor] = [:]
        for (name, tensor) in stateDictionary() { copies[name] = tensor.copy() }
        return copies
    }

    /// Loads a safetensors checkpoint into this module's parameters and buffers.
    ///
    /// - Parameters:
    ///   - strict: throw a ``CheckpointError`` (changing nothing) unless keys and shapes
    ///     match exactly; when `false`, load what matches and report the rest.
    ///   - renaming: checkpoint key → module key. An entry whose key ends in `.`
    ///     renames a prefix (`["module.": ""]` drops PyTorch's DataParallel prefix).
    @discardableResult
    public func load(from url: URL, strict: Bool = true, renaming: [String: String] = [:]) throws -> CheckpointLoadReport {
        let archive = try Safetensors.read(from: url)
        return try load(archive.tensors, strict: strict, renaming: renaming, source: url.path)
    }

    /// Loads named tensors (a state dictionary) into this module; see ``load(from:strict:renaming:)``.
    @discardableResult
    public func load(
        _ tensors: [String: Tensor], strict: Bool = true, renaming: [String: String] = [:], source: String = "<memory>"
    ) throws -> CheckpointLoadReport {
        var incoming: [String: Tensor] = [:]
        for (key, tensor) in tensors { incoming[Module.renamed(key, renaming)] = tensor }
        var report = CheckpointLoadReport()
        var assignments: [(Tensor, Tensor)] = []
        let own = stateDictionary()
        let ownKeys = Set(own.map(\.name))
        for (name, target) in own {
            guard let source = incoming[name] else {
                report.missing.append(name)
                continue
            }
            guard source.shape == target.shape else {
                report.mismatched.append(.init(key: name, expected: target.shape, found: source.shape))
                continue
            }
            assignments.append((target, source))
            report.loaded.append(name)
        }
        report.unexpected = incoming.keys.filter { !ownKeys.contains($0) }.sorted()
        if strict && !report.isExact { throw CheckpointError(file: source, report: report) }
        for (target, source) in assignments { target.assign(source) }
        return report
    }

    private static func renamed(_ key: String, _ renaming: [String: String]) -> String {
        if let exact = renaming[key] { return exact }
        // The longest matching prefix wins, so overlapping entries behave predictably.
        for (from, to) in renaming.sorted(by: { $0.key.count > $1.key.count }) where from.hasSuffix(".") && key.hasPrefix(from) {
            return to + key.dropFirst(from.count)
        }
        return key
    }
}
