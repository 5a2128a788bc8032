/// Where rate-limit state lives: an atomic read-decide-write of one key (or a few keys together).
///
/// The decision logic is pure (``RateLimit``, ``TieredRateLimit``, ``DailyQuota``); a store only guarantees that
/// no other update of the same keys interleaves between reading the state and writing the result. Setting a
/// state to `nil` deletes it; a state whose ``RateLimitState/expiresAt`` is at or before `now` is handed to the
/// body as `nil` and may be dropped at any time. ``MemoryRateLimitStore`` is the in-process implementation; a
/// database adapter implements the same contract with one transaction (or one statement) per call.
///
/// The body runs while the store holds its locks: it must be quick and must not call the store again. It may run
/// more than once for one call (a store that decided on states it remembered and found them changed runs it again
/// on the stored ones): it must be a pure function of the states it is given, and only its last run counts.
public protocol RateLimitStore: Sendable {
    /// Atomically reads the state of `key`, lets `body` change it, and writes it back.
    func update<Result: Sendable>(
        _ key: RateLimitKey, now: RateLimitInstant, _ body: (inout RateLimitState?) -> Result
    ) async throws(WAError) -> Result

    /// Atomically reads the states of several distinct `keys`, lets `body` change them (same order as `keys`),
    /// and writes them all back: either every change is visible to later updates or none is.
    func update<Result: Sendable>(
        _ keys: [RateLimitKey], now: RateLimitInstant, _ body: (inout [RateLimitState?]) -> Result
    ) async throws(WAError) -> Result
}

extension RateLimitStore {
    /// Checks and counts a request of `quantity` against one GCRA limit (redis-cell's `CL.THROTTLE`).
    public func throttle(
        _ key: RateLimitKey, limit: RateLimit, quantity: Int = 1, now: RateLimitInstant
    ) async throws(WAError) -> RateLimitDecision {
        try await update(key, now: now) { stored in
            RateLimitState.evaluate(&stored, limit: limit, now: now, quantity: quantity)
        }
    }

    /// Checks and counts a request of `quantity` against every tier of `tiers`; counts nothing unless all pass.
    public func throttle(
        _ key: RateLimitKey, tiers: TieredRateLimit, quantity: Int = 1, now: RateLimitInstant
    ) async throws(WAError) -> RateLimitDecision {
        try await update(key, now: now) { stored in
            RateLimitState.evaluate(&stored, tiers: tiers, now: now, quantity: quantity)
        }
    }

    /// Checks and counts `quantity` units against a UTC-day quota.
    public func consume(
        _ key: RateLimitKey, quota: DailyQuota, quantity: Int = 1, now: RateLimitInstant
    ) async throws(WAError) -> RateLimitDecision {
        try await update(key, now: now) { stored in
            RateLimitState.evaluate(&stored, quota: quota, now: now, quantity: quantity)
        }
    }
}

extension RateLimitState {
    /// Runs a single `limit` on a stored state (tier 0; a state of another kind counts as no history).
    static func evaluate(
        _ stored: inout RateLimitState?, limit: RateLimit, now: RateLimitInstant, quantity: Int
    ) -> RateLimitDecision {
        var state = stored?.single
        let decision = limit.evaluate(&state, now: now, quantity: quantity)
        if decision.isAllowed && quantity > 0, let state { stored = RateLimitState(single: state) }
        return decision
    }

    /// Runs `tiers` on a stored state (a state of another kind counts as no history).
    static func evaluate(
        _ stored: inout RateLimitState?, tiers: TieredRateLimit, now: RateLimitInstant, quantity: Int
    ) -> RateLimitDecision {
        var state = stored?.gcra
        let decision = tiers.evaluate(&state, now: now, quantity: quantity)
        if decision.isAllowed && quantity > 0, let state { stored = .gcra(state) }
        return decision
    }

    /// Runs `quota` on a stored state (a state of another kind counts as no history).
    static func evaluate(
        _ stored: inout RateLimitState?, quota: DailyQuota, now: RateLimitInstant, quantity: Int
    ) -> RateLimitDecision {
        var state = stored?.dailyQuota
        let decision = quota.evaluate(&state, now: now, quantity: quantity)
        if decision.isAllowed && quantity > 0, let state { stored = .dailyQuota(state) }
        return decision
    }
}
