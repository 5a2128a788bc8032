public import Foundation

/// Daily ``MessageStats`` per organization (and optionally instance and campaign), built from ``MessageEvent``s
/// and mergeable.
///
/// Events land on the day of their ``MessageEvent/cohortDate`` in ``timeZone``. Rollups with the same time zone,
/// dimensions and latency configuration merge exactly: counts add and the latency distributions merge exactly
/// (``LatencyDistribution``), so
///
/// - rolling up the parts of an event set and merging the results equals rolling up the whole set;
/// - ``merge(_:)`` is associative and commutative;
/// - ``rolledUp(to:)`` a finer rollup equals rolling the events up at the coarser dimensions directly.
///
/// Storage adapters keep one row per ``RollupKey`` and upsert with ``MessageStats/merge(_:)``.
public struct DailyRollups: Sendable, Hashable, Codable {
    /// The zone whose calendar days are the keys.
    public let timeZone: TimeZone
    /// The dimensions kept.
    public let dimensions: RollupDimensions
    /// The latency configuration of every row.
    public let configuration: LatencyDistribution.Configuration
    /// The rows.
    public private(set) var rows: [RollupKey: MessageStats]

    /// Empty rollups.
    public init(
        dimensions: RollupDimensions = .all, timeZone: TimeZone = .gmt,
        configuration: LatencyDistribution.Configuration = LatencyDistribution.Configuration()
    ) {
        self.timeZone = timeZone
        self.dimensions = dimensions
        self.configuration = configuration
        rows = [:]
    }

    /// The rollups of `events`.
    public init(
        _ events: some Sequence<MessageEvent>, dimensions: RollupDimensions = .all, timeZone: TimeZone = .gmt,
        configuration: LatencyDistribution.Configuration = LatencyDistribution.Configuration()
    ) {
        self.init(dimensions: dimensions, timeZone: timeZone, configuration: configuration)
        for event in events { record(event) }
    }

    /// Rollups with the given rows (as a store returns them, ``MessageRollupRepository``); rows are kept as given,
    /// so their keys should carry `dimensions` only and their stats `configuration`.
    public init(
        rows: [RollupKey: MessageStats], dimensions: RollupDimensions, timeZone: TimeZone,
        configuration: LatencyDistribution.Configuration
    ) {
        self.init(dimensions: dimensions, timeZone: timeZone, configuration: configuration)
        self.rows = rows
    }

    /// The key `event` is filed under.
    public func key(for event: MessageEvent) -> RollupKey {
        RollupKey(
            organizationID: event.organizationID, day: DayKey(event.cohortDate, in: timeZone),
            instanceID: event.instanceID, campaignID: event.campaignID
        ).restricted(to: dimensions)
    }

    /// Folds in one event.
    public mutating func record(_ event: MessageEvent) {
        rows[key(for: event), default: MessageStats(configuration: configuration)].record(event)
    }

    /// Whether `other` can be merged into these rollups (same zone, dimensions and configuration).
    public func isCompatible(with other: DailyRollups) -> Bool {
        timeZone.identifier == other.timeZone.identifier && dimensions == other.dimensions
            && configuration == other.configuration
    }

    /// Adds `other`'s rows. Throws ``WAError/Code-swift.enum/incompatibleRollups`` when the time zones,
    /// dimensions or latency configurations differ.
    public mutating func merge(_ other: DailyRollups) throws(WAError) {
        guard isCompatible(with: other) else {
            throw WAError(
                .incompatibleRollups, "rollups with different time zones, dimensions or configurations cannot merge")
        }
        for (key, stats) in other.rows {
            if rows[key] != nil { rows[key]!.merge(stats) } else { rows[key] = stats }
        }
    }

    /// `self` merged with `other` (see ``merge(_:)``).
    public func merging(_ other: DailyRollups) throws(WAError) -> DailyRollups {
        var result = self
        try result.merge(other)
        return result
    }

    /// The same data with only `coarser` dimensions kept (dimensions these rollups do not have are ignored).
    public func rolledUp(to coarser: RollupDimensions) -> DailyRollups {
        let kept = coarser.intersection(dimensions)
        var result = DailyRollups(dimensions: kept, timeZone: timeZone, configuration: configuration)
        for (key, stats) in rows {
            result.rows[key.restricted(to: kept), default: MessageStats(configuration: configuration)].merge(stats)
        }
        return result
    }

    /// The stats of every row of `organizationID` whose day is in `days` and that matches the optional filters,
    /// merged.
    public func stats(
        organizationID: OrganizationID, days: ClosedRange<DayKey>, instanceID: InstanceID? = nil,
        campaignID: CampaignID? = nil
    ) -> MessageStats {
        var total = MessageStats(configuration: configuration)
        for (key, stats) in rows
        where key.organizationID == organizationID && days.contains(key.day)
            && (instanceID == nil || key.instanceID == instanceID)
            && (campaignID == nil || key.campaignID == campaignID)
        {
            total.merge(stats)
        }
        return total
    }

    /// The rows sorted by key.
    public var sortedRows: [(key: RollupKey, stats: MessageStats)] {
        rows.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
