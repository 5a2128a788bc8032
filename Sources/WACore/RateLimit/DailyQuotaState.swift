/// The state of one ``DailyQuota`` key: which UTC day it counts and how much of it was used.
public struct DailyQuotaState: Sendable, Hashable {
    /// The UTC calendar day counted, as whole days since 1970-01-01 (``RateLimitInstant/utcDay``).
    public var day: Int64
    /// Units consumed on ``day``.
    public var used: Int64

    /// A state counting `used` units on UTC day `day`.
    public init(day: Int64, used: Int64) {
        self.day = day
        self.used = used
    }

    /// The next UTC midnight after ``day``: from then on the state is equivalent to no state.
    public var expiresAt: RateLimitInstant { .startOfUTCDay(day + 1) }
}
