extension WAError.Code {
    /// A rate limit refused the request (HTTP 429); retry after the indicated time.
    public static let rateLimited: WAError.Code = "rate_limited"
    /// The organization's daily message quota is used up (HTTP 429); it resets at 00:00 UTC.
    public static let quotaExceeded: WAError.Code = "quota_exceeded"
}

extension WAError {
    /// The error for a refused ``RateLimitDecision`` (``WAError/Code-swift.struct/rateLimited``), or `nil` when
    /// it was allowed. The message names the wait in whole seconds and nothing else.
    public static func rateLimited(_ decision: RateLimitDecision) -> WAError? {
        guard !decision.isAllowed else { return nil }
        return WAError(.rateLimited, Self.rateLimitMessage("rate limit exceeded", decision.retryAfterSeconds))
    }

    static func rateLimitMessage(_ prefix: String, _ retryAfterSeconds: Int64?) -> String {
        guard let retryAfterSeconds else { return "\(prefix); this request is larger than the limit allows" }
        return "\(prefix); retry after \(retryAfterSeconds) s"
    }
}
