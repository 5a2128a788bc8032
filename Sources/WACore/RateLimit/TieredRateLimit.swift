/// Several GCRA limits on one key (e.g. 20/minute, 100/hour, 1000/day): a request passes only if every tier
/// passes, and a refused request consumes nothing in any tier.
///
/// ```swift
/// let tiers = try TieredRateLimit(InstanceRateLimits.standard)
/// var state: TieredRateLimitState? = nil
/// switch tiers.evaluate(&state, now: now) {
/// case .allowed(let status): print("remaining", status.remaining)          // the tightest tier
/// case .limited(let retryAfter, let status): print("tier", status.tier, "retry in", retryAfter as Any)
/// }
/// ```
///
/// The combined decision reports the binding tier: when limited, the one with the longest wait (a tier the
/// request can never pass beats any wait) — after that wait every tier passes; when allowed, the one with the
/// fewest remaining.
public struct TieredRateLimit: Sendable, Hashable {
    /// The tiers, 1 … ``TieredRateLimitState/capacity`` of them.
    public let tiers: [RateLimit]

    /// Tiers checked together.
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` unless there are 1 … 4 tiers.
    public init(_ tiers: [RateLimit]) throws(WAError) {
        guard (1...TieredRateLimitState.capacity).contains(tiers.count) else {
            throw WAError(
                .invalidArgument, "a tiered rate limit needs 1 to \(TieredRateLimitState.capacity) tiers",
                field: "tiers")
        }
        self.tiers = tiers
    }

    /// An instance's three numbers as GCRA tiers: `perMinute`/minute, `perHour`/hour and `perDay`/day, each with
    /// the whole period's allowance as its burst.
    ///
    /// GCRA tiers bound the sustained rate; after a long rest a tier lets its whole allowance through at once
    /// and then one request per `period / count`, so a window of a tier's length can see up to about twice its
    /// count. Sends are therefore not limited this way but by exact caps over sliding windows
    /// (``SendCaps``).
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` when a count is zero or negative.
    public init(_ limits: InstanceRateLimits) throws(WAError) {
        try self.init([
            RateLimit(count: limits.perMinute, per: .seconds(60)),
            RateLimit(count: limits.perHour, per: .seconds(3_600)),
            RateLimit(count: limits.perDay, per: .seconds(86_400)),
        ])
    }

    /// Every tier slowed down by `factor` (see ``RateLimit/scaled(by:)``).
    public func scaled(by factor: Double) -> TieredRateLimit {
        guard factor < 1 else { return self }
        return TieredRateLimit(unchecked: tiers.map { $0.scaled(by: factor) })
    }

    init(unchecked tiers: [RateLimit]) {
        self.tiers = tiers
    }

    /// Evaluates a request of `quantity` against every tier; commits to all tiers only if all pass.
    ///
    /// A refused request leaves `state` unchanged; `quantity == 0` only peeks. A state with fewer tiers than
    /// the policy (the policy gained a tier) treats the missing ones as rested.
    ///
    /// - Precondition: `quantity >= 0`.
    public func evaluate(
        _ state: inout TieredRateLimitState?, now: RateLimitInstant, quantity: Int = 1
    ) -> RateLimitDecision {
        let nowNanos = now.nanosecondsSinceEpoch
        let current = state ?? TieredRateLimitState()
        var updated = current
        var combined: RateLimitDecision? = nil
        var allAllowed = true
        for index in tiers.indices {
            let outcome = tiers[index].gcra(tat: current.raw(index), now: nowNanos, quantity: quantity)
            let decision = outcome.decision(limit: tiers[index], tier: index)
            combined = combined.map { $0.mostRestrictive(decision) } ?? decision
            if outcome.allowed {
                updated.setRaw(index, outcome.newTAT)
            } else {
                allAllowed = false
            }
        }
        if allAllowed && quantity > 0 { state = updated }
        // `tiers` is never empty, so `combined` is set.
        return combined ?? .allowed(RateLimitStatus(limit: 0, remaining: 0, resetAfter: .zero))
    }

    /// The pure form of ``evaluate(_:now:quantity:)``: returns the decision and the state to store.
    public func evaluated(
        _ state: TieredRateLimitState?, now: RateLimitInstant, quantity: Int = 1
    ) -> (decision: RateLimitDecision, state: TieredRateLimitState?) {
        var copy = state
        let decision = evaluate(&copy, now: now, quantity: quantity)
        return (decision, copy)
    }
}
