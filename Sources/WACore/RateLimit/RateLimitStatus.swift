/// What a rate limiter tells the client about one limit: the numbers behind `RateLimit-*` headers (IETF draft-ietf-httpapi-ratelimit-headers).
public struct RateLimitStatus: Sendable, Hashable {
    /// The most requests that may pass at once (`RateLimit-Limit`; `burst + 1` for GCRA, the quota for a
    /// daily quota).
    public var limit: Int
    /// How many more unit requests would pass right now (`RateLimit-Remaining`).
    public var remaining: Int
    /// Time until the key is fully rested (GCRA) or the quota resets (`RateLimit-Reset`, as seconds).
    public var resetAfter: Duration
    /// The index of the tier this status describes in a ``TieredRateLimit`` (0 for a single limit).
    public var tier: Int

    /// A status with the given numbers.
    public init(limit: Int, remaining: Int, resetAfter: Duration, tier: Int = 0) {
        self.limit = limit
        self.remaining = remaining
        self.resetAfter = resetAfter
        self.tier = tier
    }

    /// ``resetAfter`` rounded up to whole seconds (never negative), as HTTP headers carry it.
    public var resetAfterSeconds: Int64 { resetAfter.rateLimitWholeSecondsRoundedUp }
}

extension Duration {
    /// Whole seconds, rounded up, clamped at 0: the form `Retry-After` and `RateLimit-Reset` use.
    var rateLimitWholeSecondsRoundedUp: Int64 {
        let nanos = rateLimitNanoseconds
        guard nanos > 0 else { return 0 }
        return nanos / 1_000_000_000 + (nanos % 1_000_000_000 == 0 ? 0 : 1)
    }
}
