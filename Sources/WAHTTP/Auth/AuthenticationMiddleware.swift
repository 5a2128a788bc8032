import HTTPTypes
import Logging
import OpenAPIRuntime
import WACore

/// Authenticates every operation except the public ones, and runs the operation with the principal bound
/// (``RequestPrincipal``).
///
/// An OpenAPI middleware, so it knows which operation a request is for: the public set is a list of operation ids
/// (the document marks the same operations `security: []`, and a test keeps the two equal). Every failure is the
/// same `401 unauthenticated`: the response never says whether the key was unknown, revoked, expired or malformed;
/// the log does, at `info`.
struct AuthenticationMiddleware: ServerMiddleware {
    /// The operations anyone may call.
    static let publicOperations: Set<String> = ["getHealth", "getReadiness", "getOpenAPIDocument"]

    let apiKeys: APIKeyService
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @concurrent @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if Self.publicOperations.contains(operationID) {
            return try await next(request, body, metadata)
        }
        let principal = try await authenticate(request.headerFields, operationID: operationID)
        return try await RequestPrincipal.$current.withValue(principal) {
            try await next(request, body, metadata)
        }
    }

    private func authenticate(_ headers: HTTPFields, operationID: String) async throws -> Principal {
        let credential = try Credential(headers: headers)
        do {
            return try await apiKeys.authenticate(credential.token).principal
        } catch let error as WAError where error.kind == .unauthenticated {
            logger.info(
                "authentication failed", metadata: ["operation": "\(operationID)", "reason": "\(error.code.rawValue)"])
            throw Credential.rejected
        }
    }
}
