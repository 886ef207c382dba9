// libFuzzer harness: the JSON configuration reader (`JSONValue.parse`) and the field
// reader (`ConfigObject`). A parse either throws `ConfigError` or gives a value that
// serializes and parses back equal; every typed accessor on every field either answers
// or throws `ConfigError`.
import Foundation
import HoneCore
import HoneTune  // the JSON writer (`serialized`) lives beside the search space

/// Reads every field of `value` (recursively) with every accessor.
func readAll(_ value: JSONValue, path: String) throws {
    switch value {
    case .object:
        let object = try ConfigObject(value, path: path)
        for (key, field) in object.fields {
            _ = try? object.string(key)
            _ = try? object.int(key)
            _ = try? object.int(key, atLeast: 1)
            _ = try? object.double(key)
            _ = try? object.positiveDouble(key)
            _ = try? object.bool(key)
            _ = try? object.required(key)
            if let child = try? object.object(key) { _ = child.fieldPath("x") }
            try readAll(field, path: object.fieldPath(key))
        }
        do {
            try object.checkNoUnknownFields(allowed: ["learning_rate", "batch_size", "epochs", "model"])
        } catch let error as ConfigError {
            _ = error.description
        }
    case .array(let items):
        for (index, item) in items.enumerated() { try readAll(item, path: "\(path)[\(index)]") }
    default:
        _ = value.kindDescription
        _ = value.isInteger
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let value = try JSONValue.parse(text)
        for indent in [2, nil] as [Int?] {
            let reread = try JSONValue.parse(value.serialized(indent: indent))
            precondition(reread == value, "JSON round trip changed the value")
        }
        try readAll(value, path: "")
    } catch let error as ConfigError {
        _ = error.description
    } catch {
        fatalError("JSON reader threw an untyped error: \(error)")
    }
    return 0
}
