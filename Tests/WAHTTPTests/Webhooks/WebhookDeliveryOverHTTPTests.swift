import Foundation
import Testing
import WACore
import WACoreTesting
import WAHTTP

/// The gateway's webhooks over real HTTP: a `Gateway` on the memory store and the simulated WhatsApp network, in
/// virtual time, sends through `HTTPWebhookSender` to a receiver on loopback that verifies every signature. The
/// receiver is down (nothing listens on its port) while the first events are published, then comes up flaky
/// (every first copy of an event is answered 503, so it is sent again): every event arrives, its copies share one
/// `webhook-id`, and no request fails verification.
@Suite("Webhooks over HTTP, end to end")
struct WebhookDeliveryOverHTTPTests {
    @Test(.timeLimit(.minutes(10)))
    func everyEventArrivesAcrossAReceiverOutage() async throws {
        let clock = TestClock()
        let env = ServiceEnvironment.testing(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 14))
        let shopPhone = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        var customers: [SimulatedPhone] = []
        for i in 0..<3 {
            customers.append(network.addPhone(try PhoneNumber("+49 171 \(1_000_000 + i)"), name: "Customer \(i)"))
        }

        // The receiver listens once to take a port, then goes down: the endpoint points at a closed port.
        let receiver = WebhookReceiver(now: { clock.now() })
        let port = try await receiver.start()
        try await receiver.stop()

        let sender = HTTPWebhookSender()
        let gateway = Gateway(
            environment: env, transport: network, webhookSender: sender,
            configuration: .init(
                nodeID: "node-a", supervisor: .init(leaseDuration: .seconds(86_400), renewInterval: .seconds(3_600)),
                // The loopback receiver is the one non-public target allowed.
                webhookURLPolicy: WebhookURLPolicy(allowInsecureHTTP: true, allowedNetworks: [IPNetwork("127.0.0.1")!]),
                webhookRetryPolicy: WebhookRetryPolicy(backoff: .schedule([.seconds(30)]), maxAttempts: 20),
                webhookRequestTimeout: .seconds(10)))
        do {
            let (org, admin) = try await gateway.team.createOrganization(
                name: "Acme", slug: "acme", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
                adminPassword: "correct horse battery staple")
            let endpoint = try await gateway.webhooks.create(
                url: "http://127.0.0.1:\(port)/hooks", eventFilters: ["message.*"], by: .acting(as: admin))
            receiver.verify(with: endpoint.secret)
            let instance = try await gateway.instances.create(
                name: "support", warmUp: .disabled, by: .acting(as: admin))
            try await gateway.link(instance.id, with: shopPhone, by: .acting(as: admin))

            // Down: the messages go out, and each delivery is attempted and refused several times.
            for (i, customer) in customers.enumerated() {
                _ = try await gateway.messaging.send(
                    .text("Order \(i) shipped", to: customer.number, from: instance.id), by: .acting(as: admin))
            }
            try await gateway.advance(by: .seconds(95))
            let whileDown = try await Self.deliveries(of: org.id, in: env)
            #expect(!whileDown.isEmpty)
            #expect(whileDown.allSatisfy { $0.status != .succeeded })
            #expect(whileDown.allSatisfy { !$0.attempts.isEmpty })
            #expect(whileDown.contains { $0.attempts.count >= 2 }, "down for several attempts")
            let refused = whileDown.flatMap(\.attempts)
            #expect(refused.allSatisfy { $0.statusCode == nil && $0.error == "connection failed: refused" })
            #expect(receiver.received.isEmpty)

            // Up again, on the same port, and flaky: the first copy of each event is answered 503.
            receiver.respond { _, earlierCopies in earlierCopies == 0 ? .init(status: 503) : .ok }
            try await receiver.start()
            for customer in customers { customer.read(chat: shopPhone.number) }
            try await gateway.runUntilIdle(timeout: .seconds(300))

            let deliveries = try await Self.deliveries(of: org.id, in: env)
            #expect(deliveries.count > whileDown.count, "the reads published more events")
            #expect(deliveries.allSatisfy { $0.status == .succeeded })
            let received = receiver.received
            let copies = Dictionary(grouping: received, by: \.webhookID)
            #expect(Set(copies.keys) == Set(deliveries.map(\.eventID)), "every event arrived")
            for delivery in deliveries {
                let sent = copies[delivery.eventID] ?? []
                // Sent again after the 503: the duplicates carry the same webhook-id and the same bytes.
                #expect(sent.count == 2, "two copies of \(delivery.eventType)")
                #expect(sent.allSatisfy { $0.body == delivery.payload })
            }
            let types = Set(deliveries.map(\.eventType))
            #expect(types.isSuperset(of: ["message.queued", "message.sent", "message.status_changed"]))
            #expect(received.allSatisfy { $0.authority == "127.0.0.1:\(port)" })
            #expect(receiver.invalidSignatures == 0)
        } catch {
            await sender.shutdown()
            try? await receiver.stop()
            throw error
        }
        await sender.shutdown()
        try await receiver.stop()
    }

    private static func deliveries(of org: OrganizationID, in env: ServiceEnvironment) async throws -> [Delivery] {
        try await env.store.transaction(.organization(org)) {
            try await $0.deliveries.list(in: org, where: .init(), page: .all).items
        }
    }
}
