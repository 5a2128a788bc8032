/// What a ``RateLimitStore`` keeps for one key: a few words for GCRA limits and quotas; for an account's sends,
/// the log its hard caps are decided from (``SendPacingState``, at most the largest cap's count of instants).
public enum RateLimitState: Sendable, Hashable {
    /// GCRA TATs, one per tier (a single limit uses tier 0).
    case gcra(TieredRateLimitState)
    /// A calendar-day quota counter.
    case dailyQuota(DailyQuotaState)
    /// An account's recent sends and the pause before its next one.
    case sendPacing(SendPacingState)

    /// From this instant on the state is equivalent to no state; a store may drop it.
    public var expiresAt: RateLimitInstant {
        switch self {
        case .gcra(let state): state.expiresAt
        case .dailyQuota(let state): state.expiresAt
        case .sendPacing(let state): state.expiresAt
        }
    }

    /// The GCRA TATs, or `nil` for another kind of state.
    public var gcra: TieredRateLimitState? {
        if case .gcra(let state) = self { return state }
        return nil
    }

    /// The send log and pause, or `nil` for another kind of state.
    public var sendPacing: SendPacingState? {
        if case .sendPacing(let state) = self { return state }
        return nil
    }

    /// The quota counter, or `nil` for another kind of state.
    public var dailyQuota: DailyQuotaState? {
        if case .dailyQuota(let state) = self { return state }
        return nil
    }
}

extension RateLimitState {
    /// A single GCRA limit's state, stored as tier 0.
    init(single state: GCRAState) {
        var tats = TieredRateLimitState()
        tats[0] = state.tat
        self = .gcra(tats)
    }

    /// Tier 0 as a single GCRA limit's state (`nil` when absent or of another kind).
    var single: GCRAState? {
        gcra?[0].map(GCRAState.init(tat:))
    }
}
