import Foundation

// Reading JSON configurations (training, tuning): a small JSON reader that keeps the
// order of object keys and reports line and column, and a field reader that rejects
// unknown or mistyped fields with a clear message naming the field's path and
// suggesting the closest valid name.

// MARK: - Errors

/// A configuration problem, naming the field (as a dotted path) it is about.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case syntax(line: Int, column: Int, message: String)
    /// A field that is not one of the valid ones; `suggestion` is the closest valid name.
    case unknownField(path: String, suggestion: String?, valid: [String])
    case wrongType(path: String, expected: String, found: String)
    case missingField(path: String)
    case invalidValue(path: String, message: String)
    case unreadable(path: String, message: String)
    /// An error found in the configuration file at `path`.
    indirect case inFile(path: String, error: ConfigError)

    public var description: String {
        switch self {
        case .syntax(let line, let column, let message):
            return "JSON syntax error at line \(line), column \(column): \(message)"
        case .unknownField(let path, let suggestion, let valid):
            var s = "unknown field '\(path)'"
            if let suggestion {
                let parent = path.split(separator: ".").dropLast().joined(separator: ".")
                s += "; did you mean '\(parent.isEmpty ? "" : parent + ".")\(suggestion)'?"
            } else {
                s += " (valid: \(valid.joined(separator: ", ")))"
            }
            return s
        case .wrongType(let path, let expected, let found):
            return "field '\(path)' must be \(expected), found \(found)"
        case .missingField(let path):
            return "missing field '\(path)'"
        case .invalidValue(let path, let message):
            return "field '\(path)': \(message)"
        case .unreadable(let path, let message):
            return "cannot read \(path): \(message)"
        case .inFile(let path, let error):
            return "\(path): \(error.description)"
        }
    }
}

// MARK: - JSON

/// A parsed JSON value; objects keep their keys in file order.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number with its source text (to tell `3` from `3.0`).
    case number(Double, text: String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x, _), .number(let y, _)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// Parses JSON text.
    public static func parse(_ text: String) throws -> JSONValue {
        var p = JSONParser(Array(text.utf8))
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    /// What the value is, for error messages: "a string (\"abc\")", "an integer (3)", …
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "a boolean (\(b))"
        case .number(_, let text): return (isInteger ? "an integer" : "a number") + " (\(text))"
        case .string(let s): return "a string (\"\(s.count > 30 ? String(s.prefix(30)) + "…" : s)\")"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Whether this is a number with no fractional part.
    public var isInteger: Bool {
        if case .number(let d, let text) = self {
            return !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) && abs(d) < 9e15
        }
        return false
    }
}

private struct JSONParser {
    /// Deeper nesting is refused: the parser recurses per level, and no configuration
    /// needs more, so a hostile file cannot overflow the stack.
    static let maximumDepth = 256

