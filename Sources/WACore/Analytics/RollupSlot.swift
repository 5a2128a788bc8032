public import Foundation

/// The storage key of message rollups: one organization, one quarter of an hour, one instance, one campaign (or
/// none).
///
/// Rollups are stored per quarter-hour of UTC time rather than per day, so that a day in any time zone whose
/// offset from UTC is a whole number of quarter-hours (every zone in the time-zone database today, including
/// India's +5:30, Nepal's +5:45 and the Chatham Islands' +12:45) is an exact union of slots: figures per day are
/// exact in every such zone. A zone with another offset (historic local mean times before 1972) gets days rounded
/// to the quarter-hour.
public struct RollupSlot: Sendable, Hashable, Codable, Comparable {
    /// The length of a slot: 15 minutes.
    public static let length: Duration = .seconds(900)
    /// ``length`` in seconds.
    public static let lengthInSeconds: Int64 = 900

    /// The tenant.
    public var organizationID: OrganizationID
    /// Seconds since 1970-01-01T00:00:00Z at which the slot starts (a multiple of ``lengthInSeconds``).
    public var start: Int64
    /// The instance that sent or received the messages.
    public var instanceID: InstanceID
    /// The campaign of the outbound messages; `nil` for messages outside any campaign.
    public var campaignID: CampaignID?

    /// The slot holding `date` for the given organization, instance and campaign.
    public init(organizationID: OrganizationID, containing date: Date, instanceID: InstanceID, campaignID: CampaignID?) {
        self.organizationID = organizationID
        start = Self.start(containing: date)
        self.instanceID = instanceID
        self.campaignID = campaignID
    }

    /// The slot `event` is filed under: the slot of its ``MessageEvent/cohortDate``.
    public init(_ event: MessageEvent) {
        self.init(
            organizationID: event.organizationID, containing: event.cohortDate, instanceID: event.instanceID,
            campaignID: event.campaignID)
    }

    /// When the slot starts.
    public var startDate: Date { Date(timeIntervalSince1970: TimeInterval(start)) }

    /// The start of the slot holding `date`, in seconds since the epoch (rounded down: a date before 1970 falls in
    /// the slot that starts at or before it).
    public static func start(containing date: Date) -> Int64 {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let remainder = seconds % lengthInSeconds
        return remainder < 0 ? seconds - remainder - lengthInSeconds : seconds - remainder
    }

    /// Orders by organization, start, instance, then campaign (`nil` first).
    public static func < (lhs: RollupSlot, rhs: RollupSlot) -> Bool {
        if lhs.organizationID != rhs.organizationID { return lhs.organizationID < rhs.organizationID }
        if lhs.start != rhs.start { return lhs.start < rhs.start }
        if lhs.instanceID != rhs.instanceID { return lhs.instanceID < rhs.instanceID }
        switch (lhs.campaignID, rhs.campaignID) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (let a?, let b?): return a < b
        }
    }
}
