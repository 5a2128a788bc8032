import Foundation
import Testing
import WACore
import WACoreTesting

/// Data retention: what a plan no longer keeps is deleted, what is still on its way is not, and organizations whose
/// plan keeps everything are left alone.
@Suite("Retention")
struct RetentionServiceTests {
    @Test func thePlansDefaults() {
        #expect(Plan.starter.limits.retentionDays == 90)
        #expect(Plan.pro.limits.retentionDays == 365)
        #expect(Plan.enterprise.limits.retentionDays == nil)
    }

    @Test func oldMessagesAndMediaGoAndQueuedMessagesStay() async throws {
        let h = try await MessagingHarness(plan: .pro)
        let admin = Principal.acting(as: h.admin)
        let org = h.organization.id
        let ada = try h.phone("1234567", name: "Ada")
        let photo = try MediaServiceTests.sample("sample.jpg")
        let incoming = IncomingMessage(
            whatsappID: "ada-photo", chat: ada.number.jid, sender: ada.number.jid, kind: .image, body: "look",
            media: IncomingMedia(kind: .image, mimeType: "image/jpeg", handle: "ada-photo"), timestamp: h.clock.now())
        let (received, _) = try #require(try await h.handler.received(incoming, h.instance))
        _ = try #require(try await h.handler.mediaDownloaded(photo, for: received.id, h.instance))
        _ = try await h.send("Sent long ago", to: ada)
        try await h.dispatchAll()
        // An organization that keeps everything, with a message as old.
        let (keeper, _) = try await TeamService(environment: h.env).createOrganization(
            name: "Keeper", slug: "keeper", plan: .enterprise, adminEmail: "kim@example.com", adminName: "Kim",
            adminPassword: "correct horse battery staple")
        try await h.env.store.transaction(.organization(keeper.id)) { tx in
            let instance = try await tx.instances.insert(
                Instance(id: h.env.ids.make(), organizationID: keeper.id, name: "k", createdAt: h.clock.now()))
            _ = try await tx.messages.insert(
                Message(
                    id: h.env.ids.make(), organizationID: keeper.id, instanceID: instance.id, chatJID: ada.number.jid,
                    direction: .inbound, kind: .text, body: "kept", status: .delivered, createdAt: h.clock.now()))
        }

        h.clock.advance(by: .seconds(366 * 86_400))
        let queued = try await h.send("Still waiting", to: ada)  // queued now; its send is not run
        let retention = RetentionService(environment: h.env)
        #expect(try await retention.applyRetention() == RetentionSummary(organizations: 1, messages: 2, media: 1))
        let left = try await MessagingService(environment: h.env).list(by: admin).items
        #expect(left.map(\.id) == [queued.id])
        #expect(try await MediaService(environment: h.env).list(by: admin).items.isEmpty)
        #expect(try await MediaService(environment: h.env).usage(by: admin).usedBytes == 0)
        let kept = try await h.env.store.transaction(.organization(keeper.id)) {
            try await $0.messages.count(in: keeper.id, where: .init())
        }
        #expect(kept == 1)
        let audit = try await h.env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, page: .all).items.last { $0.action == "data.retention_applied" }
        }
        #expect(audit?.metadata["messages"] == "2" && audit?.metadata["media"] == "1")
        // A second pass finds nothing more, and audits nothing.
        #expect(try await retention.applyRetention() == RetentionSummary(organizations: 1))
    }
}
