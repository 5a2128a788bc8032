/// What a ``RateLimitStore`` keeps about one account's sends: the log of its latest sends, which ``SendCaps``
/// decides its hard caps from, and the pause that must pass before its next send.
public struct SendPacingState: Sendable, Hashable {
    /// The latest sends.
    public var log: SendLog
    /// No send before this instant: the pause after the latest send (``SendAdmission/release(_:in:notBefore:)``).
    public var notBefore: RateLimitInstant?
    /// How long after its latest send the log still matters: the longest window of the caps it was last decided
    /// with.
    public var horizon: Duration

    /// A state with the given log, pause and horizon.
    public init(log: SendLog, notBefore: RateLimitInstant? = nil, horizon: Duration) {
        self.log = log
        self.notBefore = notBefore
        self.horizon = horizon
    }

    /// From this instant on the state is equivalent to no state: every window has passed the latest send, and
    /// the pause is over.
    public var expiresAt: RateLimitInstant {
        let logEnd = log.latest.map { $0 + horizon } ?? RateLimitInstant(nanosecondsSinceEpoch: .min)
        guard let notBefore else { return logEnd }
        return Swift.max(logEnd, notBefore)
    }
}
