import HTTPTypes
import Logging
import OpenAPIRuntime
import WACore

/// Authenticates every operation except the public ones, and runs the operation with the principal bound
/// (``RequestPrincipal``). The credential is an API key (`wa_…`) or a session token from `POST /v1/auth/login`
/// (``SessionTokens``) as `Authorization: Bearer`; `X-Api-Key` carries API keys only.
///
/// An OpenAPI middleware, so it knows which operation a request is for: the public set is a list of operation ids
/// (the document marks the same operations `security: []`, and a test keeps the two equal). Every failure is the
/// same `401 unauthenticated`: the response never says whether the key or token was unknown, revoked, expired,
/// ended or malformed; the log does, at `info`.
struct AuthenticationMiddleware: ServerMiddleware {
    /// The operations anyone may call.
    static let publicOperations: Set<String> = [
        "getHealth", "getReadiness", "getOpenAPIDocument", "login", "requestPasswordReset", "confirmPasswordReset",
        "acceptInvitation", "getMetrics",
    ]

    let apiKeys: APIKeyService
    let team: TeamService
    let sessions: SessionTokens
    /// The bearer token `GET /metrics` requires, when one is configured.
    let metricsToken: String?
    /// Counts failed authentications against the client's address; `nil` when requests are not limited.
    let limiter: RequestLimiter?
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @concurrent @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if operationID == "getMetrics", let metricsToken {
            try requireMetricsToken(metricsToken, in: request.headerFields)
        }
        if Self.publicOperations.contains(operationID) {
            return try await next(request, body, metadata)
        }
        let principal = try await authenticate(request.headerFields, operationID: operationID)
        RequestInfo.current?.caller.record(principal)
        return try await RequestPrincipal.$current.withValue(principal) {
            try await next(request, body, metadata)
        }
    }

    /// Checks a scraper's static token in constant time; a wrong or missing one is the usual 401.
    private func requireMetricsToken(_ expected: String, in headers: HTTPFields) throws {
        guard let credential = try? Credential(headers: headers),
            ConstantTime.equals(Array(credential.token.utf8), Array(expected.utf8))
        else { throw Credential.rejected }
    }

    /// The principal of the request's credential. A failure counts against the client's address: once the
    /// address is over its limit, failures answer 429 instead of 401 (guessing keys from one address stays slow).
    private func authenticate(_ headers: HTTPFields, operationID: String) async throws -> Principal {
        do {
            let credential = try Credential(headers: headers)
            if credential.isAPIKey || credential.fromAPIKeyHeader {
                return try await apiKeys.authenticate(credential.token).principal
            }
            let session = try await sessions.verify(credential.token)
            return try await team.principal(for: session.member, in: session.organization, epoch: session.epoch)
        } catch let error as WAError where error.kind == .unauthenticated {
            logger.info(
                "authentication failed", metadata: ["operation": "\(operationID)", "reason": "\(error.code.rawValue)"])
            try await limiter?.recordFailure()
            throw Credential.rejected
        }
    }
}