    let bytes: [UInt8]
    var i = 0
    var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String) -> ConfigError {
        var line = 1, column = 1
        for b in bytes[0..<min(i, bytes.count)] {
            if b == 10 { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return .syntax(line: line, column: column, message: message)
    }

    mutating func skipSpace() {
        while i < bytes.count, [32, 9, 10, 13].contains(bytes[i]) { i += 1 }
    }

    mutating func value() throws -> JSONValue {
        guard i < bytes.count else { throw error("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Character(UnicodeScalar(bytes[i])))'")
        }
    }

    mutating func literal(_ word: String, _ v: JSONValue) throws -> JSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw error("expected \(word)") }
        i += w.count
        return v
    }

    mutating func number() throws -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        while i < bytes.count, "0123456789.eE+-".utf8.contains(bytes[i]) { i += 1 }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard let d = Double(text), d.isFinite else { i = start; throw error("invalid number '\(text)'") }
        return .number(d, text: text)
    }

    mutating func string() throws -> String {
        i += 1
        var out = [UInt8]()
        while true {
            guard i < bytes.count else { throw error("unterminated string") }
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { i -= 1; throw error("control character in a string") }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard i < bytes.count else { throw error("unterminated string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
                   bytes[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else {
                        i -= 6
                        throw error("a \\u high surrogate must be followed by a \\u low surrogate (DC00-DFFF)")
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: Array(String(UnicodeScalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
        else { throw error("invalid \\u escape") }
        i += 4
        return v
    }

    mutating func enterContainer() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
    }

    mutating func array() throws -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard i < bytes.count else { throw error("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw error("expected ',' or ']' in an array")
        }
    }

    mutating func object() throws -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        i += 1
        var fields: [(key: String, value: JSONValue)] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a field name in quotes") }
            let key = try string()
            if fields.contains(where: { $0.key == key }) { throw error("field '\(key)' appears twice") }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after '\(key)'") }
            i += 1
            skipSpace()
            fields.append((key, try value()))
            skipSpace()
            guard i < bytes.count else { throw error("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
            throw error("expected ',' or '}' in an object")
        }
    }
}

// MARK: - Field reader

/// Reads the fields of one JSON object by name, with typed accessors whose errors name the
/// field's full path, and ``checkNoUnknownFields(allowed:)`` for misspellings.
public struct ConfigObject {
    public let path: String
    public let fields: [(key: String, value: JSONValue)]

    public init(_ value: JSONValue, path: String) throws {
        guard case .object(let fields) = value else {
            throw ConfigError.wrongType(path: path.isEmpty ? "(top level)" : path, expected: "an object",
                                        found: value.kindDescription)
        }
        self.path = path
        self.fields = fields
    }

    public func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func has(_ key: String) -> Bool { fields.contains { $0.key == key } }

    public subscript(key: String) -> JSONValue? { fields.first { $0.key == key }?.value }

    /// Throws for the first field not in `allowed`, suggesting the closest allowed name.
    public func checkNoUnknownFields(allowed: [String]) throws {
        for (key, _) in fields where !allowed.contains(key) {
            throw ConfigError.unknownField(
                path: fieldPath(key), suggestion: closestMatch(to: key, in: allowed), valid: allowed)
        }
    }

    public func required(_ key: String) throws -> JSONValue {
        guard let v = self[key] else { throw ConfigError.missingField(path: fieldPath(key)) }
        return v
    }

    public func string(_ key: String) throws -> String? {
        guard let v = self[key] else { return nil }
        guard case .string(let s) = v else {
            throw ConfigError.wrongType(path: fieldPath(key), expected: "a string", found: v.kindDescription)
        }
        return s
    }

    public func int(_ key: String) throws -> Int? {
        guard let v = self[key] else { return nil }
        guard case .number(let d, _) = v, v.isInteger else {
            throw ConfigError.wrongType(path: fieldPath(key), expected: "an integer", found: v.kindDescription)
        }
        return Int(d)
    }

    public func double(_ key: String) throws -> Double? {
        guard let v = self[key] else { return nil }
        guard case .number(let d, _) = v else {
            throw ConfigError.wrongType(path: fieldPath(key), expected: "a number", found: v.kindDescription)
        }
        return d
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let v = self[key] else { return nil }
        guard case .bool(let b) = v else {
            throw ConfigError.wrongType(path: fieldPath(key), expected: "true or false", found: v.kindDescription)
        }
        return b
    }

    public func object(_ key: String) throws -> ConfigObject? {
        guard let v = self[key] else { return nil }
        return try ConfigObject(v, path: fieldPath(key))
    }

    /// An integer ≥ `minimum`.
    public func int(_ key: String, atLeast minimum: Int) throws -> Int? {
        guard let i = try int(key) else { return nil }
        guard i >= minimum else { throw ConfigError.invalidValue(path: fieldPath(key), message: "must be ≥ \(minimum), got \(i)") }
        return i
    }

    /// A number > 0.
    public func positiveDouble(_ key: String) throws -> Double? {
        guard let d = try double(key) else { return nil }
        guard d > 0 else { throw ConfigError.invalidValue(path: fieldPath(key), message: "must be positive, got \(d)") }
        return d
    }
}

/// The Levenshtein distance between two strings (insertions, deletions, substitutions).
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely
/// misspelling (at most a third of the longer word, and at least 2 edits allowed).
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(word, c)
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (match, d) = best else { return nil }
    let limit = max(2, max(word.count, match.count) / 3)
    return d <= limit ? match : nil
}

extension JSONValue {
    /// JSON text; numbers keep every digit (the shortest text that reads back the same
    /// `Double`), objects keep their order.
    public func serialized(indent: Int? = 2) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?, level: Int) {
        let newline = indent.map { "\n" + String(repeating: " ", count: $0 * (level + 1)) } ?? ""
        let close = indent.map { "\n" + String(repeating: " ", count: $0 * level) } ?? ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(_, let text): out += text
        case .string(let s): out += JSONValue.quoted(s)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (k, item) in items.enumerated() {
                out += (k == 0 ? "" : ",") + newline
                item.write(into: &out, indent: indent, level: level + 1)
            }
            out += close + "]"
        case .object(let fields):
            guard !fields.isEmpty else { out += "{}"; return }
            out += "{"
            for (k, field) in fields.enumerated() {
                out += (k == 0 ? "" : ",") + newline + JSONValue.quoted(field.key) + (indent == nil ? ":" : ": ")
                field.value.write(into: &out, indent: indent, level: level + 1)
            }
            out += close + "}"
        }
    }

    /// `text` as a JSON string literal: quoted, with quotes, backslashes and control
    /// characters escaped (the one escaping routine every JSON writer in Hone uses).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
