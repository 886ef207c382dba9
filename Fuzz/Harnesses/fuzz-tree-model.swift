// libFuzzer harness: tree model files (`TreeModel.decode(_:file:)`). The input is the
// payload (JSON header and trees); the harness frames it with the magic, version, length
// and a correct checksum, so the fuzzer reaches the checks behind the checksum. A file
// either throws `TreesError` or gives a model that predicts on every kind of row
// (numbers, NaN, any category) without a crash.
import Foundation
@testable import HoneTrees

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTreeModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let payload = Array(UnsafeBufferPointer(start: data, count: size))
    var file = TreeModel.fileMagic
    func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { file.append(contentsOf: $0) } }
    append(TreeModel.fileFormatVersion)
    append(UInt64(payload.count))
    append(fnv1a64(payload[...]))
    file += payload
    do {
        let model = try TreeModel.decode(Data(file), file: "fuzz.hnt")
        // Wide models are valid but slow to feed: predict on narrow ones only.
        guard model.featureCount <= 64 else { return 0 }
        let rows: [[Double]] = [
            Array(repeating: 0, count: model.featureCount), Array(repeating: .nan, count: model.featureCount),
            Array(repeating: 1e300, count: model.featureCount), Array(repeating: -3, count: model.featureCount),
            Array(repeating: 70, count: model.featureCount),
        ]
        let x = try FeatureMatrix(rows: rows)
        _ = try model.predictRaw(x)
        _ = try model.predict(x)
        if model.task != .regression { _ = try model.predictLabels(x) }
        let again = try TreeModel.decode(model.encoded(), file: "fuzz.hnt")
        precondition(again.encoded() == model.encoded(), "a decoded model encodes differently after a round trip")
    } catch is TreesError {
    } catch {
        fatalError("tree model reader threw an untyped error: \(error)")
    }
    return 0
}
