// libFuzzer harness: gzip inflation (`Gzip.decompress`), then the inflated bytes as an IDX
// file, as `IDXArray(contentsOf:)` reads a `.gz`. What inflates must deflate and inflate
// back to the same bytes.
import Foundation
import HoneData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let inflated = try Gzip.decompress(bytes, file: "fuzz.gz")
        let again = try Gzip.decompress(try Gzip.compress(inflated), file: "round-trip.gz")
        precondition(again == inflated, "gzip round trip changed the bytes")
        let array = try IDXArray(bytes: inflated, file: "fuzz.gz")
        precondition(array.encoded == inflated, "IDX round trip changed the bytes")
    } catch is DataError {
    } catch {
        fatalError("gzip reader threw an untyped error: \(error)")
    }
    return 0
}
