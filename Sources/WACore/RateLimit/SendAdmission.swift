/// The rate limits an outbound message must pass, checked together: the organization's daily quota, the
/// instance's anti-ban tiers (scaled by the risk monitor's throttle factor) and the per-recipient pair limit.
/// A send is counted in all of them or in none.
///
/// ```swift
/// let admission = try SendAdmission(organization: org, instance: instance)
/// let keys = SendAdmission.Keys(organization: org.id, instance: instance.id, recipient: jid)
/// let decision = try await admission.admit(keys, in: store, now: RateLimitInstant(clock.now()),
///                                          throttleFactor: instance.risk.throttleFactor)
/// if let error = decision.error { throw error }   // 429 with decision.retryAfter
/// ```
public struct SendAdmission: Sendable, Hashable {
    /// The default pair limit: one message every 6 seconds to the same chat from the same instance.
    public static let defaultRecipientLimit = RateLimit.constant(count: 1, per: .seconds(6), burst: 0)

    /// The organization's messages per UTC day.
    public var dailyQuota: DailyQuota
    /// The instance's tiers at full speed (throttle factor 1).
    public var instanceTiers: TieredRateLimit
    /// The instance × recipient limit.
    public var recipientLimit: RateLimit

    /// Explicit limits.
    public init(
        dailyQuota: DailyQuota, instanceTiers: TieredRateLimit,
        recipientLimit: RateLimit = SendAdmission.defaultRecipientLimit
    ) {
        self.dailyQuota = dailyQuota
        self.instanceTiers = instanceTiers
        self.recipientLimit = recipientLimit
    }

    /// The limits in force for `instance` of `organization`: the organization's ``Organization/limits``
    /// `messagesPerDay`, and the instance's ``Instance/rateLimits`` (or ``InstanceRateLimits/standard``).
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` for a zero or negative configured limit.
    public init(
        organization: Organization, instance: Instance,
        recipientLimit: RateLimit = SendAdmission.defaultRecipientLimit
    ) throws(WAError) {
        try self.init(
            dailyQuota: DailyQuota(organization.limits),
            instanceTiers: TieredRateLimit(instance.rateLimits ?? .standard),
            recipientLimit: recipientLimit)
    }

    /// The store keys of one send.
    public struct Keys: Sendable, Hashable {
        /// The organization quota key (``RateLimitKey/organizationMessages(_:)``).
        public var quota: RateLimitKey
        /// The instance tiers key (``RateLimitKey/instanceSends(_:)``).
        public var instance: RateLimitKey
        /// The pair key (``RateLimitKey/recipient(instance:chat:)`` or ``RateLimitKey/recipient(instance:jid:)``).
        public var recipient: RateLimitKey

        /// Keys given explicitly.
        public init(quota: RateLimitKey, instance: RateLimitKey, recipient: RateLimitKey) {
            self.quota = quota
            self.instance = instance
            self.recipient = recipient
        }

        /// The keys for a send by `instance` of `organization` to `chat`.
        public init(organization: OrganizationID, instance: InstanceID, chat: ChatID) {
            self.init(
                quota: .organizationMessages(organization), instance: .instanceSends(instance),
                recipient: .recipient(instance: instance, chat: chat))
        }

        /// The keys for a send by `instance` of `organization` to `recipient`.
        public init(organization: OrganizationID, instance: InstanceID, recipient: JID) {
            self.init(
                quota: .organizationMessages(organization), instance: .instanceSends(instance),
                recipient: .recipient(instance: instance, jid: recipient))
        }
    }

    /// Decides a send of `quantity` messages at `now`; updates `state` only when every limit passes.
    ///
    /// `throttleFactor` (the risk monitor's ``RiskState/throttleFactor``, `0 < f ≤ 1`) slows the instance tiers
    /// down (``TieredRateLimit/scaled(by:)``); the quota and the pair limit are not scaled. When several limits
    /// refuse, the one with the longest wait is reported (a limit that can never pass beats any wait; ties:
    /// quota, then instance, then recipient).
    ///
    /// - Precondition: `quantity >= 0`.
    public func evaluate(
        _ state: inout SendAdmissionState, now: RateLimitInstant, quantity: Int = 1, throttleFactor: Double = 1
    ) -> SendAdmissionDecision {
        let tiers = throttleFactor < 1 ? instanceTiers.scaled(by: throttleFactor) : instanceTiers
        let quota = dailyQuota.evaluated(state.quota, now: now, quantity: quantity)
        let instance = tiers.evaluated(state.instance, now: now, quantity: quantity)
        let recipient = recipientLimit.evaluated(state.recipient, now: now, quantity: quantity)

        if quota.decision.isAllowed && instance.decision.isAllowed && recipient.decision.isAllowed {
            state = SendAdmissionState(quota: quota.state, instance: instance.state, recipient: recipient.state)
            return .admitted(
                quota: quota.decision.status, instance: instance.decision.status,
                recipient: recipient.decision.status)
        }
        var denial: (limit: SendAdmissionDecision.Limit, decision: RateLimitDecision)? = nil
        let candidates: [(SendAdmissionDecision.Limit, RateLimitDecision)] = [
            (.dailyQuota, quota.decision),
            (.instanceRate(tier: instance.decision.status.tier), instance.decision),
            (.recipient, recipient.decision),
        ]
        for (limit, decision) in candidates where !decision.isAllowed {
            if let current = denial {
                if current.decision.mostRestrictive(decision) != current.decision { denial = (limit, decision) }
            } else {
                denial = (limit, decision)
            }
        }
        guard let denial else { preconditionFailure("a refused send has a refusing limit") }
        return .denied(denial.limit, retryAfter: denial.decision.retryAfter, denial.decision.status)
    }

    /// Decides and counts a send in `store`, atomically across the three keys.
    public func admit(
        _ keys: Keys, in store: some RateLimitStore, now: RateLimitInstant, quantity: Int = 1,
        throttleFactor: Double = 1
    ) async throws(WAError) -> SendAdmissionDecision {
        try await store.update([keys.quota, keys.instance, keys.recipient], now: now) { stored in
            var state = SendAdmissionState(
                quota: stored[0]?.dailyQuota, instance: stored[1]?.gcra,
                recipient: stored[2]?.single)
            let decision = evaluate(&state, now: now, quantity: quantity, throttleFactor: throttleFactor)
            if decision.isAdmitted && quantity > 0 {
                stored[0] = state.quota.map(RateLimitState.dailyQuota)
                stored[1] = state.instance.map(RateLimitState.gcra)
                stored[2] = state.recipient.map(RateLimitState.init(single:))
            }
            return decision
        }
    }
}
