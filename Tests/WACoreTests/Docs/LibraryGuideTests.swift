import Foundation
import Testing
import WACore
import WACoreTesting

/// The code of Docs/Library.md, compiled and run. Keep the two in step.
@Suite("Docs/Library.md")
struct LibraryGuideTests {
    @Test func composeTheServicesWithTheMemoryStoreAndTheSimulator() async throws {
        // --- Docs/Library.md: setup ---
        let clock = TestClock()
        let env = ServiceEnvironment.inMemory(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 1))
        let shopPhone = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        let ada = network.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")

        let handler = MessageEventHandler(environment: env)
        let supervisor = InstanceSupervisor(
            environment: env, transport: network, nodeID: "test", eventHandler: handler,
            configuration: .init(leaseDuration: .seconds(86_400), renewInterval: .seconds(3_600)))
        let team = TeamService(environment: env)
        let instances = InstanceService(environment: env, supervisor: supervisor)
        let messaging = MessagingService(environment: env)
        let dispatcher = MessageDispatcher(environment: env, sessions: supervisor)

        // --- Docs/Library.md: link ---
        let (_, admin) = try await team.createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let me = Principal.member(admin)
        let instance = try await instances.create(name: "support", by: me)
        _ = try await instances.start(instance.id, by: me)
        let qr = try #require(await waitFor { try await instances.linkCode(instance.id, by: me) })
        try network.scan(qrCode: qr.value, with: shopPhone.number)
        _ = try #require(await waitFor { await supervisor.readySession(for: instance.id) })

        // --- Docs/Library.md: send ---
        let message = try await messaging.send(.text("Your order shipped 📦", to: ada.number, from: instance.id), by: me)
        try await clock.run { try await dispatcher.runOnce(worker: "test") }
        #expect(ada.inbox.map(\.text) == ["Your order shipped 📦"])

        // --- Docs/Library.md: receipts and replies ---
        ada.read(chat: shopPhone.number)
        let read = try await waitFor { () async throws -> Message? in
            let current = try await messaging.get(message.id, by: me)
            return current.status == .read ? current : nil
        }
        #expect(read?.status == .read)
        _ = try ada.send(text: "Thanks!", to: shopPhone.number)
        let inbound = try await waitFor { () async throws -> Message? in
            try await messaging.list(by: me, where: .init(direction: .inbound)).items.first
        }
        #expect(inbound?.body == "Thanks!")
        await supervisor.stopAll()
    }

    /// Polls `probe` (yielding between tries) until it returns a value.
    private func waitFor<T>(_ probe: () async throws -> T?) async rethrows -> T? {
        for _ in 0..<5_000 {
            if let value = try await probe() { return value }
            await Task.yield()
        }
        return nil
    }
}
