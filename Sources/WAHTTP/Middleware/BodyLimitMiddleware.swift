import HTTPTypes
import OpenAPIRuntime
import WACore

/// Enforces ``BodyLimits``: a declared `Content-Length` over the operation's limit is refused before the body is
/// read; a body without one is counted as it streams and fails when it passes the limit.
struct BodyLimitMiddleware: ServerMiddleware {
    let limits: BodyLimits

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @concurrent @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, body, metadata) }
        let limit = limits.limit(for: operationID)
        let tooLarge = WAError(.requestTooLarge, "the request body is larger than this operation accepts (\(limit) bytes)")
        if case .known(let length) = body.length, length > limit {
            throw tooLarge
        }
        let limited = HTTPBody(
            LimitedChunks(base: body, limit: limit, error: tooLarge), length: body.length, iterationBehavior: .single)
        return try await next(request, limited, metadata)
    }
}

/// The chunks of a body, failing with `error` as soon as more than `limit` bytes have arrived.
struct LimitedChunks: AsyncSequence, Sendable {
    typealias Element = HTTPBody.ByteChunk
    let base: HTTPBody
    let limit: Int
    let error: WAError

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPBody.AsyncIterator
        let limit: Int
        let error: WAError
        var seen = 0

        mutating func next() async throws -> HTTPBody.ByteChunk? {
            guard let chunk = try await base.next(isolation: #isolation) else { return nil }
            seen += chunk.count
            if seen > limit { throw error }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit, error: error)
    }
}
