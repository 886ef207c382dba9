import Foundation
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
}
