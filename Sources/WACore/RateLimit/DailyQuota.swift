/// A quota per UTC calendar day (e.g. an organization's ``PlanLimits/messagesPerDay``): a plain counter that
/// resets at 00:00 UTC. Unlike GCRA it does not refill gradually.
///
/// A clock that moves backwards never resets the counter (the stored day stays in force until its midnight
/// passes), so it cannot grant extra quota.
public struct DailyQuota: Sendable, Hashable {
    /// Units allowed per UTC day.
    public let limit: Int

    /// A quota of `limit` units per UTC day (0 allows nothing).
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` when `limit` is negative.
    public init(limit: Int) throws(WAError) {
        guard limit >= 0 else {
            throw WAError(.invalidArgument, "a daily quota must not be negative", field: "messagesPerDay")
        }
        self.limit = limit
    }

    /// The organization's daily message quota from its plan (or its overrides).
    public init(_ limits: PlanLimits) throws(WAError) {
        try self.init(limit: limits.messagesPerDay)
    }

    /// Evaluates `quantity` units at `now`; counts them only if they fit in the day's remaining quota.
    ///
    /// When refused, `retryAfter` is the time until the next UTC midnight, or `nil` when `quantity` exceeds the
    /// whole daily quota. `resetAfter` is always the time until that midnight.
    ///
    /// - Precondition: `quantity >= 0`.
    public func evaluate(_ state: inout DailyQuotaState?, now: RateLimitInstant, quantity: Int = 1) -> RateLimitDecision {
        precondition(quantity >= 0, "a quota quantity must not be negative")
        let today = now.utcDay
        // A state from a later day (the clock went back) stays in force: no extra quota.
        let current = state.flatMap { $0.day >= today ? $0 : nil } ?? DailyQuotaState(day: today, used: 0)
        let reset = RateLimitInstant.startOfUTCDay(current.day + 1) - now
        let limit = Int64(limit)
        let remaining = Swift.max(0, limit - current.used)
        let quantity = Int64(quantity)
        guard quantity <= remaining else {
            let status = RateLimitStatus(limit: self.limit, remaining: Int(remaining), resetAfter: reset)
            return .limited(retryAfter: quantity > limit ? nil : reset, status)
        }
        if quantity > 0 { state = DailyQuotaState(day: current.day, used: current.used + quantity) }
        return .allowed(RateLimitStatus(limit: self.limit, remaining: Int(remaining - quantity), resetAfter: reset))
    }

    /// The pure form of ``evaluate(_:now:quantity:)``.
    public func evaluated(
        _ state: DailyQuotaState?, now: RateLimitInstant, quantity: Int = 1
    ) -> (decision: RateLimitDecision, state: DailyQuotaState?) {
        var copy = state
        let decision = evaluate(&copy, now: now, quantity: quantity)
        return (decision, copy)
    }
}
