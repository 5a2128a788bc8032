public import HTTPTypes

/// Which web pages (origins) may call the API from a browser, and what they may send and read: the answers to CORS
/// preflights and the headers on cross-origin responses.
///
/// Off by default (``GatewayHTTPServer/Configuration/cors`` is `nil`): browsers then refuse cross-origin calls,
/// which is right for an API that programs call with secret keys. Turn it on for a dashboard on another origin,
/// naming each origin exactly; there is no wildcard, because a page that may call the API with a member's session
/// token should be one the operator chose.
public struct CORSPolicy: Sendable, Hashable {
    /// Origins allowed to call, exactly as browsers send them: scheme, host and port when not the default
    /// (`https://app.example.com`, `http://localhost:5173`). Compared case-insensitively.
    public var allowedOrigins: Set<String>
    /// Request headers a page may send besides the CORS-safelisted ones.
    public var allowedHeaders: [HTTPField.Name]
    /// Response headers a page may read besides the CORS-safelisted ones.
    public var exposedHeaders: [HTTPField.Name]
    /// How long a browser may cache a preflight's answer.
    public var maxAge: Duration

    /// The request headers the API reads: credentials, JSON bodies, idempotency and SSE resumption.
    public static let defaultAllowedHeaders: [HTTPField.Name] = [
        .authorization, .contentType, HTTPField.Name("X-Api-Key")!, HTTPField.Name("Idempotency-Key")!,
        HTTPField.Name("Last-Event-ID")!, .range,
    ]
    /// The response headers a page needs: the request id, rate-limit state, `Retry-After`, `Location` and ranges.
    public static let defaultExposedHeaders: [HTTPField.Name] = [
        HTTPField.Name("X-Request-Id")!, HTTPField.Name("RateLimit-Limit")!, HTTPField.Name("RateLimit-Remaining")!,
        HTTPField.Name("RateLimit-Reset")!, .retryAfter, .location, .contentRange, .contentDisposition,
    ]

    /// A policy allowing `allowedOrigins`, with the default headers and a ten-minute preflight cache.
    public init(
        allowedOrigins: Set<String>, allowedHeaders: [HTTPField.Name] = CORSPolicy.defaultAllowedHeaders,
        exposedHeaders: [HTTPField.Name] = CORSPolicy.defaultExposedHeaders, maxAge: Duration = .seconds(600)
    ) {
        self.allowedOrigins = Set(allowedOrigins.map { $0.lowercased() })
        self.allowedHeaders = allowedHeaders
        self.exposedHeaders = exposedHeaders
        self.maxAge = maxAge
    }

    /// Whether `origin` (an `Origin` header's value) may call.
    public func allows(origin: String) -> Bool {
        allowedOrigins.contains(origin.lowercased())
    }
}
