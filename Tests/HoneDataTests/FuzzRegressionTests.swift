import Foundation
import HoneTestSupport
import Testing

@testable import HoneData

/// Inputs the fuzz harnesses (Fuzz/) found crashing a reader, kept as bytes: each must
/// now give a typed `DataError` instead.
@Suite struct DataFuzzRegressionTests {
    @Test func infiniteFloatElementHasNoIntegerValue() throws {
        // A float IDX file [2, 2] holding 0.5, -1, +infinity and 3e9: converting +infinity
        // to Int trapped.
        let bytes: [UInt8] = [
            0x00, 0x00, 0x0D, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
            0x3F, 0x00, 0x00, 0x00, 0xBF, 0x80, 0x00, 0x00, 0x7F, 0x80, 0x00, 0x00, 0x4F, 0x32, 0xD0, 0x5E,
        ]
        let array = try IDXArray(bytes: bytes, file: "inf.idx")
        let error = expectDataError { _ = try array.integerValues() }
        guard case .invalidParameter(let name, let detail) = error else { Issue.record("wrong error \(String(describing: error))"); return }
        #expect(name == "IDX element 2" && detail.contains("inf"))
    }

    @Test func finiteFloatElementsTruncateTowardZero() throws {
        let array = try IDXArray(floats: [2.75, -2.75, 3e9], dimensions: [3])
        #expect(try array.integerValues() == [2, -2, 3_000_000_000])
    }

    /// `compressed` with its trailer's declared size (ISIZE) replaced by `size`.
    static func withDeclaredSize(_ compressed: [UInt8], _ size: UInt32) -> [UInt8] {
        var bytes = compressed
        for index in 0..<4 { bytes[bytes.count - 4 + index] = UInt8(truncatingIfNeeded: size >> (8 * UInt32(index))) }
        return bytes
    }

    @Test func gzipBombThatUnderstatesItsSizeIsAnErrorNotAnAllocation() throws {
        // 8 MiB of zeros (about 8 KiB compressed) whose trailer claims 100 bytes.
        let honest = try Gzip.compress([UInt8](repeating: 0, count: 8 << 20))
        let lying = Self.withDeclaredSize(honest, 100)
        #expect(Gzip.declaredSize(lying) == 100)
        // Within the maximum the whole stream is counted, and zlib's length check rejects the trailer.
        guard case .corruptCompressedData(let file, _) = expectDataError({ _ = try Gzip.decompress(lying, file: "liar.gz") }) else {
            Issue.record("expected corrupt data")
            return
        }
        #expect(file == "liar.gz")
        // Past the maximum it stops there, without keeping the bytes.
        #expect(expectDataError { _ = try Gzip.decompress(lying, file: "liar.gz", maximumOutputBytes: 1 << 20) }
            == .decompressedTooLarge(file: "liar.gz", limit: 1 << 20))
        #expect(try Gzip.decompress(honest, file: "honest.gz").count == 8 << 20)
    }

    @Test func concatenatedMembersLargerThanTheLastOnesDeclaredSizeStillInflate() throws {
        // The trailer at the end gives only the last member's size (5 bytes); the first holds 1 MiB.
        let first = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }, second = Array("tail!".utf8)
        let joined = try Gzip.compress(first) + Gzip.compress(second)
        #expect(Gzip.declaredSize(joined) == 5)
        #expect(try Gzip.decompress(joined, file: "joined.gz") == first + second)
        #expect(expectDataError { _ = try Gzip.decompress(joined, file: "joined.gz", maximumOutputBytes: 1 << 19) }
            == .decompressedTooLarge(file: "joined.gz", limit: 1 << 19))
    }

    @Test func declaredSizeIsTrustedOnlyWhenItCannotHaveWrapped() {
        // 4,161,791 bytes × 1032 ≥ 2³²: a file that large may inflate past 4 GiB, where ISIZE wraps.
        #expect(Gzip.declaredSize([UInt8](repeating: 0, count: 4_161_791)) == nil)
        #expect(Gzip.declaredSize([UInt8](repeating: 1, count: 4_161_790)) == 0x0101_0101)
        #expect(Gzip.declaredSize([0x1f, 0x8b, 8]) == nil)
    }

    @Test func fashionMNISTImagesOfTheWrongTypeAreBlamedEvenWhenTheLabelsAreDamagedToo() throws {
        let directory = try TemporaryDirectory()
        // Images typed float (0x0D) with the right dimensions; a labels file with a bad magic number.
        let images = try IDXArray(floats: [Float](repeating: 0.5, count: 2 * 28 * 28), dimensions: [2, 28, 28])
        try images.write(to: directory.file("train-images-idx3-ubyte"))
        try FileAccess.writeBytes([1, 2, 3, 4, 0, 0, 0, 2, 0, 1], to: directory.file("train-labels-idx1-ubyte"))
        let error = expectDataError { _ = try FashionMNIST.load(split: .train, directory: directory.url) }
        guard case .invalidHeader(let file, let detail) = error else { Issue.record("wrong error \(String(describing: error))"); return }
        #expect(file == directory.file("train-images-idx3-ubyte").path)
        #expect(detail.contains("unsigned bytes") && detail.contains("float"))
    }
}
