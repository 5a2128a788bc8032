public import Foundation

/// A campaign's results (``AnalyticsService/campaignReport(_:by:)``): its funnel, counts, rates and latencies,
/// computed from the campaign's stored messages.
public struct CampaignAnalyticsReport: Sendable, Hashable, Codable {
    /// The campaign.
    public var campaignID: CampaignID
    /// Its name.
    public var name: String
    /// Its status when the report was made.
    public var status: Campaign.Status
    /// The instance it sends from.
    public var instanceID: InstanceID
    /// The funnel's first stage: the larger of the campaign's recorded audience size
    /// (``Campaign/Progress/total``) and the number of messages it created.
    public var targeted: Int
    /// Outbound messages created for the campaign (that the principal may see).
    public var messages: Int
    /// Of those, messages neither sent nor failed yet (queued or pending).
    public var inFlight: Int
    /// How many messages reached each milestone; `replied` counts messages answered under ``ReplyAttribution``.
    public var counts: MessageCounts
    /// Rates of ``counts`` (delivered / sent, read / delivered, replied / sent, failed / (sent + failed)).
    public var rates: MessageRates
    /// targeted → sent → delivered → read → replied.
    public var funnel: CampaignFunnel
    /// Seconds from sent to delivered: p50, p90, p99.
    public var timeToDelivered: Percentiles
    /// Seconds from sent to read: p50, p90, p99.
    public var timeToRead: Percentiles
    /// Seconds from sent to the reply: p50, p90, p99.
    public var timeToReply: Percentiles
    /// The first and last send of the campaign's messages, when any was sent.
    public var firstSentAt: Date?
    public var lastSentAt: Date?

    /// A report with the given values.
    public init(
        campaignID: CampaignID, name: String, status: Campaign.Status, instanceID: InstanceID, targeted: Int,
        messages: Int, inFlight: Int, stats: MessageStats, timeToReply: Percentiles, firstSentAt: Date?,
        lastSentAt: Date?
    ) {
        self.campaignID = campaignID
        self.name = name
        self.status = status
        self.instanceID = instanceID
        self.targeted = targeted
        self.messages = messages
        self.inFlight = inFlight
        counts = stats.counts
        rates = stats.rates
        funnel = CampaignFunnel(targeted: targeted, counts: stats.counts)
        timeToDelivered = stats.timeToDelivered.percentiles
        timeToRead = stats.timeToRead.percentiles
        self.timeToReply = timeToReply
        self.firstSentAt = firstSentAt
        self.lastSentAt = lastSentAt
    }
}
