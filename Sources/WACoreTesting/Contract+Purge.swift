import Foundation
import WACore

extension RepositoryContract {
    static var purgeCases: [Case] {
        [Case("organizations: a purge deletes everything the organization owns and nothing of another", purge)]
    }

    /// Two tenants with a record in every repository, an event, rollups and a contact's activity; purging one (first
    /// rolled back, then committed) leaves the other exactly as it was.
    private static func purge(_ store: any Store, _ f: Fixtures) async throws {
        let doomed = try await TenantFixture.create(in: store, using: f)
        let kept = try await TenantFixture.create(in: store, using: f)
        let day = DayKey(f.now(), in: .gmt)
        for tenant in [doomed, kept] {
            try await store.transaction(.organization(tenant.id)) { tx in
                for aggregate in aggregates where aggregate.name != "organization" {
                    try await aggregate.insertOne(tx, f, tenant)
                }
                let contact = try await tx.contacts.insert(f.contact(in: tenant.id))
                var message = f.message(in: tenant.id, instance: tenant.instance.id, chat: contact.jid)
                message.contactID = contact.id
                message.timestamps.sentAt = day.start(in: .gmt).addingTimeInterval(60)
                message.status = .sent
                _ = try await tx.messages.insert(message)
                _ = try await tx.eventLog.append(
                    WebhookEvent(
                        type: .messageSent, organizationID: tenant.id, instanceID: tenant.instance.id, data: [:],
                        ids: f.ids))
                _ = try await tx.leases.acquire(
                    instance: tenant.instance.id, in: tenant.id, owner: "node-a", duration: .seconds(60), now: f.now())
            }
        }
        func snapshot(_ tenant: TenantFixture) async throws -> [String] {
            try await store.transaction(.organization(tenant.id)) { tx in
                var facts: [String] = []
                for aggregate in aggregates {
                    facts.append("\(aggregate.name)=\(try await aggregate.count(tx, tenant.id))")
                }
                facts.append("organization=\(try await tx.organizations.find(tenant.id, in: tenant.id) != nil)")
                let figures = try await tx.rollups.dailyFigures(
                    in: tenant.id, days: day...day, timeZone: .gmt, dimensions: .all, instanceIDs: nil, campaignID: nil)
                facts.append("rollups=\(figures.values.map(\.counts.sent).reduce(0, +))")
                let segments = try await tx.contactActivities.segmentCounts(
                    in: tenant.id, policy: EngagementPolicy(), asOf: day.start(in: .gmt))
                facts.append("contacts=\(segments.values.reduce(0, +)),neverReplied=\(segments[.neverReplied] ?? 0)")
                let events = try await tx.eventLog.read(in: tenant.id, after: 0, limit: 10)
                facts.append("events=\(events.count)")
                facts.append("lease=\(try await tx.leases.find(tenant.instance.id.retyped(), in: tenant.id) != nil)")
                return facts
            }
        }
        let keptBefore = try await snapshot(kept)
        let doomedBefore = try await snapshot(doomed)
        try check(doomedBefore.allSatisfy { !$0.hasSuffix("=0") && !$0.hasSuffix("=false") }, "seeded: \(doomedBefore)")

        do {
            try await store.transaction(.organization(doomed.id)) { tx in
                try await tx.organizations.purge(doomed.id)
                throw Boom(tag: "rollback")
            }
        } catch is Boom {}
        try check(try await snapshot(doomed) == doomedBefore, "a rolled-back purge keeps everything")

        try await checkThrows(.tenantMismatch, "a purge names the transaction's own organization") {
            try await store.transaction(.organization(kept.id)) { try await $0.organizations.purge(doomed.id) }
        }
        try await store.transaction(.organization(doomed.id)) { try await $0.organizations.purge(doomed.id) }
        let after = try await snapshot(doomed)
        try check(
            after.allSatisfy { $0.hasSuffix("=0") || $0.hasSuffix("=false") || $0 == "contacts=0,neverReplied=0" },
            "the purged organization has nothing left: \(after)")
        try check(try await snapshot(kept) == keptBefore, "the other organization is untouched")
        try await checkThrows(.notFound, "purging it again") {
            try await store.transaction(.organization(doomed.id)) { try await $0.organizations.purge(doomed.id) }
        }
    }
}
