/// Which dimensions a daily rollup keeps besides the organization and the day.
///
/// `[]` gives one row per organization and day; `.instance` one per instance; `.campaign` one per campaign (and
/// one for traffic outside campaigns); `[.instance, .campaign]` both. A rollup can be coarsened to any subset of its
/// dimensions (``DailyRollups/rolledUp(to:)``).
public struct RollupDimensions: OptionSet, Sendable, Hashable, Codable {
    /// The option bits.
    public let rawValue: Int
    /// Dimensions from their bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Keep the instance.
    public static let instance = RollupDimensions(rawValue: 1 << 0)
    /// Keep the campaign.
    public static let campaign = RollupDimensions(rawValue: 1 << 1)
    /// Per organization and day only.
    public static let organization: RollupDimensions = []
    /// Every dimension.
    public static let all: RollupDimensions = [.instance, .campaign]
}
