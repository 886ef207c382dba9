import Foundation

/// The element types an IDX file can hold (the third byte of its magic number).
public enum IDXDataType: UInt8, Codable, Sendable, CaseIterable {
    /// Unsigned byte.
    case unsignedByte = 0x08
    /// Signed byte.
    case signedByte = 0x09
    /// Big-endian 16-bit signed integer.
    case short = 0x0B
    /// Big-endian 32-bit signed integer.
    case int = 0x0C
    /// Big-endian IEEE 754 single precision.
    case float = 0x0D
    /// Big-endian IEEE 754 double precision.
    case double = 0x0E

    /// The number of bytes one element takes.
    public var byteWidth: Int {
        switch self {
        case .unsignedByte, .signedByte: return 1
        case .short: return 2
        case .int, .float: return 4
        case .double: return 8
        }
    }
}

/// An n-dimensional array read from (or to be written to) an IDX file, the format of
/// MNIST and Fashion-MNIST.
///
/// The layout is a 4-byte magic number (`0, 0, dataType, rank`), `rank` big-endian
/// 32-bit dimension sizes, then the elements in row-major order, big-endian.
///
/// ```swift
/// let images = try IDXArray(contentsOf: URL(fileURLWithPath: "train-images-idx3-ubyte.gz"))
/// let pixels = images.floatValues(scale: 1 / 255)   // [60000 * 28 * 28]
/// ```
///
/// ### References
/// LeCun, Cortes & Burges, "The MNIST database of handwritten digits" (file format section).
public struct IDXArray: Equatable, Sendable {
    /// The element type.
    public let dataType: IDXDataType
    /// The size of each dimension.
    public let dimensions: [Int]
    /// The elements' bytes as stored (big-endian), row-major.
    public let payload: [UInt8]

    /// The number of elements.
    public var count: Int { dimensions.reduce(1, *) }

    /// Wraps already-encoded big-endian `payload` bytes.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when the payload size does not
    ///   match `dimensions` and `dataType`.
    public init(dataType: IDXDataType, dimensions: [Int], payload: [UInt8]) throws {
        guard dimensions.allSatisfy({ $0 >= 0 }), (1...255).contains(dimensions.count) else {
            throw DataError.invalidParameter(name: "IDX dimensions", detail: "need 1 to 255 non-negative sizes, got \(dimensions)")
        }
        let expected = dimensions.reduce(1, *) * dataType.byteWidth
        guard payload.count == expected else {
            throw DataError.invalidParameter(
                name: "IDX payload", detail: "dimensions \(dimensions) of \(dataType) need \(expected) bytes, got \(payload.count)")
        }
        self.dataType = dataType
        self.dimensions = dimensions
        self.payload = payload
    }

    /// An unsigned-byte array (the type of MNIST images and labels).
    public init(unsignedBytes: [UInt8], dimensions: [Int]) throws {
        try self.init(dataType: .unsignedByte, dimensions: dimensions, payload: unsignedBytes)
    }

