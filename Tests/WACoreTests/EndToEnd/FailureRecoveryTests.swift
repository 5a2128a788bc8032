import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Failure recovery")
struct FailureRecoveryTests {
    @Test func aTransientDisconnectReconnectsAndDrainsTheQueue() async throws {
        let clock = TestClock()
        let env = ServiceEnvironment.inMemory(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 5))
        let shop = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        let ada = network.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")
        let supervisor = InstanceSupervisor(
            environment: env, transport: network, nodeID: "node-a", eventHandler: MessageEventHandler(environment: env),
            configuration: .init(leaseDuration: .seconds(86_400), renewInterval: .seconds(3_600)))
        let instances = InstanceService(environment: env, supervisor: supervisor)
        let messaging = MessagingService(environment: env)
        let dispatcher = MessageDispatcher(environment: env, sessions: supervisor)
        let (org, admin) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let me = Principal.member(admin)
        let instance = try await instances.create(name: "support", by: me)
        _ = try await instances.start(instance.id, by: me)
        let qr = try #require(await poll { try await instances.linkCode(instance.id, by: me) })
        try network.scan(qrCode: qr.value, with: shop.number)
        _ = try #require(await poll { await supervisor.readySession(for: instance.id) })

        // The connection drops; messages queued meanwhile wait for the session instead of failing.
        network.disconnect(instance: instance.id, reason: .connectionLost)
        let reconnecting = try await poll { () async throws -> Instance? in
            let current = try await instances.get(instance.id, by: me)
            return current.status == .reconnecting ? current : nil
        }
        #expect(reconnecting != nil)
        var queued: [MessageID] = []
        for i in 0..<3 { queued.append(try await messaging.send(.text("Update \(i)", to: ada.number, from: instance.id), by: me).id) }
        _ = try await clock.run { try await dispatcher.runOnce(worker: "w") }
        #expect(ada.inbox.isEmpty)

        // The supervisor reconnects from the stored archive after its backoff, and the queue drains.
        try await clock.run {
            for _ in 0..<1_000 {
                if ada.inbox.count == 3 { return }
                if await supervisor.readySession(for: instance.id) != nil {
                    _ = try await dispatcher.runOnce(worker: "w")
                }
                let due = try await env.store.transaction(.organization(org.id)) {
                    try await $0.jobs.list(
                        in: org.id, where: .init(queue: MessagingService.sendQueue, state: .available), page: .all
                    ).items
                }.map(\.scheduledAt).min()
                if let due, due > clock.now(), await supervisor.readySession(for: instance.id) != nil { clock.set(due) }
                for _ in 0..<20 { await Task.yield() }
                if await supervisor.readySession(for: instance.id) == nil { clock.advanceToNextDeadline() }
            }
        }
        #expect(ada.inbox.map(\.text) == ["Update 0", "Update 1", "Update 2"])
        let status = try await instances.get(instance.id, by: me).status
        #expect(status == .ready)
        await supervisor.stopAll()
    }

    /// Polls `probe`, yielding between tries, until it returns a value. The bound is generous: under a loaded
    /// machine the tasks that make progress (session event pumps) may get few turns.
    private func poll<T>(_ probe: () async throws -> T?) async rethrows -> T? {
        for _ in 0..<500_000 {
            if let value = try await probe() { return value }
            await Task.yield()
        }
        return nil
    }
}
