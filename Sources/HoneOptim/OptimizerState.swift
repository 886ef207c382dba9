import Foundation

/// Everything an optimizer needs to resume a run exactly: each parameter's step count and
/// buffers (keyed by parameter name, or position when unnamed) and each group's settings.
///
/// ```swift
/// try optimizer.stateDictionary().save(to: checkpointURL)
/// // later, with the same parameters:
/// try optimizer.loadStateDictionary(OptimizerState(contentsOf: checkpointURL))
/// ```
public struct OptimizerState: Codable, Equatable, Sendable {
    /// The layout version this code writes and reads.
    public static let currentVersion = 1

    /// One parameter's saved state.
    public struct Parameter: Codable, Equatable, Sendable {
        /// Updates applied so far.
        public var step: Int
        /// Buffers by name.
        public var buffers: [String: Buffer]

        /// A saved parameter state.
        public init(step: Int, buffers: [String: Buffer]) {
            self.step = step
            self.buffers = buffers
        }
    }

    /// One buffer's values, stored bit for bit as little-endian Float32 (base64 in JSON).
    public struct Buffer: Codable, Equatable, Sendable {
        /// The number of values.
        public var count: Int
        /// `count × 4` bytes.
        public var bytes: Data

        /// Captures the values exactly.
        public init(_ values: UnsafeBufferPointer<Float>) {
            count = values.count
            var data = Data(capacity: values.count * 4)
            for value in values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            bytes = data
        }

        /// Writes the values into `destination` (which holds `count` values).
        func copy(into destination: UnsafeMutableBufferPointer<Float>) {
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                    destination[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
        }
    }

    /// One group's settings at the time of saving.
    public struct Group: Codable, Equatable, Sendable {
        /// The group's learning rate.
        public var learningRate: Float
        /// The group's weight decay.
        public var weightDecay: Float
        /// The keys of the group's parameters, in order.
        public var parameterKeys: [String]
    }

    /// The layout version.
    public var version: Int
    /// The optimizer's name (`"Adam"`, `"SGD"`, …); loading into another kind fails.
    public var optimizer: String
    /// The optimizer's default learning rate.
    public var learningRate: Float
    /// The groups in order.
    public var groups: [Group]
    /// Parameter states by key; parameters never updated are absent.
    public var parameters: [String: Parameter]

    /// Reads a state saved by ``save(to:)``.
    ///
    /// - Throws: ``OptimizerStateError/unreadableFile(path:reason:)`` when the file is
    ///   missing or not a saved optimizer state.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw OptimizerStateError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        do {
            self = try JSONDecoder().decode(OptimizerState.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw OptimizerStateError.unreadableFile(
                path: url.path, reason: "missing field '\(Self.describe(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            throw OptimizerStateError.unreadableFile(
                path: url.path, reason: "at '\(Self.describe(context.codingPath))': \(context.debugDescription)")
        }
    }

    /// Writes the state as JSON, atomically (a crash never leaves a half-written file).
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    private static func describe(_ path: [CodingKey]) -> String {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    init(version: Int, optimizer: String, learningRate: Float, groups: [Group], parameters: [String: Parameter]) {
        self.version = version
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.groups = groups
        self.parameters = parameters
    }
}

/// Why a saved optimizer state cannot be loaded; each case names the offending part.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// The file is missing, unreadable or not an optimizer state.
    case unreadableFile(path: String, reason: String)
    /// The state was written by a newer or unknown layout.
    case unsupportedVersion(found: Int, supported: Int)
    /// The state belongs to another kind of optimizer.
    case optimizerMismatch(expected: String, found: String)
    /// The state has a different number of parameter groups.
    case groupCountMismatch(expected: Int, found: Int)
    /// A group lists other parameters than the optimizer has.
    case parameterKeysMismatch(group: Int, expected: [String], found: [String])
    /// A parameter state names a parameter the optimizer does not have.
    case unknownParameter(String)
    /// A buffer name this optimizer does not use.
    case unknownBuffer(parameter: String, buffer: String)
    /// A buffer's size differs from its parameter's.
    case bufferSizeMismatch(parameter: String, buffer: String, expected: Int, found: Int)
    /// A buffer's bytes do not hold its declared count of values.
    case corruptBuffer(parameter: String, buffer: String)
    /// A negative step count or a negative/non-finite learning rate or weight decay.
    case invalidValue(field: String, value: String)

    /// A readable message naming what failed.
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): "optimizer state '\(path)': \(reason)"
        case let .unsupportedVersion(found, supported):
            "optimizer state: version \(found) is not supported (this build reads \(supported))"
        case let .optimizerMismatch(expected, found): "optimizer state: written by \(found), loading into \(expected)"
        case let .groupCountMismatch(expected, found): "optimizer state: \(found) parameter groups, expected \(expected)"
        case let .parameterKeysMismatch(group, expected, found):
            "optimizer state: group \(group) holds parameters \(found), expected \(expected)"
        case let .unknownParameter(key): "optimizer state: no parameter named '\(key)'"
        case let .unknownBuffer(parameter, buffer): "optimizer state: parameter '\(parameter)' has unknown buffer '\(buffer)'"
        case let .bufferSizeMismatch(parameter, buffer, expected, found):
            "optimizer state: buffer '\(buffer)' of '\(parameter)' has \(found) values, expected \(expected)"
        case let .corruptBuffer(parameter, buffer):
            "optimizer state: buffer '\(buffer)' of '\(parameter)' has the wrong number of bytes"
        case let .invalidValue(field, value): "optimizer state: '\(field)' has invalid value \(value)"
        }
    }
}
