// libFuzzer harness: CIFAR-10 binary batches (`CIFAR10.decode`). A batch either throws
// `DataError` or gives one label in 0...9 and 3072 pixels in [0, 1] per 3073-byte record.
import Foundation
@testable import HoneData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFAR(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let batch = try CIFAR10.decode([("fuzz.bin", bytes)])
        let records = bytes.count / CIFAR10.recordSize
        precondition(batch.count == records, "record count differs from the file size")
        for index in 0..<records {
            guard case .classIndex(let label) = batch.label(at: index) else { preconditionFailure("no class label") }
            precondition(label == Int(bytes[index * CIFAR10.recordSize]), "label differs from the record's first byte")
        }
    } catch is DataError {
    } catch {
        fatalError("CIFAR-10 reader threw an untyped error: \(error)")
    }
    return 0
}
