import Foundation
import Testing

@testable import HoneCore

/// Inputs that crashed the JSON configuration reader (found by the fuzz harnesses in
/// Fuzz/), kept as bytes: each must now give a `ConfigError.syntax` with its position.
@Suite struct JSONConfigFuzzRegressionTests {
    /// Parses `bytes` and returns the syntax error's line, column and message.
    func syntaxError(_ bytes: [UInt8]) -> (line: Int, column: Int, message: String)? {
        do {
            _ = try JSONValue.parse(String(decoding: bytes, as: UTF8.self))
            Issue.record("parsed without an error")
        } catch ConfigError.syntax(let line, let column, let message) {
            return (line, column, message)
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return nil
    }

    @Test func highSurrogateFollowedByANonLowSurrogateIsASyntaxError() throws {
        // "\ud83d\ud0e0": the second escape is another high surrogate; subtracting 0xDC00
        // from it overflowed.
        let bytes: [UInt8] = Array(#"{"name": "caf\u00e9 \ud83d\ud0e0"}"#.utf8)
        let error = try #require(syntaxError(bytes))
        #expect(error.line == 1 && error.column == 27)
        #expect(error.message.contains("low surrogate"))
    }

    @Test func validSurrogatePairDecodesToOneScalar() throws {
        let value = try JSONValue.parse(#"["\ud83d\ude00"]"#)
        #expect(value == .array([.string("\u{1F600}")]))
    }

    @Test func nestingBeyondTheLimitIsASyntaxErrorNotAStackOverflow() throws {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        let error = try #require(syntaxError(bytes))
        #expect(error.message.contains("nesting deeper than 256"))
        #expect(error.column == 257)
    }

    @Test func nestingAtTheLimitStillParses() throws {
        let text = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        var value = try JSONValue.parse(text)
        var depth = 0
        while case .array(let items) = value, let first = items.first { value = first; depth += 1 }
        #expect(depth == 255)
    }
}
