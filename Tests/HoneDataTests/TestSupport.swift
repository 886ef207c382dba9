import Foundation
import HoneTestSupport
import Testing

@testable import HoneData


/// Expects `tensor` to hold `expected` within `tolerance`, element by element.
func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() where Swift.abs(a - e) > tolerance {
        Issue.record("element \(i): \(a), expected \(e)", sourceLocation: sourceLocation)
    }
}

/// Runs `body`, expects a `DataError`, and returns it with its message for further checks.
func expectDataError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> DataError? {
    do {
        try body()
        Issue.record("expected a DataError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DataError {
        return error
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
