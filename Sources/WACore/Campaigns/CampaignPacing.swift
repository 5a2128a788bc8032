public import Foundation

/// How campaign waves feed the message queue.
///
/// Waves do not send: they create queued messages, and the ``MessageDispatcher`` sends those human-shaped within
/// the instance's limits (rate tiers, behaviour-plan gaps, risk throttling). A wave keeps only a small backlog of
/// this campaign's unsent messages (``maxInFlight``) so that pausing, cancelling and quiet hours take effect
/// within a few sends, and it stops creating messages that would, at the instance's sustained rate, still be
/// waiting when the quiet hours begin.
public struct CampaignPacing: Sendable, Hashable {
    /// Recipients per `campaign.wave` job (fixed when the campaign starts).
    public var batchSize: Int
    /// At most this many of the campaign's messages are queued or pending at once.
    public var maxInFlight: Int
    /// The shortest wait before a wave looks again.
    public var minimumCheckInterval: Duration
    /// The longest wait before a wave looks again (while it has recipients and is not in quiet hours).
    public var maximumCheckInterval: Duration
    /// How often a wave of a paused campaign looks whether it was resumed.
    public var pausedCheckInterval: Duration
    /// How often the `campaign.finish` job looks whether the campaign is done.
    public var finishCheckInterval: Duration
    /// How long a wave waits when the instance cannot send (logged out, failed, never linked).
    public var unavailableRetryInterval: Duration
    /// Relative spread (0…1) applied to every wait, so waves of many campaigns do not wake together.
    public var jitter: Double

    /// Pacing with the given values (counts at least 1, intervals at least 1 ms, jitter clamped to 0…1).
    public init(
        batchSize: Int = 50, maxInFlight: Int = 10, minimumCheckInterval: Duration = .seconds(5),
        maximumCheckInterval: Duration = .seconds(300), pausedCheckInterval: Duration = .seconds(60),
        finishCheckInterval: Duration = .seconds(30), unavailableRetryInterval: Duration = .seconds(300),
        jitter: Double = 0.2
    ) {
        self.batchSize = max(1, batchSize)
        self.maxInFlight = max(1, maxInFlight)
        self.minimumCheckInterval = max(Self.shortestWait, minimumCheckInterval)
        self.maximumCheckInterval = max(self.minimumCheckInterval, maximumCheckInterval)
        self.pausedCheckInterval = max(Self.shortestWait, pausedCheckInterval)
        self.finishCheckInterval = max(Self.shortestWait, finishCheckInterval)
        self.unavailableRetryInterval = max(Self.shortestWait, unavailableRetryInterval)
        self.jitter = min(1, max(0, jitter))
    }

    /// The floor of every wait.
    private static let shortestWait = Duration.milliseconds(1)

    /// The time between sends the instance can keep up for an hour or a day: the slowest of its tiers
    /// (60 s / per minute, 3600 s / per hour, 86400 s / per day), divided by the risk monitor's throttle factor.
    public func sustainedSpacing(for limits: InstanceRateLimits, throttleFactor: Double = 1) -> Duration {
        let spacing = max(
            60 / Double(max(1, limits.perMinute)), 3_600 / Double(max(1, limits.perHour)),
            86_400 / Double(max(1, limits.perDay)))
        return .seconds(spacing / min(1, max(0.01, throttleFactor)))
    }

    /// How many messages a wave may create now, with `inFlight` of the campaign's messages unsent: what fits
    /// under ``maxInFlight``, and no message that would (at `spacing` per send) still wait at `quietStart`.
    public func allowance(inFlight: Int, spacing: Duration, now: Date, quietStart: Date?) -> Int {
        var allowed = max(0, maxInFlight - inFlight)
        if let quietStart {
            let seconds = max(0.001, spacing.timeInterval)
            let fitting = Int((quietStart.timeIntervalSince(now) / seconds).rounded(.down)) - inFlight
            allowed = min(allowed, max(0, fitting))
        }
        return allowed
    }

    /// When a wave with recipients left should look again: after about half its backlog has gone out at
    /// `spacing` per send, within ``minimumCheckInterval``…``maximumCheckInterval``, with jitter.
    public func nextCheck(after now: Date, inFlight: Int, spacing: Duration, random: any RandomSource) -> Date {
        let base = min(
            maximumCheckInterval.timeInterval,
            max(minimumCheckInterval.timeInterval, Double(inFlight) * spacing.timeInterval / 2))
        return now.addingTimeInterval(jittered(seconds: base, random: random))
    }

    /// `interval` spread by ±``jitter`` (never below ``minimumCheckInterval``'s floor of 1 ms).
    public func jittered(_ interval: Duration, random: any RandomSource) -> Duration {
        guard jitter > 0 else { return interval }
        return .seconds(jittered(seconds: interval.timeInterval, random: random))
    }

    private func jittered(seconds interval: Double, random: any RandomSource) -> Double {
        guard jitter > 0 else { return interval }
        var generator = random.generator
        let factor = 1 + Double.random(in: -jitter...jitter, using: &generator)
        return max(0.001, interval * factor)
    }
}
