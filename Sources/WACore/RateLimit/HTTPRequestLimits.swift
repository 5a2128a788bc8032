/// Request limits for the HTTP front: one GCRA limit per client address and one per API key.
///
/// The address limit applies to every request (also unauthenticated ones); the API-key limit additionally to
/// authenticated ones. Both are checked together and a refused request counts in neither. The decision's
/// ``RateLimitStatus/tier`` says which limit is binding (0: address, 1: API key).
public struct HTTPRequestLimits: Sendable, Hashable {
    /// The global default per client address: 100 requests per 15 minutes.
    public static let defaultPerIP = RateLimit.constant(count: 100, per: .seconds(15 * 60))
    /// The default per API key: 600 requests per minute (10/s sustained, bursts of 600).
    public static let defaultPerAPIKey = RateLimit.constant(count: 600, per: .seconds(60))
    /// Both defaults.
    public static let standard = HTTPRequestLimits()

    /// The limit per client address.
    public var perIP: RateLimit
    /// The limit per API key; a member's sign-in sessions (session tokens) count against the same limit, per member.
    public var perAPIKey: RateLimit

    /// Limits per client address and per API key (by default ``defaultPerIP`` and ``defaultPerAPIKey``).
    public init(
        perIP: RateLimit = HTTPRequestLimits.defaultPerIP, perAPIKey: RateLimit = HTTPRequestLimits.defaultPerAPIKey
    ) {
        self.perIP = perIP
        self.perAPIKey = perAPIKey
    }

    /// Decides an authenticated request (pure): both states are updated only if both limits pass. For
    /// unauthenticated requests use ``evaluate(ip:now:quantity:)``.
    public func evaluate(
        ip: inout GCRAState?, apiKey: inout GCRAState?, now: RateLimitInstant, quantity: Int = 1
    ) -> RateLimitDecision {
        let byIP = perIP.evaluated(ip, now: now, quantity: quantity)
        let byKey = perAPIKey.evaluated(apiKey, now: now, quantity: quantity)
        var keyDecision = byKey.decision
        keyDecision.setTier(1)
        let combined = byIP.decision.mostRestrictive(keyDecision)
        if byIP.decision.isAllowed && byKey.decision.isAllowed {
            ip = byIP.state
            apiKey = byKey.state
        }
        return combined
    }

    /// Decides an unauthenticated request (pure).
    public func evaluate(ip: inout GCRAState?, now: RateLimitInstant, quantity: Int = 1) -> RateLimitDecision {
        perIP.evaluate(&ip, now: now, quantity: quantity)
    }

    /// Decides and counts a request in `store`: by `ip` (see ``RateLimitKey/ipAddress(_:)``) and, when
    /// authenticated, by `apiKey` (``RateLimitKey/apiKey(_:)``), atomically.
    public func admit(
        ip: RateLimitKey, apiKey: RateLimitKey?, in store: some RateLimitStore, now: RateLimitInstant,
        quantity: Int = 1
    ) async throws(WAError) -> RateLimitDecision {
        guard let apiKey else { return try await store.throttle(ip, limit: perIP, quantity: quantity, now: now) }
        return try await store.update([ip, apiKey], now: now) { stored in
            var ipState = stored[0]?.single
            var keyState = stored[1]?.single
            let decision = evaluate(ip: &ipState, apiKey: &keyState, now: now, quantity: quantity)
            if decision.isAllowed && quantity > 0 {
                stored[0] = ipState.map(RateLimitState.init(single:))
                stored[1] = keyState.map(RateLimitState.init(single:))
            }
            return decision
        }
    }
}
