// libFuzzer harness: IDX files (MNIST's format) as `IDXArray(bytes:file:)` reads them.
// A parse either throws `DataError` or yields an array that encodes back to the same bytes.
import Foundation
import HoneData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let array = try IDXArray(bytes: bytes, file: "fuzz.idx")
        precondition(array.encoded == bytes, "IDX round trip changed the bytes")
        precondition(array.payload.count == array.count * array.dataType.byteWidth, "payload size disagrees with dimensions")
        let floats = array.floatValues()
        precondition(floats.count == array.count)
        _ = try array.integerValues()
    } catch is DataError {
    } catch {
        fatalError("IDX reader threw an untyped error: \(error)")
    }
    return 0
}
