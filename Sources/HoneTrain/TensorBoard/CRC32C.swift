/// CRC-32C (Castagnoli polynomial), the checksum of TFRecord framing, and TFRecord's
/// masked form of it.
///
/// The check value of `"123456789"` is `0xE3069283`; RFC 3720 (iSCSI), appendix B.4,
/// lists more test vectors.
public enum CRC32C {
    /// The byte-at-a-time table of the reflected polynomial 0x82F63B78.
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes`.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked CRC: rotated right by 15 bits plus a constant, so that a CRC
    /// stored inside checksummed data does not checksum to a fixed value.
    public static func masked<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
