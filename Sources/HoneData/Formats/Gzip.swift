import CZlib

/// gzip compression and decompression over zlib's streaming `deflate`/`inflate` API.
///
/// Decompression accepts concatenated gzip members (as `cat a.gz b.gz` produces) and
/// reports a stream that ends before its trailer as truncated rather than returning
/// a silently short result.
public enum Gzip {
    /// zlib's window-bits value for a gzip wrapper (15-bit window, +16 selects gzip).
    private static let gzipWindowBits: Int32 = 15 + 16
    private static let chunkSize = 1 << 18

    /// The most bytes ``decompress(_:file:maximumOutputBytes:)`` inflates unless told
    /// otherwise: 4 GiB, far above any data set file it reads, and a bound on the memory a
    /// decompression bomb (a small file that inflates to terabytes) can take.
    public static let defaultMaximumOutputBytes = 1 << 32

    /// Inflates the gzip data `compressed`; `file` names the source in errors.
    ///
    /// Memory is bounded by the size the file's trailer declares (ISIZE, the last four
    /// bytes) when that size is exact, i.e. when the file is too small to inflate past
    /// 4 GiB where ISIZE wraps: output beyond it is not kept. Only when the data inflates
    /// past its declared size (a decompression bomb that lies, or concatenated members,
    /// where the trailer gives the last member's size) is the whole size counted without
    /// keeping it, and the data inflated again if that is within `maximumOutputBytes`.
    ///
    /// - Parameter maximumOutputBytes: the most bytes the data may inflate to.
    /// - Throws: ``DataError/corruptCompressedData(file:detail:)`` when the data is not
    ///   gzip, is damaged, or ends early; ``DataError/decompressedTooLarge(file:limit:)``
    ///   when it inflates to more than `maximumOutputBytes`.
    public static func decompress(
        _ compressed: [UInt8], file: String, maximumOutputBytes: Int = defaultMaximumOutputBytes
    ) throws -> [UInt8] {
        guard let declared = declaredSize(compressed), declared < maximumOutputBytes else {
            return try inflateMembers(compressed, file: file, limit: maximumOutputBytes, stopAtLimit: false)
        }
        do {
            return try inflateMembers(compressed, file: file, limit: declared, stopAtLimit: false)
        } catch DataError.decompressedTooLarge {
            // Throws when the whole exceeds the maximum; otherwise it fits and is kept.
            _ = try inflateMembers(compressed, file: file, limit: maximumOutputBytes, stopAtLimit: false, keepsOutput: false)
            return try inflateMembers(compressed, file: file, limit: maximumOutputBytes, stopAtLimit: false)
        }
    }

    /// The uncompressed size the trailer at the end of `compressed` declares, when it
    /// cannot have wrapped past 2³²: deflate inflates at most about 1032 bytes per input byte.
    static func declaredSize(_ compressed: [UInt8]) -> Int? {
        let n = compressed.count
        guard n >= 18, n * 1032 < 1 << 32 else { return nil }
        return Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16 | Int(compressed[n - 1]) << 24
    }

    /// The first `count` bytes the gzip data inflates to (all of them when it is shorter),
    /// inflating no further: enough to read a header that says how large the rest is.
    ///
    /// - Throws: ``DataError/corruptCompressedData(file:detail:)`` when the data is not
    ///   gzip, or is damaged or ends within those bytes.
    public static func decompressedPrefix(_ compressed: [UInt8], file: String, count: Int) throws -> [UInt8] {
        try inflateMembers(compressed, file: file, limit: count, stopAtLimit: true)
    }

    /// Inflates at most `limit` bytes: returns them when `stopAtLimit`, otherwise throws
    /// as soon as the output would grow past `limit`. Without `keepsOutput` the bytes are
    /// only counted (and an empty array returned), so checking a size takes no memory.
    private static func inflateMembers(_ compressed: [UInt8], file: String, limit: Int, stopAtLimit: Bool,
                                       keepsOutput: Bool = true) throws -> [UInt8] {
        precondition(limit >= 0, "Gzip: output limit \(limit) is negative")
        guard compressed.count >= 2, compressed[0] == 0x1f, compressed[1] == 0x8b else {
            throw DataError.corruptCompressedData(file: file, detail: "missing gzip magic bytes 1f 8b")
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, gzipWindowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError.corruptCompressedData(file: file, detail: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        var outputCount = 0
        // The gzip trailer stores the uncompressed size modulo 2^32; use it as a capacity
        // hint, bounded by deflate's maximum ratio (about 1032:1) and by the limit so a
        // damaged trailer cannot make us reserve gigabytes.
        if compressed.count >= 8 {
            let n = compressed.count
            let hint = Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16
                | Int(compressed[n - 1]) << 24
            if keepsOutput { output.reserveCapacity(min(hint, compressed.count * 1032, limit)) }
        }
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try compressed.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!)
            stream.avail_in = UInt32(input.count)
            while true {
                let remaining = limit - outputCount
                if stopAtLimit && remaining == 0 { return }
                // One byte past the limit is enough to tell that the data exceeds it.
                let window = stopAtLimit || remaining >= chunkSize ? min(chunkSize, remaining) : remaining + 1
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(window)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = window - Int(stream.avail_out)
                if keepsOutput { output.append(contentsOf: chunk[0..<produced]) }
                outputCount += produced
                if outputCount > limit {
                    throw DataError.decompressedTooLarge(file: file, limit: limit)
                }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    // Another gzip member may follow; anything else after the trailer is an error.
                    guard stream.avail_in > 0 else { return }
                    guard stream.next_in[0] == 0x1f else {
                        throw DataError.corruptCompressedData(
                            file: file, detail: "\(stream.avail_in) unexpected bytes after the gzip trailer")
                    }
                    guard inflateReset(&stream) == Z_OK else {
                        throw DataError.corruptCompressedData(file: file, detail: "zlib could not restart")
                    }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw DataError.corruptCompressedData(
                        file: file, detail: "stream ends early (truncated file) after \(outputCount) bytes")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw DataError.corruptCompressedData(file: file, detail: message)
                }
            }
        }
        return output
    }

    /// Compresses `bytes` into a single gzip member (zlib's default level).
    public static func compress(_ bytes: [UInt8], file: String = "<memory>") throws -> [UInt8] {
        var stream = z_stream()
        let started = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard started == Z_OK else {
            throw DataError.corruptCompressedData(file: file, detail: "zlib could not start deflating")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var source = bytes
        try source.withUnsafeMutableBufferPointer { input in
            stream.next_in = input.baseAddress
            stream.avail_in = UInt32(input.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return deflate(&stream, Z_FINISH)
                }
                output.append(contentsOf: chunk[0..<(chunkSize - Int(stream.avail_out))])
                if status == Z_STREAM_END { return }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    throw DataError.corruptCompressedData(file: file, detail: "deflate failed with status \(status)")
                }
            }
        }
        return output
    }
}
