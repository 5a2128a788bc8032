import Testing
import WACore

/// Expects `body` to throw a ``WAError`` with `code`; returns the error (for checks of its field or message).
@discardableResult
func expectWAError<R>(
    _ code: WAError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> WAError? {
    let error = #expect(throws: WAError.self, comment, sourceLocation: sourceLocation) { try body() }
    if let error { #expect(error.code == code, comment, sourceLocation: sourceLocation) }
    return error
}

/// Expects `body` to throw a ``WAError`` with `code`; returns the error (for checks of its field or message).
@discardableResult
func expectWAError<R>(
    _ code: WAError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> R
) async -> WAError? {
    let error = await #expect(throws: WAError.self, comment, sourceLocation: sourceLocation) { try await body() }
    if let error { #expect(error.code == code, comment, sourceLocation: sourceLocation) }
    return error
}

