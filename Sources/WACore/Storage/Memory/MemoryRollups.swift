import Foundation

/// One organization's message rollups in a ``MemoryStore``: figures per slot.
final class MemoryRollups {
    var slots: [RollupSlot: RollupFigures] = [:]
}

/// The ``MessageRollupRepository`` of a ``MemoryTransaction``.
struct MemoryRollupRepository: MessageRollupRepository {
    let transaction: MemoryTransaction

    func dailyFigures(
        in organization: OrganizationID, days: ClosedRange<DayKey>, timeZone: TimeZone, dimensions: RollupDimensions,
        instanceIDs: Set<InstanceID>?, campaignID: CampaignID?
    ) async throws(WAError) -> [RollupKey: RollupFigures] {
        let first = RollupSlot.start(containing: days.lowerBound.start(in: timeZone))
        let end = RollupSlot.start(containing: days.upperBound.advanced(by: 1).start(in: timeZone))
        return try transaction.withRollups(of: organization) { rollups, _ in
            var result: [RollupKey: RollupFigures] = [:]
            for (slot, figures) in rollups.slots
            where slot.start >= first && slot.start < end && (instanceIDs?.contains(slot.instanceID) ?? true)
                && (campaignID == nil || slot.campaignID == campaignID)
            {
                let key = RollupKey(
                    organizationID: organization, day: DayKey(slot.startDate, in: timeZone),
                    instanceID: slot.instanceID, campaignID: slot.campaignID
                ).restricted(to: dimensions)
                result[key, default: RollupFigures()].merge(figures)
            }
            return result
        }
    }
}
