import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

@Suite("Event log")
struct EventLogServiceTests {
    /// An organization with an admin, an agent and two instances (the agent is assigned the first).
    struct World {
        let gateway: Gateway
        let clock: TestClock
        let admin: Member
        let agent: Member
        let mine: Instance
        let other: Instance

        init(retention: Duration = .seconds(7 * 86_400)) async throws {
            clock = TestClock()
            let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 3))
            gateway = Gateway(
                environment: .testing(clock: clock), transport: network,
                configuration: .init(eventRetention: retention))
            let team = gateway.team
            (_, admin) = try await team.createOrganization(
                name: "Acme", slug: "acme", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
                adminPassword: "correct horse battery staple")
            mine = try await gateway.instances.create(name: "mine", by: .acting(as: admin))
            other = try await gateway.instances.create(name: "other", by: .acting(as: admin))
            let (_, invitation) = try await team.invite(
                email: "bo@example.com", displayName: "Bo", role: .agent, by: .acting(as: admin))
            let joined = try await team.acceptInvitation(token: invitation.reveal(), password: "bo's own passphrase 1")
            agent = try await team.assign(instances: [mine.id], to: joined.id, by: .acting(as: admin))
        }

        /// Publishes one event per instance (and one for neither) in its own transaction.
        func publish(_ type: WebhookEventType, instance: InstanceID?) async throws -> WebhookEvent {
            let env = gateway.environment
            let event = WebhookEvent(
                type: type, organizationID: admin.organizationID, instanceID: instance, ids: env.ids)
            try await env.store.transaction(.organization(admin.organizationID)) { tx in
                _ = try await gateway.webhooks.publish(event, in: tx)
            }
            return event
        }
    }

    @Test func whatTheGatewayDoesIsInTheLogInOrder() async throws {
        let world = try await World()
        let (gateway, admin) = (world.gateway, Principal.acting(as: world.admin))
        let network = try #require(gateway.transport as? SimulatedWhatsApp)
        let phone = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        let ada = network.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")
        try await gateway.link(world.mine.id, with: phone, by: admin)
        _ = try await gateway.messaging.send(.text("Hello", to: ada.number, from: world.mine.id), by: admin)
        try await gateway.runUntilIdle()
        ada.read(chat: phone.number)
        try await gateway.runUntilIdle()

        let page = try await gateway.events.read(after: 0, limit: 1_000, by: admin)
        #expect(page.events.map(\.sequence) == Array(1...UInt64(page.events.count)), "numbered 1, 2, 3 …")
        #expect(page.position == UInt64(page.events.count))
        let types = page.events.map(\.event.type.rawValue)
        for expected in ["instance.qr", "instance.ready", "message.sent", "message.status_changed"] {
            #expect(types.contains(expected), "\(expected) is in the log: \(types)")
        }
        // In the order things happened: linked before sent, sent before delivered and read.
        let ready = try #require(types.firstIndex(of: "instance.ready"))
        let sent = try #require(types.firstIndex(of: "message.sent"))
        #expect(ready < sent)
        let statuses = page.events.filter { $0.event.type == .messageStatusChanged }
            .compactMap { $0.event.data["status"]?.stringValue }
        #expect(statuses == ["delivered", "read"])
        #expect(page.events.allSatisfy { $0.event.type != .messageStatusChanged || $0.sequence > UInt64(sent + 1) })
    }

    @Test func manyWritersOneSubscriberEveryEventOnceInCommitOrderAcrossARestart() async throws {
        let random = SeededRandomSource(seed: 9)
        let env = ServiceEnvironment.inMemory(
            clock: SystemWallClock(), random: random, passwordHasher: InsecureFastPasswordHasher(random: random))
        let webhooks = WebhookService(environment: env)
        let events = EventLogService(environment: env, pollInterval: .milliseconds(2))
        let (_, admin) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let org = admin.organizationID
        let principal = Principal.acting(as: admin)

        // The subscriber starts before the writers and stops (a "restart") after 100 events.
        let start = try await events.bounds(by: principal).last
        let firstRun = Task { () async throws -> [LoggedEvent] in
            var seen: [LoggedEvent] = []
            for try await logged in events.subscribe(from: .after(start), by: principal) {
                seen.append(logged)
                if seen.count == 100 { break }
            }
            return seen
        }

        // 8 writers × 40 transactions, every fourth rolled back; the commit order is recorded inside each
        // transaction (the memory store runs one transaction body at a time).
        final class CommitOrder: Sendable { let ids = Mutex<[WebhookEventID]>([]) }
        let committed = CommitOrder()
        struct Rollback: Error {}
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for n in 0..<40 {
                        let event = WebhookEvent(
                            type: .messageSent, organizationID: org, data: ["writer": .number(Double(writer))],
                            ids: env.ids)
                        do {
                            try await env.store.transaction(.organization(org)) { tx in
                                _ = try await webhooks.publish(event, in: tx)
                                if n % 4 == 3 { throw Rollback() }
                                committed.ids.withLock { $0.append(event.id) }
                            }
                        } catch is Rollback {}
                    }
                }
            }
            try await group.waitForAll()
        }
        let order = committed.ids.withLock { $0 }
        #expect(order.count == 8 * 30)

        let before = try await firstRun.value
        let resumeAt = try #require(before.last?.sequence)
        var after: [LoggedEvent] = []
        for try await logged in events.subscribe(from: .after(resumeAt), by: principal) {
            after.append(logged)
            if after.count == order.count - before.count { break }
        }
        let all = before + after
        #expect(
            all.map(\.sequence) == Array((start + 1)...(start + UInt64(order.count))),
            "every number once, no gap at the restart")
        #expect(all.map(\.event.id) == order, "in commit order; rolled-back events never appear")
    }

    @Test func anAgentSeesTheEventsOfTheirInstancesOnly() async throws {
        let world = try await World()
        let mine = try await world.publish(.messageSent, instance: world.mine.id)
        _ = try await world.publish(.messageSent, instance: world.other.id)
        _ = try await world.publish(.campaignProgress, instance: nil)
        let mineAgain = try await world.publish(.messageReceived, instance: world.mine.id)

        let agentPage = try await world.gateway.events.read(after: 0, by: .acting(as: world.agent))
        #expect(agentPage.events.map(\.event) == [mine, mineAgain])
        #expect(agentPage.position == 4, "the agent's position moves past what they may not see")
        let adminPage = try await world.gateway.events.read(after: 0, by: .acting(as: world.admin))
        #expect(adminPage.events.count == 4)

        // A subscription is checked on every read: a deactivated agent's ends with an error.
        _ = try await world.gateway.team.deactivate(world.agent.id, by: .acting(as: world.admin))
        await expectWAError(.unauthenticated) {
            _ = try await world.gateway.events.read(after: 0, by: .acting(as: world.agent))
        }
    }

    @Test func resumingFromAPrunedPositionIsAnErrorNotAGap() async throws {
        let world = try await World(retention: .seconds(3_600))
        let admin = Principal.acting(as: world.admin)
        for _ in 0..<3 { _ = try await world.publish(.messageSent, instance: world.mine.id) }
        world.clock.advance(by: .seconds(7_200))
        let recent = try await world.publish(.messageSent, instance: world.mine.id)
        #expect(try await world.gateway.events.pruneExpired() == 0, "the webhook fan-out has not read them yet")
        try await world.gateway.runDueJobs()
        #expect(try await world.gateway.events.pruneExpired() == 3)
        #expect(try await world.gateway.events.bounds(by: admin) == EventLogBounds(firstRetained: 4, last: 4))

        await expectWAError(.eventLogPositionPruned) {
            _ = try await world.gateway.events.read(after: 1, by: admin)
        }
        // From the oldest kept event, or from a position at or after it, reading goes on.
        #expect(try await world.gateway.events.read(after: 3, by: admin).events.map(\.event) == [recent])
        var iterator = world.gateway.events.subscribe(from: .oldest, by: admin).makeAsyncIterator()
        #expect(try await iterator.next()?.event == recent)
    }
}
