import Foundation

// Reading tuning configurations: a small JSON reader that keeps the order of object keys
// (the search space is suggested in the order it is written, so seeded runs repeat) and
// reports line and column, a field reader that rejects unknown or mistyped fields with a
// clear message (suggesting the closest valid name), and the search-space part that any
// `hone tune` configuration shares, whatever its objective.

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

    var isInteger: Bool {
        if case .number(let d, let text) = self {
            return !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) && abs(d) < 9e15
        }
        return false
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var i = 0

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

    mutating func array() throws -> JSONValue {
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

// MARK: - Search space

/// An ordered search space read from JSON, the part of a tuning configuration shared by
/// every objective (benchmark functions now, neural-network training later):
///
/// ```json
/// {"x": {"float": [-5, 10]}, "lr": {"float": [1e-4, 1e-1], "log": true},
///  "drop": {"float": [0, 0.5], "step": 0.1}, "depth": {"int": [1, 4]},
///  "units": {"int": [16, 512], "log": true}, "opt": {"categorical": ["sgd", "adam"]}}
/// ```
/// Parameters are suggested in the order written.
public struct SearchSpace: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var distribution: ParameterDistribution
    }

    public var parameters: [Parameter]

    public init(_ parameters: [(name: String, distribution: ParameterDistribution)]) {
        self.parameters = parameters.map { Parameter(name: $0.name, distribution: $0.distribution) }
    }

    /// The distributions by name (unordered).
    public var distributions: [String: ParameterDistribution] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.distribution) })
    }

    /// Reads a search space from JSON text.
    public static func parse(_ text: String, path: String = "search_space") throws -> SearchSpace {
        try SearchSpace(json: JSONValue.parse(text), path: path)
    }

    /// Reads a search space from a JSON object of parameter specs; errors name `path.param.field`.
    public init(json: JSONValue, path: String = "search_space") throws {
        let object = try ConfigObject(json, path: path)
        guard !object.fields.isEmpty else {
            throw ConfigError.invalidValue(path: path, message: "the search space has no parameter")
        }
        parameters = try object.fields.map { key, value in
            Parameter(name: key, distribution: try Self.distribution(value, path: object.fieldPath(key)))
        }
    }

    static let kinds = ["float", "int", "categorical"]

    static func distribution(_ value: JSONValue, path: String) throws -> ParameterDistribution {
        let spec = try ConfigObject(value, path: path)
        let present = kinds.filter(spec.has)
        guard present.count == 1, let kind = present.first else {
            if present.isEmpty, let unknown = spec.fields.first(where: { !["log", "step"].contains($0.key) }) {
                throw ConfigError.unknownField(
                    path: spec.fieldPath(unknown.key), suggestion: closestMatch(to: unknown.key, in: kinds + ["log", "step"]),
                    valid: kinds)
            }
            throw ConfigError.invalidValue(
                path: path, message: "give exactly one of \"float\", \"int\" or \"categorical\"")
        }
        switch kind {
        case "float":
            try spec.checkNoUnknownFields(allowed: ["float", "log", "step"])
            let (low, high): (Double, Double) = try bounds(spec, kind) { (v: JSONValue) -> Double? in
                guard case .number(let d, _) = v else { return nil }
                return d
            }
            let log = try spec.bool("log") ?? false
            let step = try spec.double("step")
            if log && low <= 0 {
                throw ConfigError.invalidValue(path: spec.fieldPath("float"), message: "a log range needs a positive lower bound")
            }
            if let step {
                guard step > 0 else { throw ConfigError.invalidValue(path: spec.fieldPath("step"), message: "must be positive") }
                if log { throw ConfigError.invalidValue(path: path, message: "\"step\" and \"log\" cannot be combined") }
            }
            var top = high
            if let step { top = min(high, low + ((high - low) / step + 1e-9).rounded(.down) * step) }
            return .float(low: low, high: top, log: log, step: step)
        case "int":
            try spec.checkNoUnknownFields(allowed: ["int", "log", "step"])
            let (low, high): (Int, Int) = try bounds(spec, kind) { (v: JSONValue) -> Int? in
                guard case .number(let d, _) = v, v.isInteger else { return nil }
                return Int(d)
            }
            let log = try spec.bool("log") ?? false
            let step = try spec.int("step", atLeast: 1) ?? 1
            if log && low < 1 {
                throw ConfigError.invalidValue(path: spec.fieldPath("int"), message: "a log range needs a lower bound ≥ 1")
            }
            if log && step != 1 { throw ConfigError.invalidValue(path: path, message: "\"step\" and \"log\" cannot be combined") }
            return .int(low: low, high: low + (high - low) / step * step, log: log, step: step)
        default:
            try spec.checkNoUnknownFields(allowed: ["categorical"])
            let choicesPath = spec.fieldPath("categorical")
            guard case .array(let items) = try spec.required("categorical") else {
                throw ConfigError.wrongType(path: choicesPath, expected: "an array of choices",
                                            found: spec["categorical"]!.kindDescription)
            }
            guard !items.isEmpty else { throw ConfigError.invalidValue(path: choicesPath, message: "no choices") }
            let choices: [CategoricalChoice] = try items.enumerated().map { k, item in
                switch item {
                case .string(let s): return .string(s)
                case .bool(let b): return .bool(b)
                case .number(let d, _): return item.isInteger ? .int(Int(d)) : .double(d)
                default:
                    throw ConfigError.wrongType(path: "\(choicesPath)[\(k)]", expected: "a string, number or boolean",
                                                found: item.kindDescription)
                }
            }
            guard Set(choices).count == choices.count else {
                throw ConfigError.invalidValue(path: choicesPath, message: "choices repeat")
            }
            return .categorical(choices)
        }
    }

    private static func bounds<T: Comparable>(
        _ spec: ConfigObject, _ kind: String, _ read: (JSONValue) -> T?
    ) throws -> (T, T) {
        let p = spec.fieldPath(kind)
        let expected = kind == "int" ? "an array of two integers [low, high]" : "an array of two numbers [low, high]"
        let v = try spec.required(kind)
        guard case .array(let items) = v else { throw ConfigError.wrongType(path: p, expected: expected, found: v.kindDescription) }
        guard items.count == 2 else {
            throw ConfigError.wrongType(path: p, expected: expected, found: "an array of \(items.count)")
        }
        guard let low = read(items[0]), let high = read(items[1]) else {
            let bad = read(items[0]) == nil ? items[0] : items[1]
            throw ConfigError.wrongType(path: p, expected: expected, found: "an array holding \(bad.kindDescription)")
        }
        guard low <= high else { throw ConfigError.invalidValue(path: p, message: "low is above high") }
        return (low, high)
    }

    /// Suggests every parameter of the space in order; returns the typed values in order.
    @discardableResult
    public func suggestAll(_ trial: Trial) throws -> [(name: String, value: ParameterValue)] {
        try parameters.map { p in
            (p.name, p.distribution.value(fromInternal: try trial.suggest(p.name, p.distribution)))
        }
    }
}

