import Foundation
import HoneCore

/// Reads and writes the safetensors format: an 8-byte little-endian header length,
/// a JSON header `{name: {dtype, shape, data_offsets}, "__metadata__": {…}}`, then the
/// raw little-endian data, each tensor's bytes at `data_offsets` relative to the data
/// start, packed without gaps or overlaps.
///
/// Every value is converted to Float32 on reading (F32, F16, BF16, F64 and integer
/// types); writing produces F32. Any malformed input is reported as a
/// ``SafetensorsError`` naming the file and the problem; reading never goes outside
/// the bytes of the file.
///
/// ```swift
/// try Safetensors.write(["weight": w], to: url)
/// let archive = try Safetensors.read(from: url)
/// ```
public enum Safetensors {
    /// The tensors and metadata of one file.
    public struct Archive {
        /// Tensors by name.
        public var tensors: [String: Tensor]
        /// The `__metadata__` string map.
        public var metadata: [String: String]
        /// The tensor names in data order.
        public var names: [String]
    }

    /// The element types the reader understands, with their byte sizes.
    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]

    /// Headers longer than this are refused (the format's own limit is 100 MB).
    static let maximumHeaderLength = 100_000_000

    /// Reads a file.
    public static func read(from url: URL) throws -> Archive {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafetensorsError(file: url.path, reason: .unreadable(error.localizedDescription))
        }
        return try decode(data, file: url.path)
    }

    /// Parses safetensors bytes; `file` names the source in errors.
    public static func decode(_ data: Data, file: String = "<memory>") throws -> Archive {
        // Reads in place: a memory-mapped file is not copied.
        try data.withUnsafeBytes { try decode($0, file: file) }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws -> Archive {
        func fail(_ reason: SafetensorsError.Reason) -> SafetensorsError { SafetensorsError(file: file, reason: reason) }
        guard bytes.count >= 8 else { throw fail(.truncated("the file has \(bytes.count) bytes, fewer than the 8-byte header length")) }
        var declared: UInt64 = 0
        for i in 0..<8 { declared |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard declared <= UInt64(bytes.count - 8) else {
            throw fail(.headerLengthExceedsFile(declared: declared, available: bytes.count - 8))
        }
        guard declared <= UInt64(maximumHeaderLength) else { throw fail(.invalidHeader("header length \(declared) exceeds \(maximumHeaderLength) bytes")) }
        let headerLength = Int(declared)
        let header = Data(UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)]))
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw fail(.invalidJSON(error.localizedDescription))
        }
        guard let entries = object as? [String: Any] else { throw fail(.invalidJSON("the header is not a JSON object")) }
        let dataStart = 8 + headerLength, dataLength = bytes.count - dataStart

        var metadata: [String: String] = [:]
        var layout: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let map = value as? [String: Any], map.values.allSatisfy({ $0 is String }) else {
                    throw fail(.invalidHeader("__metadata__ must map strings to strings"))
                }
                metadata = map.mapValues { $0 as! String }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail(.invalidEntry(name: name, problem: "not a JSON object")) }
            guard let dtype = entry["dtype"] as? String else { throw fail(.invalidEntry(name: name, problem: "missing string \"dtype\"")) }
            guard let size = elementSizes[dtype] else { throw fail(.unknownDataType(name: name, dtype: dtype)) }
            guard let shape = integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail(.invalidEntry(name: name, problem: "\"shape\" must be a list of non-negative integers"))
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2 else {
                throw fail(.invalidEntry(name: name, problem: "\"data_offsets\" must be two integers"))
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataLength else {
                throw fail(.offsetsOutOfBounds(name: name, begin: begin, end: end, dataLength: dataLength))
            }
            let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, count.multipliedReportingOverflow(by: size).partialValue == end - begin,
                  !count.multipliedReportingOverflow(by: size).overflow else {
                throw fail(.invalidEntry(name: name, problem: "shape \(shape) of \(dtype) needs \(count) × \(size) bytes, offsets span \(end - begin)"))
            }
            layout.append((name, dtype, shape, begin, end))
        }
        layout.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for entry in layout {
            guard entry.begin == position else {
                let problem = entry.begin < position ? "overlaps the previous tensor" : "leaves a gap of \(entry.begin - position) bytes before it"
                throw fail(.nonContiguousData(name: entry.name, problem: "data at \(entry.begin)..<\(entry.end) \(problem)"))
            }
            position = entry.end
        }
        guard position == dataLength else {
            throw fail(.nonContiguousData(name: layout.last?.name ?? "(none)", problem: "the tensors cover \(position) of \(dataLength) data bytes"))
        }
        var tensors: [String: Tensor] = [:]
        for entry in layout {
            let source = UnsafeRawBufferPointer(rebasing: bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])
            tensors[entry.name] = convert(source, dtype: entry.dtype, shape: entry.shape)
        }
        return Archive(tensors: tensors, metadata: metadata, names: layout.map(\.name))
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in list {
            guard let number = item as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
            result.append(number.intValue)
        }
        return result
    }

    /// Little-endian `dtype` values to a Float32 tensor.
    private static func convert(_ source: UnsafeRawBufferPointer, dtype: String, shape: [Int]) -> Tensor {
        let tensor = Tensor(uninitializedShape: shape)
        let target = tensor.storage.pointer, count = tensor.count
        switch dtype {
        case "F32":
            for i in 0..<count { target[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case "F64":
            for i in 0..<count { target[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        case "F16":
            for i in 0..<count { target[i] = halfToFloat(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case "BF16":
            for i in 0..<count { target[i] = Float(bitPattern: UInt32(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
        case "I64":
            for i in 0..<count { target[i] = Float(Int64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
        case "I32":
            for i in 0..<count { target[i] = Float(Int32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case "I16":
            for i in 0..<count { target[i] = Float(Int16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
        case "I8":
            for i in 0..<count { target[i] = Float(Int8(bitPattern: source[i])) }
        default:  // U8, BOOL
            for i in 0..<count { target[i] = Float(source[i]) }
        }
        return tensor
    }

    /// IEEE 754 binary16 to Float32, subnormals, infinities and NaN included.
    static func halfToFloat(_ half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = Int(half >> 10) & 0x1F, mantissa = UInt32(half & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1.0p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    }

    /// Encodes tensors as F32 safetensors bytes; names are written in sorted order.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        let names = tensors.keys.sorted()
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(JSONValue.quoted($0)):\(JSONValue.quoted(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let end = offset + 4 * tensor.count
            parts.append("\(JSONValue.quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var data = Data(capacity: 8 + headerBytes.count + offset)
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for name in names {
            tensors[name]!.withUnsafeBufferPointer { values in
                var littleEndian = values.map { $0.bitPattern.littleEndian }
                littleEndian.withUnsafeMutableBytes { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Writes tensors to `url` atomically: a temporary file in the same folder, then a rename,
    /// so an interrupted write never leaves a half-written file at `url`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try writeAtomically(encode(tensors, metadata: metadata), to: url)
    }

    /// `data` to `url` atomically; `beforeRename` runs once the temporary file is complete
    /// (tests throw from it to interrupt the write).
    static func writeAtomically(_ data: Data, to url: URL, beforeRename: () throws -> Void = {}) throws {
        do {
            try AtomicFile.write(data, to: url, beforeRename: beforeRename)
        } catch let error as AtomicFileError {
            throw SafetensorsError(file: url.path, reason: .unwritable(error.detail))
        }
    }
}

/// A safetensors file that cannot be read or written, with the file and the reason.
public struct SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Equatable, Sendable {
        /// The file could not be opened.
        case unreadable(String)
        /// The file could not be written.
        case unwritable(String)
        /// Fewer bytes than the format needs.
        case truncated(String)
        /// The 8-byte length claims more header than the file holds.
        case headerLengthExceedsFile(declared: UInt64, available: Int)
        /// The header is not valid JSON (or not an object).
        case invalidJSON(String)
        /// The header is JSON but breaks the format's rules.
        case invalidHeader(String)
        /// One tensor's entry is malformed.
        case invalidEntry(name: String, problem: String)
        /// A `dtype` this reader does not know.
        case unknownDataType(name: String, dtype: String)
        /// `data_offsets` point outside the data section.
        case offsetsOutOfBounds(name: String, begin: Int, end: Int, dataLength: Int)
        /// Tensors overlap, leave gaps, or do not cover the data section.
        case nonContiguousData(name: String, problem: String)
    }

    /// The file path.
    public var file: String
    /// The problem.
    public var reason: Reason

    public var description: String {
        let detail: String
        switch reason {
        case .unreadable(let message): detail = "cannot be read: \(message)"
        case .unwritable(let message): detail = "cannot be written: \(message)"
        case .truncated(let message): detail = "is truncated: \(message)"
        case .headerLengthExceedsFile(let declared, let available):
            detail = "declares a \(declared)-byte header but only \(available) bytes follow the length"
        case .invalidJSON(let message): detail = "has a header that is not valid JSON: \(message)"
        case .invalidHeader(let message): detail = "has an invalid header: \(message)"
        case .invalidEntry(let name, let problem): detail = "has an invalid entry for tensor '\(name)': \(problem)"
        case .unknownDataType(let name, let dtype): detail = "stores tensor '\(name)' as unknown dtype '\(dtype)'"
        case .offsetsOutOfBounds(let name, let begin, let end, let dataLength):
            detail = "gives tensor '\(name)' data offsets [\(begin), \(end)] outside the \(dataLength)-byte data section"
        case .nonContiguousData(let name, let problem): detail = "has non-contiguous data at tensor '\(name)': \(problem)"
        }
        return "safetensors file \(file) \(detail)"
    }
}
