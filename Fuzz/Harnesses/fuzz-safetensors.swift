// libFuzzer harness: safetensors checkpoints (`Safetensors.decode`), then loading the
// tensors into a small model as `Module.load(from:)` does. A decode either throws
// `SafetensorsError` or gives tensors that write and read back bit for bit.
import Foundation
import HoneNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    do {
        let archive = try Safetensors.decode(bytes, file: "fuzz.safetensors")
        precondition(Set(archive.names) == Set(archive.tensors.keys), "names and tensors disagree")
        let again = try Safetensors.decode(Safetensors.encode(archive.tensors, metadata: archive.metadata))
        precondition(again.metadata == archive.metadata, "metadata round trip")
        for (name, tensor) in archive.tensors {
            let copy = again.tensors[name]!
            precondition(copy.shape == tensor.shape, "shape round trip of \(name)")
            precondition(copy.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern), "value round trip of \(name)")
        }
        let model = Linear(2, 3, seed: 1)
        do {
            try model.load(archive.tensors, strict: true, source: "fuzz.safetensors")
        } catch is CheckpointError {
        }
        try model.load(archive.tensors, strict: false, renaming: ["model.": ""], source: "fuzz.safetensors")
    } catch is SafetensorsError {
    } catch {
        fatalError("safetensors reader threw an untyped error: \(error)")
    }
    return 0
}
