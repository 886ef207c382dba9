import Foundation

/// The few protocol-buffer wire encodings TensorBoard's event messages need, written by
/// hand: varints, 64- and 32-bit fixed numbers, length-delimited fields, packed doubles.
struct ProtobufEncoder {
    /// The message bytes so far.
    private(set) var bytes: [UInt8] = []

    /// The wire types used.
    private enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    private mutating func tag(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func littleEndian<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// An `int64` field (negative values take ten bytes, as in protobuf).
    mutating func int64(_ field: Int, _ value: Int64) {
        tag(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// A `double` field.
    mutating func double(_ field: Int, _ value: Double) {
        tag(field, .fixed64)
        littleEndian(value.bitPattern)
    }

    /// A `float` field.
    mutating func float(_ field: Int, _ value: Float) {
        tag(field, .fixed32)
        littleEndian(value.bitPattern)
    }

    /// A `string` field.
    mutating func string(_ field: Int, _ value: String) {
        bytesField(field, Array(value.utf8))
    }

    /// A `bytes` or embedded-message field.
    mutating func bytesField(_ field: Int, _ value: [UInt8]) {
        tag(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A packed `repeated double` field.
    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        tag(field, .lengthDelimited)
        varint(UInt64(values.count * 8))
        for value in values { littleEndian(value.bitPattern) }
    }
}
