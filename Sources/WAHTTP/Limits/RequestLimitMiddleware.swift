import HTTPTypes
import Logging
import OpenAPIRuntime
import WACore

/// Request limits (WACore's ``HTTPRequestLimits``, GCRA in the environment's rate-limit store, so every node of a
/// gateway shares them): a request with an API key counts against the key's limit, one with a session token against
/// its member's, any other request against its client address's. Runs after authentication, so it knows which.
///
/// Every limited operation's response carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
/// (seconds); a refused one is 429 `rate_limited` with `Retry-After`. `GET /health`, `GET /ready` and `GET /metrics`
/// are not limited (load balancers and scrapers poll them).
struct RequestLimitMiddleware: ServerMiddleware {
    /// Operations no limit applies to.
    static let exempt: Set<String> = ["getHealth", "getReadiness", "getMetrics"]

    let limiter: RequestLimiter

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @concurrent @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard !Self.exempt.contains(operationID) else { return try await next(request, body, metadata) }
        let decision = try await limiter.admit(principal: RequestPrincipal.current)
        let headers = RequestLimiter.headers(decision)
        if let refused = WAError.rateLimited(decision) {
            throw ProblemWithHeaders(error: refused, headers: headers)
        }
        var (response, responseBody) = try await next(request, body, metadata)
        for field in headers where response.headerFields[field.name] == nil {
            response.headerFields.append(field)
        }
        return (response, responseBody)
    }
}

/// Decides requests against ``HTTPRequestLimits`` in a rate-limit store.
struct RequestLimiter: Sendable {
    let limits: HTTPRequestLimits
    let store: any RateLimitStore
    let clock: any WallClock

    /// Counts one request: by API key when `principal` is a key's, by member when it is a sign-in session's (both
    /// against ``HTTPRequestLimits/perAPIKey``), by client address otherwise.
    func admit(principal: Principal?) async throws -> RateLimitDecision {
        let now = RateLimitInstant(clock.now())
        switch principal?.kind {
        case .apiKey(let key, _):
            return try await store.throttle(.apiKey(key), limit: limits.perAPIKey, quantity: 1, now: now)
        case .member(let member):
            return try await store.throttle(.member(member), limit: limits.perAPIKey, quantity: 1, now: now)
        case .system, nil:
            return try await store.throttle(clientKey, limit: limits.perIP, quantity: 1, now: now)
        }
    }

    /// Counts a failed authentication against the client address; the decision says whether the address is now
    /// over its limit.
    func admitFailure() async throws -> RateLimitDecision {
        try await store.throttle(clientKey, limit: limits.perIP, quantity: 1, now: RateLimitInstant(clock.now()))
    }

    private var clientKey: RateLimitKey {
        .ipAddress(RequestInfo.current?.clientAddress ?? "unknown")
    }

    /// Counts a failed authentication (``admitFailure()``) and throws 429 `rate_limited` with the limit's headers
    /// once the address is over its limit; returns otherwise, so the caller answers with its own refusal.
    func recordFailure() async throws {
        let decision = try await admitFailure()
        if let refused = WAError.rateLimited(decision) {
            throw ProblemWithHeaders(error: refused, headers: Self.headers(decision))
        }
    }

    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` of `decision`.
    static func headers(_ decision: RateLimitDecision) -> HTTPFields {
        var fields = HTTPFields()
        for header in decision.httpHeaders where header.name != "Retry-After" {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return fields
    }
}
