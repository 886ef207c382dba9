import Foundation
import HoneCore

/// Paths inside a training configuration's JSON: reading a dotted field, listing the
/// fields (for suggestions), and making file names absolute so a configuration runs from anywhere.
extension TrainingConfig {
    /// The value at a path of object keys, `nil` when a key is missing.
    public static func value(at keys: [String], in json: JSONValue) -> JSONValue? {
        guard let key = keys.first else { return json }
        guard case .object(let fields) = json, let child = fields.first(where: { $0.key == key })?.value else { return nil }
        return value(at: Array(keys.dropFirst()), in: child)
    }

    /// Every dotted path to a non-object value of `json`.
    public static func leafPaths(_ json: JSONValue, prefix: String = "") -> [String] {
        guard case .object(let fields) = json else { return prefix.isEmpty ? [] : [prefix] }
        return fields.flatMap { leafPaths($0.value, prefix: prefix.isEmpty ? $0.key : "\(prefix).\($0.key)") }
    }

    /// The configuration with its relative file names made absolute, so it runs from anywhere.
    public static func absolutePaths(in json: JSONValue, base: URL) -> JSONValue {
        let pathFields = [
            ["data", "train_images"], ["data", "train_labels"], ["data", "test_images"], ["data", "test_labels"],
            ["data", "path"], ["data", "test_path"], ["data", "directory"], ["transfer", "pretrained"],
        ]
        var result = json
        for keys in pathFields {
            guard case .string(let text)? = value(at: keys, in: result), !text.hasPrefix("/") else { continue }
            let absolute = JSONValue.string(base.appendingPathComponent(text).standardizedFileURL.path)
            if let updated = try? TrainingConfig.applying([keys.joined(separator: "."): absolute], to: result) { result = updated }
        }
        return result
    }
}