// MARK: - Writing JSON

extension JSONValue {
    /// A JSON value from plain Swift values (`Double`, `Int`, `String`, `Bool`, arrays,
    /// dictionaries — keys sorted —, `ParameterValue`, `nil`/`NSNull`).
    public init(any value: Any?) {
        switch value {
        case nil: self = .null
        case let v as JSONValue: self = v
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .number(Double(i), text: String(i))
        case let d as Double: self = d.isFinite ? .number(d, text: "\(d)") : .null
        case let s as String: self = .string(s)
        case let p as ParameterValue:
            switch p {
            case .float(let d): self = JSONValue(any: d)
            case .int(let i): self = JSONValue(any: i)
            case .string(let s): self = .string(s)
            case .bool(let b): self = .bool(b)
            }
        case let a as [Any]: self = .array(a.map { JSONValue(any: $0) })
        case let a as [Any?]: self = .array(a.map { JSONValue(any: $0) })
        case let o as [String: Any]:
            self = .object(o.keys.sorted().map { ($0, JSONValue(any: o[$0]!)) })
        default: self = .string("\(value!)")
        }
    }

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
        case .string(let s): out += Self.quote(s)
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
                out += (k == 0 ? "" : ",") + newline + Self.quote(field.key) + (indent == nil ? ":" : ": ")
                field.value.write(into: &out, indent: indent, level: level + 1)
            }
            out += close + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
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
