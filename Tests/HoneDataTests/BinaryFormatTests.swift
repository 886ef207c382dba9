import Foundation
import HoneTestSupport
import Testing

@testable import HoneData

@Suite struct GzipTests {
    @Test func compressThenDecompressReturnsTheSameBytes() throws {
        var generator = SeededGenerator(seed: 3)
        let bytes = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: generator.next() % 7) }
        let compressed = try Gzip.compress(bytes)
        #expect(compressed.count < bytes.count)
        #expect(compressed[0] == 0x1f && compressed[1] == 0x8b)
        #expect(try Gzip.decompress(compressed, file: "memory") == bytes)
    }

    @Test func concatenatedMembersDecompressToTheConcatenation() throws {
        let first = Array("hello ".utf8), second = Array("world".utf8)
        let joined = try Gzip.compress(first) + Gzip.compress(second)
        #expect(try Gzip.decompress(joined, file: "memory") == first + second)
    }

    @Test func truncatedStreamIsReportedWithTheFileName() throws {
        let compressed = try Gzip.compress(Array(repeating: 42, count: 10_000))
        let error = expectDataError { _ = try Gzip.decompress(Array(compressed.prefix(compressed.count - 6)), file: "cut.gz") }
        guard case .corruptCompressedData(let file, let detail) = error else {
            Issue.record("wrong error \(String(describing: error))")
            return
        }
        #expect(file == "cut.gz")
        #expect(detail.contains("truncated"))
    }

    @Test func gzipBombStopsAtTheOutputCapWithTheFileName() throws {
        // 64 members of 1 MiB of zeros each: about 64 KiB that inflate to 64 MiB.
        let member = try Gzip.compress([UInt8](repeating: 0, count: 1 << 20))
        let bomb = [[UInt8]](repeating: member, count: 64).flatMap { $0 }
        #expect(bomb.count < 1 << 17)
        let error = expectDataError { _ = try Gzip.decompress(bomb, file: "bomb.gz", maximumOutputBytes: 3 << 20) }
        #expect(error == .decompressedTooLarge(file: "bomb.gz", limit: 3 << 20))
        #expect(error?.description.contains("bomb.gz") == true)
        #expect(try Gzip.decompress(bomb, file: "bomb.gz", maximumOutputBytes: 64 << 20).count == 64 << 20)
    }

    @Test func outputCapIsExactAndThePrefixStopsEarly() throws {
        let bytes = (0..<5_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let compressed = try Gzip.compress(bytes)
        #expect(try Gzip.decompress(compressed, file: "m", maximumOutputBytes: 5_000) == bytes)
        let error = expectDataError { _ = try Gzip.decompress(compressed, file: "m", maximumOutputBytes: 4_999) }
        #expect(error == .decompressedTooLarge(file: "m", limit: 4_999))
        #expect(try Gzip.decompressedPrefix(compressed, file: "m", count: 10) == Array(bytes.prefix(10)))
        #expect(try Gzip.decompressedPrefix(compressed, file: "m", count: 9_000) == bytes)
    }

    @Test func fileReaderPassesItsCapToTheGzipReader() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("big.csv.gz")
        try FileAccess.writeBytes([UInt8](repeating: 65, count: 100_000), to: url)
        #expect(try FileAccess.readBytes(at: url).count == 100_000)
        let error = expectDataError { _ = try FileAccess.readBytes(at: url, maximumDecompressedBytes: 1_000) }
        #expect(error == .decompressedTooLarge(file: url.path, limit: 1_000))
    }

    @Test func bytesThatAreNotGzipAreRejected() {
        let error = expectDataError { _ = try Gzip.decompress(Array("plain text".utf8), file: "x.gz") }
        #expect(error?.description.contains("x.gz") == true)
    }
}

@Suite struct IDXTests {
    @Test func unsignedBytesRoundTripPlainAndCompressed() throws {
        let directory = try TemporaryDirectory()
        let bytes: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        let array = try IDXArray(unsignedBytes: bytes, dimensions: [2, 3, 4])
        for name in ["images-idx3-ubyte", "images-idx3-ubyte.gz"] {
            try array.write(to: directory.file(name))
            let read = try IDXArray(contentsOf: directory.file(name))
            #expect(read == array)
            #expect(read.dimensions == [2, 3, 4])
            expectClose(read.floatValues(scale: 1 / 255), bytes.map { Float($0) / 255 })
        }
        // The header is the documented big-endian layout.
        let raw = try FileAccess.readRawBytes(at: directory.file("images-idx3-ubyte"))
        #expect(Array(raw.prefix(8)) == [0, 0, 0x08, 3, 0, 0, 0, 2])
    }

