import Foundation
import HoneCore

// Small typed readers over `ConfigObject` used by every section of a training config.

extension ConfigObject {
    /// A float field.
    func float(_ key: String) throws -> Float? { try double(key).map(Float.init) }

    /// A number in `range`.
    func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = try double(key) else { return nil }
        guard range.contains(value) else {
            throw ConfigError.invalidValue(path: fieldPath(key), message: "must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// A number ≥ 0.
    func nonNegativeDouble(_ key: String) throws -> Double? {
        guard let value = try double(key) else { return nil }
        guard value >= 0 else { throw ConfigError.invalidValue(path: fieldPath(key), message: "must be ≥ 0, got \(value)") }
        return value
    }

    /// An array of integers.
    func intArray(_ key: String) throws -> [Int]? {
        guard let value = self[key] else { return nil }
        guard case .array(let items) = value else {
            throw ConfigError.wrongType(path: fieldPath(key), expected: "an array of integers", found: value.kindDescription)
        }
        return try items.enumerated().map { index, item in
            guard case .number(let number, _) = item, item.isInteger else {
                throw ConfigError.wrongType(path: "\(fieldPath(key))[\(index)]", expected: "an integer", found: item.kindDescription)
            }
            return Int(number)
        }
    }

    /// An array of numbers.
    func doubleArray(_ key: String) throws -> [Double]? {
        guard let value = self[key] else { return nil }
        guard case .array(let items) = value else {
            throw ConfigError.wrongType(path: fieldPath(key), expected: "an array of numbers", found: value.kindDescription)
        }
        return try items.enumerated().map { index, item in
            guard case .number(let number, _) = item else {
                throw ConfigError.wrongType(path: "\(fieldPath(key))[\(index)]", expected: "a number", found: item.kindDescription)
            }
            return number
        }
    }

    /// An array of strings.
    func stringArray(_ key: String) throws -> [String]? {
        guard let value = self[key] else { return nil }
        guard case .array(let items) = value else {
            throw ConfigError.wrongType(path: fieldPath(key), expected: "an array of strings", found: value.kindDescription)
        }
        return try items.enumerated().map { index, item in
            guard case .string(let text) = item else {
                throw ConfigError.wrongType(path: "\(fieldPath(key))[\(index)]", expected: "a string", found: item.kindDescription)
            }
            return text
        }
    }

    /// An object whose values are all strings.
    func stringDictionary(_ key: String) throws -> [String: String]? {
        guard let object = try object(key) else { return nil }
        var result: [String: String] = [:]
        for (name, _) in object.fields { result[name] = try object.string(name) }
        return result
    }

    /// A string that must be one of `choices`; a near miss is suggested.
    func choice(_ key: String, _ choices: [String]) throws -> String? {
        guard let value = try string(key) else { return nil }
        guard choices.contains(value) else {
            let hint = closestMatch(to: value, in: choices).map { "; did you mean '\($0)'?" } ?? " (valid: \(choices.joined(separator: ", ")))"
            throw ConfigError.invalidValue(path: fieldPath(key), message: "unknown value '\(value)'\(hint)")
        }
        return value
    }
}

/// A list entry of the form `{"name": {settings}}` (a layer or an augmentation): its
/// name and its settings object, with the path used in errors.
func namedEntry(_ value: JSONValue, path: String, valid: [String]) throws -> (name: String, settings: ConfigObject) {
    guard case .object(let fields) = value, fields.count == 1 else {
        throw ConfigError.wrongType(path: path, expected: "an object with one key naming the entry (like {\"\(valid[0])\": {}})", found: value.kindDescription)
    }
    let (name, settings) = fields[0]
    guard valid.contains(name) else {
        throw ConfigError.unknownField(path: "\(path).\(name)", suggestion: closestMatch(to: name, in: valid), valid: valid)
    }
    return (name, try ConfigObject(settings, path: "\(path).\(name)"))
}
