import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

/// The safetensors format: byte layout, round trips, a file written by Python's
/// `safetensors` library, and every kind of malformed file.
@Suite struct SafetensorsTests {
    private func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "safetensors"))
    }

    /// Builds a file from a header string and data bytes.
    private func file(header: String, data: [UInt8]) -> Data {
        var bytes = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    private func reason(of data: Data) -> SafetensorsError.Reason? {
        do {
            _ = try Safetensors.decode(data, file: "model.safetensors")
            return nil
        } catch let error as SafetensorsError {
            #expect(error.file == "model.safetensors" && error.description.contains("model.safetensors"))
            return error.reason
        } catch {
            return nil
        }
    }

    @Test func encodedBytesFollowTheSpecification() throws {
        let tensors = ["b": Tensor([1.5, -2]), "a": Tensor(shape: [1, 1], scalars: [0.25])]
        let data = Safetensors.encode(tensors, metadata: ["format": "pt"])
        let bytes = [UInt8](data)
        let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        #expect((8 + headerLength) % 8 == 0, "data starts 8-byte aligned")
        #expect(bytes.count == 8 + headerLength + 12)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
        #expect((json["__metadata__"] as? [String: String]) == ["format": "pt"])
        let a = try #require(json["a"] as? [String: Any]), b = try #require(json["b"] as? [String: Any])
        #expect(a["dtype"] as? String == "F32" && (a["shape"] as? [Int]) == [1, 1] && (a["data_offsets"] as? [Int]) == [0, 4])
        #expect((b["shape"] as? [Int]) == [2] && (b["data_offsets"] as? [Int]) == [4, 12])
        let dataStart = 8 + headerLength
        let values = (0..<3).map { i in
            Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[dataStart + 4 * i + $1]) << (8 * UInt32($1)) })
        }
        #expect(values == [0.25, 1.5, -2], "little-endian F32 in name order")
    }

    @Test func roundTripThroughAFileKeepsValuesShapesAndMetadata() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("weights.safetensors")
        let tensors = ["layer.weight": randomTensor([3, 4], seed: 1), "scalar": Tensor(7), "empty": Tensor.zeros([0, 3]), "name \"quoted\"": Tensor([1])]
        try Safetensors.write(tensors, metadata: ["epoch": "3"], to: url)
        let archive = try Safetensors.read(from: url)
        #expect(archive.metadata == ["epoch": "3"])
        #expect(Set(archive.tensors.keys) == Set(tensors.keys))
        for (name, tensor) in tensors {
            #expect(archive.tensors[name]?.shape == tensor.shape && archive.tensors[name]?.scalars == tensor.scalars)
        }
        // Overwriting replaces the file and leaves no temporary files behind.
        try Safetensors.write(["x": Tensor([2])], to: url)
        #expect(try Safetensors.read(from: url).tensors["x"]?.scalars == [2])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["weights.safetensors"])
    }

    @Test func failedWriteKeepsTheLastGoodFile() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("good.safetensors")
        try Safetensors.write(["x": Tensor([1, 2, 3])], metadata: ["epoch": "1"], to: url)
        let good = try Data(contentsOf: url)
        // A write of different content interrupted after its bytes are complete, just before they replace the file.
        struct Interrupted: Error {}
        let replacement = Safetensors.encode(["x": Tensor([4, 5, 6]), "y": Tensor([7])], metadata: ["epoch": "2"])
        #expect(replacement != good)
        #expect(throws: SafetensorsError.self) {
            try Safetensors.writeAtomically(replacement, to: url, beforeRename: { throw Interrupted() })
        }
        #expect(try Data(contentsOf: url) == good)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["good.safetensors"])
        // Without the interruption the same write replaces it.
        try Safetensors.writeAtomically(replacement, to: url)
        #expect(try Data(contentsOf: url) == replacement)
    }

    @Test func readsTheStateDictionaryWrittenByPython() throws {
        let archive = try Safetensors.read(from: fixture("sequential"))
        #expect(archive.metadata == ["format": "pt"])
        let weight = try #require(archive.tensors["0.weight"])
        #expect(weight.shape == [2, 3])
        expectClose(weight, (0..<6).map { Float($0) * 0.1 - 0.25 }, tolerance: 1e-7)
        #expect(archive.tensors["1.running_var"]?.scalars == [1.5, 4])
        #expect(archive.tensors["1.num_batches_tracked"]?.shape == [] && archive.tensors["1.num_batches_tracked"]?.item == 7)

        let model = Sequential { Linear(3, 2, seed: 0); BatchNorm1d(featureCount: 2) }
        let report = try model.load(from: fixture("sequential"))
        #expect(report.isExact && report.loaded.count == 7)
        model.eval()
        let y = model(Tensor([[1, 2, 3]]))
        // Linear then BatchNorm with the fixture's values, by hand.
        let linearOut: [Float] = [0.5 + (-0.25 * 1 + -0.15 * 2 + -0.05 * 3), -1.5 + (0.05 * 1 + 0.15 * 2 + 0.25 * 3)]
        let expected = [
            (linearOut[0] - 0.75) / (1.5 + 1e-5).squareRoot() * 2 - 0.125,
            (linearOut[1] + 0.5) / (4 + 1e-5).squareRoot() * 3 + 0.25,
        ]
        expectClose(y, expected, tolerance: 1e-5)
    }

    @Test func convertsEveryElementTypeFromPython() throws {
        let archive = try Safetensors.read(from: fixture("dtypes"))
        expectClose(archive.tensors["f64"]!, [Float(1.0 / 3.0), -2.5e10], tolerance: 1e-7)
        let half = archive.tensors["f16"]!.scalars
        #expect(Array(half.prefix(5)) == [1, -2, 0.333251953125, 5.9604645e-8, 65504])
        #expect(half[5] == .infinity)
        #expect(archive.tensors["i64"]!.scalars == [-3, 4, 5, -6] && archive.tensors["i64"]!.shape == [2, 2])
        #expect(archive.tensors["i32"]!.scalars == [2147483647, -7])
        #expect(archive.tensors["u8"]!.scalars == [0, 255, 17])
        #expect(archive.tensors["i8"]!.scalars == [-128, 127])
    }

    @Test func convertsBFloat16() throws {
        // 1.0 = 0x3F80, −2.5 = 0xC020, 0.0078125 = 0x3C00.
        let data = file(header: #"{"x":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}}"#, data: [0x80, 0x3F, 0x20, 0xC0, 0x00, 0x3C])
        #expect(try Safetensors.decode(data).tensors["x"]?.scalars == [1, -2.5, 0.0078125])
    }

    @Test func malformedFilesThrowTypedErrors() {
        let entry = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let good = file(header: entry, data: [UInt8](repeating: 0, count: 8))
        #expect(reason(of: good) == nil)

        if case .truncated = reason(of: Data([1, 2, 3])) {} else { Issue.record("short file") }
        if case .headerLengthExceedsFile(let declared, _) = reason(of: Data([0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0x7B])) {
            #expect(declared == 65535)
        } else { Issue.record("header length past the end") }
        if case .headerLengthExceedsFile = reason(of: Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])) {} else { Issue.record("huge header length") }
        if case .truncated = reason(of: good.prefix(good.count - 3)) {} else if case .offsetsOutOfBounds = reason(of: good.prefix(good.count - 3)) {} else {
            Issue.record("data cut short")
        }
        if case .invalidJSON = reason(of: file(header: "{\"x\": [", data: [])) {} else { Issue.record("bad JSON") }
        if case .invalidJSON = reason(of: file(header: "[1, 2]", data: [])) {} else { Issue.record("JSON array header") }
        if case .unknownDataType(let name, let dtype) = reason(of: file(header: #"{"x":{"dtype":"F8_E9","shape":[1],"data_offsets":[0,1]}}"#, data: [0])) {
            #expect(name == "x" && dtype == "F8_E9")
        } else { Issue.record("unknown dtype") }
        if case .offsetsOutOfBounds = reason(of: file(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0])) {} else {
            Issue.record("offsets past the data")
        }
        if case .offsetsOutOfBounds = reason(of: file(header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: [UInt8](repeating: 0, count: 8))) {} else {
            Issue.record("reversed offsets")
        }
        let overlapping = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        if case .nonContiguousData = reason(of: file(header: overlapping, data: [UInt8](repeating: 0, count: 8))) {} else { Issue.record("overlap") }
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        if case .nonContiguousData = reason(of: file(header: gap, data: [UInt8](repeating: 0, count: 12))) {} else { Issue.record("gap") }
        if case .nonContiguousData = reason(of: file(header: entry, data: [UInt8](repeating: 0, count: 12))) {} else { Issue.record("trailing bytes") }
        if case .invalidEntry = reason(of: file(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))) {} else {
            Issue.record("size mismatch")
        }
        if case .invalidEntry = reason(of: file(header: #"{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))) {} else {
            Issue.record("negative shape")
        }
        if case .invalidEntry = reason(of: file(header: #"{"x":{"dtype":"F32","shape":[2]}}"#, data: [UInt8](repeating: 0, count: 8))) {} else {
            Issue.record("missing offsets")
        }
        if case .invalidEntry = reason(of: file(header: #"{"x":{"dtype":"F32","shape":[4611686018427387904, 4],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))) {} else {
            Issue.record("overflowing shape")
        }
        if case .invalidHeader = reason(of: file(header: #"{"__metadata__":{"a":1}}"#, data: [])) {} else { Issue.record("non-string metadata") }
    }

    @Test func everyTruncationAndCorruptionIsCaughtWithoutCrashing() throws {
        let data = Safetensors.encode(["a": randomTensor([3, 2], seed: 3), "b": Tensor([1, 2, 3])], metadata: ["k": "v"])
        // A slice whose indices do not start at zero reads the same.
        let shifted = (Data([7, 7, 7]) + data).dropFirst(3)
        #expect(try Safetensors.decode(shifted).tensors["b"]?.scalars == [1, 2, 3])
        for length in 0..<data.count {
            #expect(throws: SafetensorsError.self, "prefix of \(length) bytes") { try Safetensors.decode(data.prefix(length)) }
        }
        var generator = SeededGenerator(seed: 4)
        for position in 0..<data.count {
            var corrupted = data
            corrupted[position] = UInt8(truncatingIfNeeded: generator.next())
            // Either a clean error or a readable archive; never a trap or a read out of bounds.
            do {
                let archive = try Safetensors.decode(corrupted)
                for tensor in archive.tensors.values { _ = tensor.scalars }
            } catch is SafetensorsError {}
        }
    }

    @Test func missingFileIsReportedWithItsPath() {
        let url = URL(fileURLWithPath: "/nonexistent-folder/none.safetensors")
        #expect {
            try Safetensors.read(from: url)
        } throws: { error in
            guard let error = error as? SafetensorsError, case .unreadable = error.reason else { return false }
            return error.file == url.path
        }
    }
}
