/// The key of one daily rollup row. Dimensions a rollup does not keep are `nil`; a `nil` ``campaignID`` in a rollup
/// that keeps campaigns means "messages outside any campaign".
public struct RollupKey: Sendable, Hashable, Codable, Comparable {
    /// The tenant.
    public var organizationID: OrganizationID
    /// The day (in the rollups' time zone).
    public var day: DayKey
    /// The instance, when the rollup keeps instances.
    public var instanceID: InstanceID?
    /// The campaign, when the rollup keeps campaigns (`nil`: outside any campaign).
    public var campaignID: CampaignID?

    /// A key with the given values.
    public init(
        organizationID: OrganizationID, day: DayKey, instanceID: InstanceID? = nil, campaignID: CampaignID? = nil
    ) {
        self.organizationID = organizationID
        self.day = day
        self.instanceID = instanceID
        self.campaignID = campaignID
    }

    /// The key with only `dimensions` kept.
    public func restricted(to dimensions: RollupDimensions) -> RollupKey {
        RollupKey(
            organizationID: organizationID, day: day,
            instanceID: dimensions.contains(.instance) ? instanceID : nil,
            campaignID: dimensions.contains(.campaign) ? campaignID : nil)
    }

    /// Orders by organization, day, instance, campaign (`nil` first), for stable output.
    public static func < (lhs: RollupKey, rhs: RollupKey) -> Bool {
        func rank<T: Comparable>(_ a: T?, _ b: T?) -> Bool? {
            switch (a, b) {
            case (nil, nil): nil
            case (nil, _): true
            case (_, nil): false
            case (let a?, let b?): a == b ? nil : a < b
            }
        }
        if lhs.organizationID != rhs.organizationID { return lhs.organizationID < rhs.organizationID }
        if lhs.day != rhs.day { return lhs.day < rhs.day }
        if let r = rank(lhs.instanceID, rhs.instanceID) { return r }
        return rank(lhs.campaignID, rhs.campaignID) ?? false
    }
}