    @Test func gzipIDXMayInflateOnlyToTheSizeItsHeaderGives() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("bomb-idx1-ubyte.gz")
        // A header for 2 bytes followed by 8 MiB of zeros.
        let header: [UInt8] = [0, 0, 0x08, 1, 0, 0, 0, 2]
        try Data(try Gzip.compress(header + [UInt8](repeating: 0, count: 8 << 20))).write(to: url)
        let error = expectDataError { _ = try IDXArray(contentsOf: url) }
        #expect(error == .decompressedTooLarge(file: url.path, limit: 10))
        // One byte short of the header's size is still a size mismatch, as for a plain file.
        try Data(try Gzip.compress(header + [7])).write(to: url)
        #expect(expectDataError { _ = try IDXArray(contentsOf: url) } == .sizeMismatch(file: url.path, expectedBytes: 10, actualBytes: 9))
        // A damaged header is reported from the few bytes inflated to read it.
        try Data(try Gzip.compress([1, 2, 3, 4] + [UInt8](repeating: 0, count: 8 << 20))).write(to: url)
        guard case .invalidHeader(let file, _) = expectDataError({ _ = try IDXArray(contentsOf: url) }) else {
            Issue.record("expected an invalid header")
            return
        }
        #expect(file == url.path)
    }

    @Test func floatsRoundTripThroughBigEndianEncoding() throws {
        let directory = try TemporaryDirectory()
        let values: [Float] = [-1.5, 0, 3.25, 1e-3, 65504, -0.0625]
        try IDXArray(floats: values, dimensions: [3, 2]).write(to: directory.file("f.idx"))
        let read = try IDXArray(contentsOf: directory.file("f.idx"))
        #expect(read.dataType == .float)
        #expect(read.floatValues() == values)
        #expect(Array(read.payload.prefix(4)) == [0xBF, 0xC0, 0, 0])  // -1.5 big-endian
    }

    @Test func integerTypesDecodeSigned() throws {
        let shorts = try IDXArray(bytes: [0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x00], file: "s")
        #expect(try shorts.integerValues() == [-2, 256])
        let ints = try IDXArray(bytes: [0, 0, 0x0C, 1, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xF9], file: "i")
        #expect(try ints.integerValues() == [-7])
        let signed = try IDXArray(bytes: [0, 0, 0x09, 1, 0, 0, 0, 2, 0x80, 0x7F], file: "b")
        #expect(signed.floatValues() == [-128, 127])
    }

    @Test func wrongMagicIsAnInvalidHeader() {
        let error = expectDataError { _ = try IDXArray(bytes: [1, 0, 0x08, 1, 0, 0, 0, 1, 5], file: "bad-magic") }
        guard case .invalidHeader(let file, let detail) = error else { Issue.record("wrong error"); return }
        #expect(file == "bad-magic" && detail.contains("magic"))
    }

    @Test func unknownDataTypeIsAnInvalidHeader() {
        let error = expectDataError { _ = try IDXArray(bytes: [0, 0, 0x07, 1, 0, 0, 0, 1, 5], file: "bad-type") }
        guard case .invalidHeader(_, let detail) = error else { Issue.record("wrong error"); return }
        #expect(detail.contains("data type"))
    }

    @Test func dimensionsDisagreeingWithTheFileSizeAreReported() {
        // Header says 2 × 3 bytes, payload has 5.
        let error = expectDataError { _ = try IDXArray(bytes: [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5], file: "short") }
        #expect(error == .sizeMismatch(file: "short", expectedBytes: 18, actualBytes: 17))
        let header = expectDataError { _ = try IDXArray(bytes: [0, 0, 8, 3, 0, 0, 0, 2], file: "cut-header") }
        guard case .invalidHeader = header else { Issue.record("wrong error \(String(describing: header))"); return }
    }

    @Test func missingAndTruncatedFilesAreNamed() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("absent-idx1-ubyte.gz")
        #expect(expectDataError { _ = try IDXArray(contentsOf: missing) } == .fileNotFound(file: missing.path))

        let array = try IDXArray(unsignedBytes: Array(repeating: 7, count: 5000), dimensions: [5000])
        let compressed = try Gzip.compress(array.encoded)
        let truncated = directory.file("labels.gz")
        try Data(compressed.prefix(compressed.count / 2)).write(to: truncated)
        let error = expectDataError { _ = try IDXArray(contentsOf: truncated) }
        guard case .corruptCompressedData(let file, _) = error else { Issue.record("wrong error"); return }
        #expect(file == truncated.path)
    }
}

@Suite struct CIFAR10Tests {
    func tinyBatch(count: Int) -> (images: Tensor, labels: [Int]) {
        var generator = SeededGenerator(seed: 11)
        let pixels = (0..<(count * 3072)).map { _ in Float(generator.nextInt(below: 256)) / 255 }
        return (Tensor(shape: [count, 3, 32, 32], scalars: pixels), (0..<count).map { ($0 * 7) % 10 })
    }

    @Test func batchRoundTripKeepsLabelsAndChannelPlanes() throws {
        let directory = try TemporaryDirectory()
        let (images, labels) = tinyBatch(count: 3)
        try CIFAR10.writeBatch(images: images, labels: labels, to: directory.file("test_batch.bin"))
        let raw = try FileAccess.readRawBytes(at: directory.file("test_batch.bin"))
        #expect(raw.count == 3 * CIFAR10.recordSize)
        #expect(raw[CIFAR10.recordSize] == UInt8(labels[1]))
        // Record 1, green plane, pixel (row 2, column 5).
        #expect(Float(raw[CIFAR10.recordSize + 1 + 1024 + 2 * 32 + 5]) / 255 == images[1, 1, 2, 5])

        let read = try CIFAR10.load(split: .test, directory: directory.url)
        #expect(read.labels == labels)
        #expect(read.inputs.shape == [3, 3, 32, 32])
        expectClose(read.inputs.scalars, images.scalars, tolerance: 1e-6)
    }

    @Test func partialRecordIsASizeMismatch() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("data_batch_1.bin")
        try Data(repeating: 1, count: CIFAR10.recordSize + 100).write(to: url)
        #expect(expectDataError { _ = try CIFAR10.readBatch(at: url) }
            == .sizeMismatch(file: url.path, expectedBytes: 2 * CIFAR10.recordSize, actualBytes: CIFAR10.recordSize + 100))
    }

    @Test func labelAboveNineIsInvalid() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("bad.bin")
        var bytes = [UInt8](repeating: 0, count: 2 * CIFAR10.recordSize)
        bytes[CIFAR10.recordSize] = 12
        try Data(bytes).write(to: url)
        let error = expectDataError { _ = try CIFAR10.readBatch(at: url) }
        guard case .invalidLabel(let file, let index, let value, _) = error else { Issue.record("wrong error"); return }
        #expect(file == url.path && index == 1 && value == 12)
    }
}
