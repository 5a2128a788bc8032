/// A rate limiter's verdict on one request: a value the caller acts on (send, or answer 429).
public enum RateLimitDecision: Sendable, Hashable {
    /// The request passed and was counted.
    case allowed(RateLimitStatus)
    /// The request was refused and nothing was counted. `retryAfter` is how long to wait before the same
    /// request would pass, or `nil` when it can never pass (it is larger than the limit).
    case limited(retryAfter: Duration?, RateLimitStatus)

    /// Whether the request passed.
    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }

    /// The limit, remaining and reset-after of the (binding) limit.
    public var status: RateLimitStatus {
        switch self {
        case .allowed(let status), .limited(_, let status): status
        }
    }

    /// How long to wait before retrying; `nil` when allowed or when the request can never pass.
    public var retryAfter: Duration? {
        if case .limited(let retryAfter, _) = self { return retryAfter }
        return nil
    }

    /// Whether the request was refused because it can never pass (larger than the burst or the quota).
    public var isNeverAllowed: Bool {
        if case .limited(nil, _) = self { return true }
        return false
    }

    /// ``retryAfter`` rounded up to whole seconds, for a `Retry-After` header.
    public var retryAfterSeconds: Int64? { retryAfter?.rateLimitWholeSecondsRoundedUp }

    /// The response headers an HTTP layer should send: `RateLimit-Limit`, `RateLimit-Remaining`,
    /// `RateLimit-Reset` (seconds until reset) and, when limited and a retry can succeed, `Retry-After`
    /// (seconds). A limited response is `429 Too Many Requests`.
    public var httpHeaders: [(name: String, value: String)] {
        let status = status
        var headers: [(name: String, value: String)] = [
            ("RateLimit-Limit", String(status.limit)),
            ("RateLimit-Remaining", String(status.remaining)),
            ("RateLimit-Reset", String(status.resetAfterSeconds)),
        ]
        if let seconds = retryAfterSeconds { headers.append(("Retry-After", String(seconds))) }
        return headers
    }

    /// The more restrictive of two decisions about the same request (both limits must pass).
    ///
    /// A limited decision beats an allowed one; of two limited ones, the longer wait wins (never beats any wait);
    /// of two allowed ones, the one with fewer remaining wins (then the later reset). Ties keep `self`.
    public func mostRestrictive(_ other: RateLimitDecision) -> RateLimitDecision {
        switch (self, other) {
        case (.allowed, .limited): return other
        case (.limited, .allowed): return self
        case (.limited(let a, _), .limited(let b, _)):
            guard let a else { return self }
            guard let b else { return other }
            return b > a ? other : self
        case (.allowed(let a), .allowed(let b)):
            if b.remaining != a.remaining { return b.remaining < a.remaining ? other : self }
            return b.resetAfter > a.resetAfter ? other : self
        }
    }
}

extension RateLimitDecision {
    /// Sets the ``RateLimitStatus/tier`` the decision reports.
    mutating func setTier(_ tier: Int) {
        switch self {
        case .allowed(var status):
            status.tier = tier
            self = .allowed(status)
        case .limited(let retryAfter, var status):
            status.tier = tier
            self = .limited(retryAfter: retryAfter, status)
        }
    }
}

extension WAError {
    /// The error for a refused ``RateLimitDecision`` (``WAError/Code-swift.enum/rateLimited`` with the decision's
    /// ``RateLimitDecision/retryAfter``), or `nil` when it was allowed. The message names the wait in whole seconds
    /// and nothing else.
    public static func rateLimited(_ decision: RateLimitDecision) -> WAError? {
        guard !decision.isAllowed else { return nil }
        return WAError(
            .rateLimited, rateLimitMessage("rate limit exceeded", decision.retryAfter), retryAfter: decision.retryAfter)
    }

    /// `prefix` and the wait in whole seconds (rounded up), or that the request can never pass.
    static func rateLimitMessage(_ prefix: String, _ retryAfter: Duration?) -> String {
        guard let seconds = retryAfter?.rateLimitWholeSecondsRoundedUp else {
            return "\(prefix); this request is larger than the limit allows"
        }
        return "\(prefix); retry after \(seconds) s"
    }
}
