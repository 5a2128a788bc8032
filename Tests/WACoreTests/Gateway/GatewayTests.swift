import Foundation
import ServiceLifecycleTestKit
import Testing
import WACore
import WACoreTesting

@Suite("Gateway")
struct GatewayTests {
    /// A gateway on the simulator with a shop whose account is linked, and Ada, a customer.
    struct Shop {
        let clock = TestClock()
        let gateway: Gateway
        let ada: SimulatedPhone
        let organization: Organization
        let owner: Principal
        let account: Instance

        init(seed: UInt64, configuration: Gateway.Configuration = .init()) async throws {
            let clock = self.clock
            let whatsapp = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: seed))
            gateway = Gateway(environment: .testing(clock: clock), transport: whatsapp, configuration: configuration)
            let shopPhone = whatsapp.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
            ada = whatsapp.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")
            let (organization, admin) = try await gateway.team.createOrganization(
                name: "Shop", slug: "shop", adminEmail: "owner@shop.example", adminName: "Owner",
                adminPassword: "correct horse battery staple")
            self.organization = organization
            owner = Principal.acting(as: admin)
            account = try await gateway.instances.create(name: "shop", warmUp: .disabled, by: owner)
            try await gateway.link(account.id, with: shopPhone, by: owner)
        }
    }

    @Test func runServesTheInstancesAndStopsThemOnGracefulShutdown() async throws {
        let shop = try await Shop(seed: 6)
        let (clock, gateway, ada, owner, account) = (shop.clock, shop.gateway, shop.ada, shop.owner, shop.account)

        try await testGracefulShutdown { trigger in
            let running = Task { try await gateway.run() }
            _ = try await gateway.messaging.send(.text("Sent by run()", to: ada.number, from: account.id), by: owner)
            try await clock.waitUntil("the message to reach Ada", advancing: true) { !ada.inbox.isEmpty }
            trigger.triggerGracefulShutdown()
            try await running.value  // returns once every loop stopped
        }
        #expect(ada.inbox.map(\.body) == ["Sent by run()"])
        // The supervisor stopped the session and gave up its lease on the way out.
        #expect(!gateway.supervisor.isRunning(account.id))
        #expect(gateway.supervisor.runningInstances.isEmpty)
    }

    @Test func finishedJobsArePrunedAfterTheirRetention() async throws {
        let shop = try await Shop(seed: 8, configuration: .init(jobRetention: .seconds(60)))
        let (gateway, ada, org, owner, account) = (shop.gateway, shop.ada, shop.organization, shop.owner, shop.account)
        let message = try await gateway.messaging.send(.text("Hello", to: ada.number, from: account.id), by: owner)
        try await gateway.runUntilIdle()
        func jobs() async throws -> [Job] {
            try await gateway.environment.store.transaction(.organization(org.id)) {
                try await $0.jobs.list(in: org.id, page: .all).items
            }
        }
        let finished = try await jobs().filter(\.state.isFinal)
        #expect(!finished.isEmpty)
        #expect(try await gateway.pruneFinishedJobs() == 0, "kept for a minute")
        try await gateway.advance(by: .seconds(61))
        #expect(try await gateway.pruneFinishedJobs() >= finished.count)
        #expect(try await jobs().allSatisfy { !$0.state.isFinal })
        // The message keeps its status without its job.
        #expect(try await gateway.messaging.get(message.id, by: owner).status != .queued)
    }

    @Test func withoutAWebhookSenderDeliveriesWaitInTheQueue() async throws {
        let clock = TestClock()
        let gateway = Gateway(
            environment: .testing(clock: clock), transport: SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 7)))
        #expect(gateway.webhookWorker == nil)
        #expect(!gateway.queues.contains(WebhookService.deliveryQueue))
        let (_, admin) = try await gateway.team.createOrganization(
            name: "Shop", slug: "shop", adminEmail: "owner@shop.example", adminName: "Owner",
            adminPassword: "correct horse battery staple")
        let owner = Principal.acting(as: admin)
        _ = try await gateway.webhooks.create(url: "https://crm.shop.example/hooks", by: owner)
        let instance = try await gateway.instances.create(name: "shop", by: owner)
        _ = try await gateway.instances.start(instance.id, by: owner)
        _ = try await clock.waitFor("the QR code") { try await gateway.instances.linkCode(instance.id, by: owner) }
        try await gateway.runUntilIdle(until: clock.now())
        let deliveries = try await gateway.webhooks.deliveries(by: owner).items
        #expect(!deliveries.isEmpty && deliveries.allSatisfy { $0.status == .pending }, "recorded, not sent, not lost")
        await gateway.supervisor.stopAll()
    }
}
