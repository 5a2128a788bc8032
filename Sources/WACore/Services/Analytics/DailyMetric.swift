/// One calendar day of message figures (``AnalyticsService/dailyMetrics(from:to:instance:campaign:timeZone:by:)``).
///
/// Outbound milestones are filed under the day the message was **sent** (its cohort, ``MessageEvent/cohortDate``),
/// so a message sent late on Monday and read on Tuesday counts as sent, delivered and read on Monday. Failures
/// before sending and inbound messages count on the day they happened.
public struct DailyMetric: Sendable, Hashable, Codable {
    /// The day, in the time zone the metrics were asked for.
    public var day: DayKey
    /// Counts and latency distributions of the day.
    public var stats: MessageStats

    /// A day with its stats.
    public init(day: DayKey, stats: MessageStats) {
        self.day = day
        self.stats = stats
    }

    /// How many messages reached each milestone.
    public var counts: MessageCounts { stats.counts }
    /// Delivery, read, reply and failure rates (see ``MessageRates`` for the denominators).
    public var rates: MessageRates { stats.rates }
    /// Seconds from sent to delivered: p50, p90, p99.
    public var timeToDelivered: Percentiles { stats.timeToDelivered.percentiles }
    /// Seconds from sent to read: p50, p90, p99.
    public var timeToRead: Percentiles { stats.timeToRead.percentiles }
}
