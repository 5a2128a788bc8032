import AutoReplyBot
import Foundation
import Testing
import WACore
import WACoreTesting

/// The bot's gateway publishes every event without wiring of its own: a webhook endpoint receives them, and the
/// event log holds the same ones, in order.
@Suite("Auto-reply bot: events")
struct EveryEventTests {
    @Test func aWebhookEndpointReceivesEveryKindOfEvent() async throws {
        let clock = TestClock()
        let whatsapp = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 2))
        let sender = RecordingWebhookSender()
        let gateway = Gateway(environment: .testing(clock: clock), transport: whatsapp, webhookSender: sender)
        let shopPhone = whatsapp.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        let ada = whatsapp.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")
        let (_, admin) = try await gateway.team.createOrganization(
            name: "Shop", slug: "shop", plan: .pro, adminEmail: "owner@shop.example", adminName: "Owner",
            adminPassword: "correct horse battery staple")
        let owner = Principal.acting(as: admin)
        _ = try await gateway.webhooks.create(url: "https://crm.shop.example/hooks", by: owner)
        try await AutoReplyBot.install(on: gateway, by: owner)
        let account = try await gateway.instances.create(name: "shop", warmUp: .disabled, by: owner)
        try await gateway.link(account.id, with: shopPhone, by: owner)

        // A question, the bot's answer, and Ada reading it.
        _ = try ada.send(text: "What is the price of a bag?", to: shopPhone.number)
        try await gateway.runUntilIdle()
        ada.read(chat: shopPhone.number)
        try await gateway.runUntilIdle()

        // A campaign to the customers tagged "newsletter" (Ada, now a contact).
        let contact = try #require(try await gateway.contacts.list(by: owner).items.first)
        _ = try await gateway.contacts.tag(contact.id, adding: ["newsletter"], by: owner)
        let sale = try await gateway.templates.create(name: "sale", body: "Hi {{name}}, 20 % off today", by: owner)
        let campaign = try await gateway.campaigns.create(
            name: "Sale", instance: account.id, template: sale.id, audience: .tags(["newsletter"]), by: owner)
        _ = try await gateway.campaigns.start(campaign.id, by: owner)
        try await gateway.runUntilIdle()
        #expect(ada.inbox.map(\.body).last == "Hi Ada, 20 % off today")

        let delivered = Set(sender.requests.compactMap { request -> String? in
            let envelope = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            return envelope?["type"] as? String
        })
        let expected: Set = [
            "instance.status_changed", "instance.qr", "instance.ready", "message.received", "automation.price",
            "message.queued", "message.sent", "message.status_changed", "campaign.progress", "campaign.completed",
        ]
        #expect(expected.isSubset(of: delivered), "missing: \(expected.subtracting(delivered).sorted())")

        // The event log holds the same events, numbered in commit order.
        let log = try await gateway.events.read(after: 0, limit: 1_000, by: owner).events
        #expect(log.map(\.sequence) == Array(1...UInt64(log.count)))
        #expect(Set(log.map(\.event.type.rawValue)) == delivered)
    }
}