    /// A big-endian float array.
    public init(floats: [Float], dimensions: [Int]) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(floats.count * 4)
        for value in floats {
            let bits = value.bitPattern
            bytes += [UInt8(bits >> 24), UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 8), UInt8(truncatingIfNeeded: bits)]
        }
        try self.init(dataType: .float, dimensions: dimensions, payload: bytes)
    }

    /// Reads and validates the IDX file at `url` (inflated first when it ends in `.gz`).
    ///
    /// A gzip file may inflate to no more than the size its header gives, so a
    /// decompression bomb stops after that many bytes instead of filling memory.
    ///
    /// - Throws: ``DataError`` naming the file when it is missing, its gzip stream is
    ///   damaged or inflates past the size in its header, its magic number or data type
    ///   is unknown, or its size disagrees with the dimensions in its header.
    public init(contentsOf url: URL) throws {
        guard FileAccess.isGzip(url) else {
            try self.init(bytes: try FileAccess.readBytes(at: url), file: url.path)
            return
        }
        let compressed = try FileAccess.readRawBytes(at: url)
        let header = try IDXHeader(
            try Gzip.decompressedPrefix(compressed, file: url.path, count: IDXHeader.maximumSize), file: url.path)
        let limit = min(header.fileSize, Gzip.defaultMaximumOutputBytes)
        try self.init(bytes: try Gzip.decompress(compressed, file: url.path, maximumOutputBytes: limit), file: url.path)
    }

    /// Parses IDX `bytes`; `file` names the source in errors.
    public init(bytes: [UInt8], file: String) throws {
        let header = try IDXHeader(bytes, file: file)
        guard bytes.count == header.fileSize else {
            throw DataError.sizeMismatch(file: file, expectedBytes: header.fileSize, actualBytes: bytes.count)
        }
        self.dataType = header.dataType
        self.dimensions = header.dimensions
        self.payload = Array(bytes[header.size...])
    }

    /// The encoded file: header then payload.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [0, 0, dataType.rawValue, UInt8(dimensions.count)]
        for size in dimensions {
            bytes += [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                      UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
        }
        return bytes + payload
    }

    /// Writes the array to `url` atomically, gzip-compressed when the name ends in `.gz`.
    public func write(to url: URL) throws {
        try FileAccess.writeBytes(encoded, to: url)
    }

    /// The elements as `Float`, multiplied by `scale` (1/255 maps bytes to [0, 1]).
    public func floatValues(scale: Float = 1) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            copyFloatValues(into: buffer.baseAddress!, scale: scale)
            initialized = count
        }
    }

    /// Writes the elements as `Float`, multiplied by `scale`, to `destination` (``count`` values).
    public func copyFloatValues(into destination: UnsafeMutablePointer<Float>, scale: Float = 1) {
        payload.withUnsafeBufferPointer { raw in
            guard let base = raw.baseAddress else { return }
            if dataType == .unsignedByte {
                for i in 0..<count { destination[i] = Float(base[i]) * scale }
            } else {
                for i in 0..<count { destination[i] = element(i, base) * scale }
            }
        }
    }

    /// The elements as integers (floating-point elements are truncated toward zero).
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` naming the element when a
    ///   floating-point element is NaN, infinite or beyond `Int`'s range.
    public func integerValues() throws -> [Int] {
        try payload.withUnsafeBufferPointer { raw in
            try (0..<count).map { i in
                switch dataType {
                case .unsignedByte: return Int(raw[i])
                case .signedByte: return Int(Int8(bitPattern: raw[i]))
                case .short: return Int(Int16(bitPattern: UInt16(raw[2 * i]) << 8 | UInt16(raw[2 * i + 1])))
                case .int: return Int(Int32(bitPattern: bigEndianWord(raw.baseAddress! + 4 * i)))
                case .float, .double:
                    let value = element(i, raw.baseAddress!)
                    guard let integer = Int(exactly: value.rounded(.towardZero)) else {
                        throw DataError.invalidParameter(
                            name: "IDX element \(i)", detail: "\(value) has no integer value")
                    }
                    return integer
                }
            }
        }
    }

    @inline(__always)
    private func bigEndianWord(_ p: UnsafePointer<UInt8>) -> UInt32 {
        UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
    }

    @inline(__always)
    private func element(_ i: Int, _ base: UnsafePointer<UInt8>) -> Float {
        switch dataType {
        case .unsignedByte: return Float(base[i])
        case .signedByte: return Float(Int8(bitPattern: base[i]))
        case .short: return Float(Int16(bitPattern: UInt16(base[2 * i]) << 8 | UInt16(base[2 * i + 1])))
        case .int: return Float(Int32(bitPattern: bigEndianWord(base + 4 * i)))
        case .float: return Float(bitPattern: bigEndianWord(base + 4 * i))
        case .double:
            let high = UInt64(bigEndianWord(base + 8 * i)), low = UInt64(bigEndianWord(base + 8 * i + 4))
            return Float(Double(bitPattern: high << 32 | low))
        }
    }
}

/// The header of an IDX file: magic number, data type and dimensions, checked, and the
/// size of the whole file they imply.
struct IDXHeader {
    /// The longest header: the magic number and 255 dimension sizes.
    static let maximumSize = 4 + 4 * 255

    let dataType: IDXDataType
    let dimensions: [Int]
    /// The header's own bytes.
    let size: Int
    /// The header and every element.
    let fileSize: Int

    /// Reads the header at the start of `bytes` (the rest of the file may be missing).
    init(_ bytes: [UInt8], file: String) throws {
        guard bytes.count >= 4 else {
            throw DataError.invalidHeader(file: file, detail: "\(bytes.count) bytes is shorter than the 4-byte magic number")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            let magic = bytes[0..<4].map { String(format: "%02x", $0) }.joined()
            throw DataError.invalidHeader(file: file, detail: "magic number 0x\(magic) does not start with two zero bytes")
        }
        guard let dataType = IDXDataType(rawValue: bytes[2]) else {
            throw DataError.invalidHeader(file: file, detail: String(format: "unknown data type code 0x%02x", bytes[2]))
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else {
            throw DataError.invalidHeader(file: file, detail: "zero dimensions")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DataError.invalidHeader(
                file: file, detail: "\(rank) dimensions need a \(headerSize)-byte header, file has \(bytes.count) bytes")
        }
        var dimensions = [Int]()
        var elementCount = 1
        for axis in 0..<rank {
            let offset = 4 + 4 * axis
            let size = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            dimensions.append(size)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int(Int32.max) * 16 else {
                throw DataError.invalidHeader(file: file, detail: "dimensions \(dimensions) are implausibly large")
            }
            elementCount = product
        }
        self.dataType = dataType
        self.dimensions = dimensions
        size = headerSize
        fileSize = headerSize + elementCount * dataType.byteWidth
    }
}
