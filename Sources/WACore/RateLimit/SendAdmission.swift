public import Foundation

/// The limits an outbound message must pass, checked together at the moment it is sent: the organization's daily
/// quota, the account's hard caps (``SendCaps``, at the fraction the warm-up curve and the risk monitor allow:
/// ``SendLimits``), the pause after the account's previous send, and the per-recipient pair limit. A send is
/// counted in all of them or in none.
///
/// ```swift
/// let admission = try SendAdmission(organization: org, instance: instance, now: clock.now())
/// let keys = SendAdmission.Keys(organization: org.id, instance: instance.id, recipient: jid)
/// let decision = try await admission.admit(keys, in: store, now: RateLimitInstant(clock.now()),
///                                          pauseAfter: plan.gapAfter)
/// if let error = decision.error { throw error }   // 429 with decision.retryAfter
/// // … send, then:
/// try await SendAdmission.release(keys, in: store, now: RateLimitInstant(clock.now()), pause: plan.gapAfter)
/// ```
public struct SendAdmission: Sendable, Hashable {
    /// The default pair limit: one message every 6 seconds to the same chat from the same instance.
    public static let defaultRecipientLimit = RateLimit.constant(count: 1, per: .seconds(6), burst: 0)

    /// The organization's messages per UTC day.
    public var dailyQuota: DailyQuota
    /// The account's caps in force (already scaled by warm-up and throttle).
    public var instanceCaps: SendCaps
    /// The instance × recipient limit.
    public var recipientLimit: RateLimit

    /// Explicit limits.
    public init(
        dailyQuota: DailyQuota, instanceCaps: SendCaps, recipientLimit: RateLimit = SendAdmission.defaultRecipientLimit
    ) {
        self.dailyQuota = dailyQuota
        self.instanceCaps = instanceCaps
        self.recipientLimit = recipientLimit
    }

    /// The limits in force for `instance` of `organization` at `now`: the organization's ``Organization/limits``
    /// `messagesPerDay`, and the instance's caps as ``SendLimits`` computes them (configured limits × warm-up
    /// fraction × risk throttle).
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` for a zero or negative configured limit.
    public init(
        organization: Organization, instance: Instance, now: Date,
        recipientLimit: RateLimit = SendAdmission.defaultRecipientLimit
    ) throws(WAError) {
        try self.init(
            dailyQuota: DailyQuota(organization.limits),
            instanceCaps: SendCaps(SendLimits(instance: instance, organization: organization, at: now).effective),
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

    /// Decides a send of `quantity` messages at `now`; when every limit passes and `commit` is set, counts it in
    /// `state` and starts the account's pause: no further send before `now + pauseAfter`.
    ///
    /// When several limits refuse, the one with the longest wait is reported (a limit that can never pass beats
    /// any wait; ties: quota, then pause, then caps, then recipient).
    ///
    /// - Precondition: `quantity >= 1`.
    public func evaluate(
        _ state: inout SendAdmissionState, now: RateLimitInstant, quantity: Int = 1, pauseAfter: Duration = .zero,
        commit: Bool = true
    ) -> SendAdmissionDecision {
        precondition(quantity >= 1, "a send admission is about at least one send")
        let quota = dailyQuota.evaluated(state.quota, now: now, quantity: quantity)
        let caps = instanceCaps.decide(&state.instance, now: now, quantity: quantity)
        let recipient = recipientLimit.evaluated(state.recipient, now: now, quantity: quantity)
        let pause: RateLimitDecision =
            if let notBefore = state.instance?.notBefore, notBefore > now {
                .limited(retryAfter: notBefore - now, RateLimitStatus(limit: 1, remaining: 0, resetAfter: notBefore - now))
            } else {
                .allowed(RateLimitStatus(limit: 1, remaining: 0, resetAfter: pauseAfter))
            }

        if quota.decision.isAllowed && caps.isAllowed && recipient.decision.isAllowed && pause.isAllowed {
            if commit {
                instanceCaps.record(&state.instance, now: now, quantity: quantity)  // already decided above
                state.instance?.notBefore = pauseAfter > .zero ? now + pauseAfter : nil
                state.quota = quota.state
                state.recipient = recipient.state
            }
            return .admitted(quota: quota.decision.status, instance: caps.status, recipient: recipient.decision.status)
        }
        var denial: (limit: SendAdmissionDecision.Limit, decision: RateLimitDecision)? = nil
        let candidates: [(SendAdmissionDecision.Limit, RateLimitDecision)] = [
            (.dailyQuota, quota.decision),
            (.pause, pause),
            (.instanceRate(tier: caps.status.tier), caps),
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

    /// Decides a send in `store`, atomically across the three keys; with `commit` (the default) an admitted send
    /// is counted and starts the account's pause of `pauseAfter`. Without `commit` nothing is written: a check
    /// before the work that precedes a send (typing), which the send itself repeats.
    public func admit(
        _ keys: Keys, in store: some RateLimitStore, now: RateLimitInstant, quantity: Int = 1,
        pauseAfter: Duration = .zero, commit: Bool = true
    ) async throws(WAError) -> SendAdmissionDecision {
        try await store.update([keys.quota, keys.instance, keys.recipient], now: now) { stored in
            var state = SendAdmissionState(
                quota: stored[0]?.dailyQuota, instance: stored[1]?.sendPacing, recipient: stored[2]?.single)
            if commit { stored[1] = nil }  // the pacing state is referenced once, so recording does not copy it
            let decision = evaluate(
                &state, now: now, quantity: quantity, pauseAfter: pauseAfter, commit: commit)
            if commit {
                if decision.isAdmitted {
                    stored[0] = state.quota.map(RateLimitState.dailyQuota)
                    stored[2] = state.recipient.map(RateLimitState.init(single:))
                }
                stored[1] = state.instance.map(RateLimitState.sendPacing)
            }
            return decision
        }
    }

    /// Starts the pause after a send that has finished (succeeded or failed): the account sends nothing before
    /// `now + pause`. Never shortens a pause already in force.
    public static func release(
        _ keys: Keys, in store: some RateLimitStore, now: RateLimitInstant, pause: Duration
    ) async throws(WAError) {
        let notBefore = now + Swift.max(.zero, pause)
        try await store.update(keys.instance, now: now) { stored in
            var pacing = stored?.sendPacing ?? SendPacingState(log: SendLog(capacity: 1), horizon: .zero)
            stored = nil  // referenced once, so changing it does not copy the log
            pacing.notBefore = Swift.max(pacing.notBefore ?? notBefore, notBefore)
            stored = .sendPacing(pacing)
        }
    }
}
