import Foundation
import HTTPTypes
import OpenAPIRuntime
import WACore

/// Refuses JSON request bodies that contain `null` (`400 malformed_request`), checked as the body streams in.
///
/// The document never allows `null` in a request: an optional field is left out. The generated decoder, though,
/// reads `null` as "absent", so without this check a body the document calls invalid would be accepted (and a
/// client could believe `"field": null` clears a value, which it never does).
struct JSONNullMiddleware: ServerMiddleware {
    static let refusal = WAError(
        .malformedRequest, "null is not a value in a request body: leave an optional field out instead")

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @concurrent @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body, Self.isJSON(request.headerFields[.contentType]) else {
            return try await next(request, body, metadata)
        }
        let checked = HTTPBody(NullCheckedChunks(base: body), length: body.length, iterationBehavior: .single)
        return try await next(request, checked, metadata)
    }

    /// `application/json` or a `+json` type, with or without parameters.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
        return type == "application/json" || type.hasSuffix("+json")
    }
}

/// The chunks of a JSON body, failing with ``JSONNullMiddleware/refusal`` at the chunk that holds a `null`.
struct NullCheckedChunks: AsyncSequence, Sendable {
    typealias Element = HTTPBody.ByteChunk
    let base: HTTPBody

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPBody.AsyncIterator
        var scanner = JSONNullScanner()

        mutating func next() async throws -> HTTPBody.ByteChunk? {
            guard let chunk = try await base.next(isolation: #isolation) else { return nil }
            if scanner.containsNull(chunk) { throw JSONNullMiddleware.refusal }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}
