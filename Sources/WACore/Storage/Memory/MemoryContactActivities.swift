import Foundation

/// One organization's stored contact activities in a ``MemoryStore``.
final class MemoryContactActivities {
    var byContact: [ContactID: ContactActivity] = [:]
}

/// The ``ContactActivityRepository`` of a ``MemoryTransaction``.
struct MemoryContactActivityRepository: ContactActivityRepository {
    let transaction: MemoryTransaction

    func find(contact: ContactID, in organization: OrganizationID) async throws(WAError) -> ContactActivity? {
        try transaction.withActivities(of: organization) { activities, _ in activities.byContact[contact] }
    }

    func segmentCounts(in organization: OrganizationID, policy: EngagementPolicy, asOf now: Date)
        async throws(WAError) -> [EngagementSegment: Int]
    {
        let stored = try transaction.withActivities(of: organization) { activities, _ in activities.byContact }
        let contacts = try transaction.withTable(Contact.self, for: organization) { table, _ in
            table.all(in: organization)
        }
        return policy.summary(
            of: contacts.map { ContactActivity(contact: $0, stored: stored[$0.id]) }, asOf: now)
    }

    func contacts(
        in segment: EngagementSegment, policy: EngagementPolicy, asOf now: Date, of organization: OrganizationID,
        page: PageRequest
    ) async throws(WAError) -> Page<Contact> {
        let stored = try transaction.withActivities(of: organization) { activities, _ in activities.byContact }
        return try transaction.withTable(Contact.self, for: organization) { table, _ in
            table.page(
                in: organization,
                matching: { contact in
                    policy.segments(of: ContactActivity(contact: contact, stored: stored[contact.id]), asOf: now)
                        .contains(segment)
                }, page: page)
        }
    }
}
