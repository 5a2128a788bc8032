public import Foundation

/// The numbers on an organization's home page: message totals, rates and latencies for today, the last 7 and the
/// last 30 days, instance counts, the top campaigns and, when given, contact segments.
///
/// Built from ``DailyRollups`` (any dimensions; top campaigns need `.campaign`). Windows are whole days in the
/// rollups' time zone ending with the day of `asOf`: "7 days" is today and the 6 days before.
public struct OrganizationDashboard: Sendable, Hashable, Codable {
    /// Stats over a run of days.
    public struct Window: Sendable, Hashable, Codable {
        /// The first day of the window.
        public var firstDay: DayKey
        /// The last day of the window (the day of `asOf`).
        public var lastDay: DayKey
        /// Message counts in the window.
        public var counts: MessageCounts
        /// Rates of those counts.
        public var rates: MessageRates
        /// Seconds from sent to delivered, p50/p90/p99.
        public var timeToDelivered: Percentiles
        /// Seconds from sent to read, p50/p90/p99.
        public var timeToRead: Percentiles

        /// A window over `firstDay…lastDay` with `stats`.
        public init(firstDay: DayKey, lastDay: DayKey, stats: MessageStats) {
            self.firstDay = firstDay
            self.lastDay = lastDay
            counts = stats.counts
            rates = stats.rates
            timeToDelivered = stats.timeToDelivered.percentiles
            timeToRead = stats.timeToRead.percentiles
        }
    }

    /// One campaign's 30-day results.
    public struct CampaignSummary: Sendable, Hashable, Codable {
        /// The campaign.
        public var campaignID: CampaignID
        /// Its name, when supplied.
        public var name: String?
        /// Its message counts over the last 30 days.
        public var counts: MessageCounts
        /// Rates of those counts.
        public var rates: MessageRates

        /// A summary of `counts`.
        public init(campaignID: CampaignID, name: String?, counts: MessageCounts) {
            self.campaignID = campaignID
            self.name = name
            self.counts = counts
            rates = counts.rates
        }
    }

    /// The organization.
    public var organizationID: OrganizationID
    /// The instant the dashboard describes.
    public var asOf: Date
    /// The day of `asOf`.
    public var today: Window
    /// Today and the 6 days before.
    public var last7Days: Window
    /// Today and the 29 days before.
    public var last30Days: Window
    /// Instances currently connected (supplied by the caller: analytics does not track connections).
    public var activeInstances: Int
    /// All instances of the organization.
    public var totalInstances: Int
    /// Campaigns with the most messages sent in the last 30 days (ties by id), at most `topCampaignLimit`.
    public var topCampaigns: [CampaignSummary]
    /// Contacts per primary engagement segment, when supplied.
    public var segments: [EngagementSegment: Int]?

    /// Summarises `rollups` for `organizationID` at `asOf`.
    public init(
        organizationID: OrganizationID, rollups: DailyRollups, asOf: Date, activeInstances: Int, totalInstances: Int,
        campaignNames: [CampaignID: String] = [:], topCampaignLimit: Int = 5,
        segments: [EngagementSegment: Int]? = nil
    ) {
        self.organizationID = organizationID
        self.asOf = asOf
        self.activeInstances = activeInstances
        self.totalInstances = totalInstances
        self.segments = segments
        let day = DayKey(asOf, in: rollups.timeZone)
        func window(_ days: Int) -> Window {
            let first = day.advanced(by: -(days - 1))
            return Window(
                firstDay: first, lastDay: day, stats: rollups.stats(organizationID: organizationID, days: first...day))
        }
        today = window(1)
        last7Days = window(7)
        last30Days = window(30)

        var perCampaign: [CampaignID: MessageCounts] = [:]
        let range = day.advanced(by: -29)...day
        for (key, stats) in rollups.rows where key.organizationID == organizationID && range.contains(key.day) {
            guard let campaignID = key.campaignID else { continue }
            perCampaign[campaignID, default: MessageCounts()].merge(stats.counts)
        }
        topCampaigns =
            perCampaign
            .sorted { ($1.value.sent, $0.key) < ($0.value.sent, $1.key) }
            .prefix(Swift.max(0, topCampaignLimit))
            .map { CampaignSummary(campaignID: $0.key, name: campaignNames[$0.key], counts: $0.value) }
    }
}
