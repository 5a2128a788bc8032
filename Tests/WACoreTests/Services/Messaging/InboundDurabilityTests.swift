import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// WhatsApp Web does not send a received message again: one whose write failed is tried again, not dropped.
@Suite struct InboundDurabilityTests {
    /// A store whose transactions fail while it is down, as a database restarting would.
    final class OutageStore: Store {
        let base: any Store
        private let down = Mutex(false)
        init(_ base: any Store) { self.base = base }
        var rateLimits: any RateLimitStore { base.rateLimits }
        func set(down value: Bool) { down.withLock { $0 = value } }
        func transaction<Result>(
            _ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result
        ) async throws -> Result {
            if down.withLock({ $0 }) { throw WAError(.storageUnavailable, "the database is restarting") }
            return try await base.transaction(scope, body)
        }
    }

    @Test func aReceivedMessageWhoseWriteFailedIsStoredLater() async throws {
        let h = try await MessagingHarness()
        let outage = OutageStore(h.env.store)
        var environment = h.env
        environment.store = outage
        let handler = MessageEventHandler(environment: environment, webhooks: h.webhooks)
        let customer = try JID(parsing: "4917012340000@c.us")
        let incoming = IncomingMessage(
            whatsappID: "false_4917012340000@c.us_3EB0FEEDFACE0001", chat: customer, sender: customer, kind: .text,
            body: "Do you deliver on Sundays?", timestamp: h.clock.now())
        let org = h.organization.id
        let instance = h.instance
        func stored() async throws -> Message? {
            try await h.env.store.transaction(.organization(org)) {
                try await $0.messages.find(whatsappID: incoming.whatsappID, instance: instance.id, in: org)
            }
        }

        outage.set(down: true)
        await handler.handle(.messageReceived(incoming), from: instance)
        #expect(try await stored() == nil)
        // The first retry (after 1 s) fails too; the database is back before the second.
        try await h.clock.waitForSleepers(1)
        h.clock.advance(by: .seconds(1))
        try await h.clock.waitForSleepers(1)
        outage.set(down: false)
        // (The probe reads no store: a store read counts as activity, and the clock moves only while all is quiet.)
        try await h.clock.waitUntil("the message stored", advancing: true) {
            h.webhooks.events.contains { $0.type == .messageReceived }
        }
        let message = try #require(try await stored())
        #expect(message.body == "Do you deliver on Sundays?")
        #expect(message.direction == .inbound)

        // Reported again (a session catching up): recognised, stored once.
        await handler.handle(.messageReceived(incoming), from: instance)
        let all = try await h.env.store.transaction(.organization(org)) {
            try await $0.messages.list(in: org, where: .init(direction: .inbound), page: .all).items
        }
        #expect(all.filter { $0.whatsappID == incoming.whatsappID }.count == 1)
    }
}
