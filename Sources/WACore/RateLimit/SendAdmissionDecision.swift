/// Whether an outbound message may be sent now, and if not, which limit refused it.
public enum SendAdmissionDecision: Sendable, Hashable {
    /// Every limit passed and the send was counted in each.
    case admitted(quota: RateLimitStatus, instance: RateLimitStatus, recipient: RateLimitStatus)
    /// A limit refused the send and nothing was counted anywhere. `retryAfter` is the wait after which every
    /// limit would pass (`nil`: never, e.g. more messages than the daily quota); the status is the binding limit's.
    case denied(Limit, retryAfter: Duration?, RateLimitStatus)

    /// The limits a send must pass.
    public enum Limit: Sendable, Hashable {
        /// The organization's messages per UTC day (plan quota).
        case dailyQuota
        /// One of the account's hard caps (0: per minute, 1: per hour, 2: per day for the standard caps).
        case instanceRate(tier: Int)
        /// The pause after the account's previous send (the behaviour plan's gap).
        case pause
        /// The per-recipient pair limit (same instance, same chat).
        case recipient
    }

    /// Whether the send was admitted.
    public var isAdmitted: Bool {
        if case .admitted = self { return true }
        return false
    }

    /// How long to wait before retrying; `nil` when admitted or when the send can never pass.
    public var retryAfter: Duration? {
        if case .denied(_, let retryAfter, _) = self { return retryAfter }
        return nil
    }

    /// The limit that refused the send, or `nil` when admitted.
    public var deniedBy: Limit? {
        if case .denied(let limit, _, _) = self { return limit }
        return nil
    }

    /// The error to report for a denial (``WAError/Code-swift.enum/quotaExceeded`` for the daily quota,
    /// ``WAError/Code-swift.enum/rateLimited`` otherwise, each with this decision's ``retryAfter``), or `nil` when
    /// admitted.
    public var error: WAError? {
        guard case .denied(let limit, let retryAfter, _) = self else { return nil }
        let (code, prefix): (WAError.Code, String) =
            switch limit {
            case .dailyQuota: (.quotaExceeded, "daily message quota exceeded")
            case .instanceRate: (.rateLimited, "instance send rate exceeded")
            case .pause: (.rateLimited, "the instance is pausing between messages")
            case .recipient: (.rateLimited, "sending to this chat too fast")
            }
        return WAError(code, WAError.rateLimitMessage(prefix, retryAfter), retryAfter: retryAfter)
    }
}
