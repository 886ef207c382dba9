/// Checks a programmer error inside the math (a shape mismatch, an axis out of range)
/// and stops with `message` — in release builds too.
///
/// The standard library's `precondition` drops its message under `-O`, leaving a user
/// with a bare trap; Hone's errors must name both shapes, so this one goes through
/// `fatalError`, which always prints. It shadows the standard version in HoneCore and
/// in modules that import it.
@inlinable
@inline(__always)
public func precondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
    file: StaticString = #fileID, line: UInt = #line
) {
    if _slowPath(!condition()) { fatalError(message(), file: file, line: line) }
}

/// Stops with `message` — in release builds too (see ``precondition(_:_:file:line:)``).
@inlinable
public func preconditionFailure(_ message: @autoclosure () -> String = String(), file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message(), file: file, line: line)
}
