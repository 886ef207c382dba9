import Foundation

/// Appends little-endian numbers to a byte buffer.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Double) { append(value.bitPattern) }

    mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }
}

/// Reads little-endian numbers from a byte buffer, throwing when it runs out.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    private let file: String

    init(_ bytes: [UInt8], offset: Int = 0, file: String) {
        self.bytes = bytes
        self.offset = offset
        self.file = file
    }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw TreesError.corruptModelFile(file: file, detail: "truncated: needed \(count) more bytes at offset \(offset), \(remaining) left")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value: T = 0
        for (i, byte) in slice.enumerated() { value |= T(truncatingIfNeeded: byte) << (8 * i) }
        return value
    }

    mutating func double() throws -> Double { Double(bitPattern: try integer(UInt64.self)) }

    /// A count that must fit in what is left when each item takes `itemSize` bytes.
    mutating func count(of what: String, itemSize: Int) throws -> Int {
        let value = Int(try integer(UInt32.self))
        guard value * itemSize <= remaining else {
            throw TreesError.corruptModelFile(file: file, detail: "\(what) count \(value) exceeds the \(remaining) bytes left")
        }
        return value
    }
}

/// The 64-bit FNV-1a hash, the model file's checksum.
func fnv1a64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}
