public import Foundation

/// Message rollups: ``RollupFigures`` per ``RollupSlot``, kept by the store as messages change, read by analytics.
///
/// **Maintained by the message repository.** Every ``MessageRepository`` insert and update files the milestones the
/// message newly reached (``MessageEvent/events(advancing:from:)`` between the stored and the new message, or
/// ``MessageEvent/events(for:)`` for a new one) into the rollups, in the same transaction: a rolled-back write leaves
/// no figures behind, and no service can forget them. Deleting a message (retention, erasure) leaves its figures:
/// rollups are counts without personal data, and history outlives the messages. A storage adapter computes the
/// increments with ``RollupFigures/increments(for:)`` and adds them as sums, so concurrent writers never lose one.
///
/// **Reading** aggregates slots into days of a time zone, exactly for every zone whose offset is a whole number of
/// quarter-hours (``RollupSlot``).
public protocol MessageRollupRepository: Sendable {
    /// The figures of `organization` per day of `timeZone` in `days` (a slot belongs to the day its start falls
    /// in), keeping `dimensions` (see ``RollupKey``:
    /// the instance and the campaign, each when asked for), of the instances in `instanceIDs` (all when `nil`) and
    /// of campaign `campaignID` only (any campaign or none when `nil`). Keys with no figures are absent.
    func dailyFigures(
        in organization: OrganizationID, days: ClosedRange<DayKey>, timeZone: TimeZone, dimensions: RollupDimensions,
        instanceIDs: Set<InstanceID>?, campaignID: CampaignID?
    ) async throws(WAError) -> [RollupKey: RollupFigures]
}

extension MessageRollupRepository {
    /// ``dailyFigures(in:days:timeZone:dimensions:instanceIDs:campaignID:)`` as ``DailyRollups``.
    public func dailyRollups(
        in organization: OrganizationID, days: ClosedRange<DayKey>, timeZone: TimeZone,
        dimensions: RollupDimensions = .organization, instanceIDs: Set<InstanceID>? = nil,
        campaignID: CampaignID? = nil
    ) async throws(WAError) -> DailyRollups {
        let figures = try await dailyFigures(
            in: organization, days: days, timeZone: timeZone, dimensions: dimensions, instanceIDs: instanceIDs,
            campaignID: campaignID)
        return DailyRollups(
            rows: figures.mapValues(\.stats), dimensions: dimensions, timeZone: timeZone,
            configuration: RollupFigures.latencyConfiguration)
    }
}
