/// Reads rate-limit state without changing it: how a transaction sees the store's rate-limit state
/// (``StoreTransaction/rateLimits``).
///
/// A decision that only gates a write (the daily quota checked when a send is accepted, counted later when the
/// message is sent) reads the state through the transaction that writes, so it needs no second connection. The
/// state read is what was committed when the call ran (PostgreSQL: a plain `SELECT` in the transaction).
public protocol RateLimitReader: Sendable {
    /// The state of `key`, or `nil` when there is none or it has expired at `now`.
    func state(of key: RateLimitKey, now: RateLimitInstant) async throws(WAError) -> RateLimitState?
}

extension RateLimitReader {
    /// Decides `quantity` units against `quota` on the state of `key` without counting them.
    public func check(
        _ key: RateLimitKey, quota: DailyQuota, quantity: Int = 1, now: RateLimitInstant
    ) async throws(WAError) -> RateLimitDecision {
        let stored = try await state(of: key, now: now)
        return quota.evaluated(stored?.dailyQuota, now: now, quantity: quantity).decision
    }
}
