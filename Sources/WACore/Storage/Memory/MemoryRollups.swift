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
        try transaction.withRollups(of: organization) { rollups, _ in
            var result: [RollupKey: RollupFigures] = [:]
            for (slot, figures) in rollups.slots
            where (instanceIDs?.contains(slot.instanceID) ?? true) && (campaignID == nil || slot.campaignID == campaignID)
            {
                let day = DayKey(slot.startDate, in: timeZone)
                guard days.contains(day) else { continue }
                let key = RollupKey(
                    organizationID: organization, day: day, instanceID: slot.instanceID, campaignID: slot.campaignID
                ).restricted(to: dimensions)
                result[key, default: RollupFigures()].merge(figures)
            }
            return result
        }
    }
}
