import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// An organization with a linked simulated instance, the messaging services, and a pump that feeds the session's
/// events to the event handler.
final class MessagingHarness: Sendable {
    let clock = TestClock()
    let env: ServiceEnvironment
    let network: SimulatedWhatsApp
    let directory = TestSessionDirectory()
    let webhooks = RecordingWebhookPublisher()
    let messaging: MessagingService
    let dispatcher: MessageDispatcher
    let handler: MessageEventHandler
    let organization: Organization
    let admin: Member
    let instance: Instance
    let shop: SimulatedPhone
    let session: SimulatedSession
    private let pump: Task<Void, Never>

    init(plan: Plan = .pro, quota: Int? = nil) async throws {
        let clock = self.clock
        let env = ServiceEnvironment.testing(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 11))
        self.env = env
        self.network = network
        messaging = MessagingService(environment: env)
        dispatcher = MessageDispatcher(environment: env, sessions: directory, webhooks: webhooks)
        handler = MessageEventHandler(environment: env, webhooks: webhooks)
        let (organization, admin) = try await TeamService(environment: env).createOrganization(
            name: "Shop", slug: "shop", plan: plan, adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        self.organization = organization
        self.admin = admin
        let org = organization.id
        if let quota {
            _ = try await env.store.transaction(.organization(org)) { tx in
                var stored = try await tx.organizations.get(org, in: org)
                var limits = stored.limits
                limits.messagesPerDay = quota
                stored.limitOverrides = limits
                return try await tx.organizations.update(stored)
            }
        }
        let linked = try await SimulatedShop.link(
            try PhoneNumber("+49 170 0000001"), name: "Shop", instanceName: "shop", in: org, env: env,
            network: network, directory: directory, handler: handler)
        (shop, session, instance, pump) = (linked.phone, linked.session, linked.instance, linked.pump)
    }

    deinit { pump.cancel() }

    /// A phone on the network.
    func phone(_ digits: String, name: String = "Customer") throws -> SimulatedPhone {
        network.addPhone(try PhoneNumber("+49 170 \(digits)"), name: name)
    }

    func send(_ text: String, to phone: SimulatedPhone, key: String? = nil, by principal: Principal? = nil)
        async throws -> Message
    {
        try await messaging.send(
            .text(text, to: phone.number, from: instance.id, idempotencyKey: key), by: principal ?? .acting(as: admin))
    }

    /// Runs the dispatcher until every send job is finished, in virtual time: when nothing is due, the clock jumps
    /// to the next scheduled job.
    func dispatchAll() async throws {
        let dispatcher = self.dispatcher
        let clock = self.clock
        try await clock.run {
            while true {
                if try await dispatcher.runOnce(worker: "test") > 0 { continue }
                let waiting = try await self.jobs().filter { $0.state == .available }
                guard let next = waiting.map(\.scheduledAt).min() else { return }
                if next > clock.now() { clock.set(next) }
            }
        }
    }

    func message(_ id: MessageID) async throws -> Message {
        let org = organization.id
        return try await env.store.transaction(.organization(org)) { try await $0.messages.get(id, in: org) }
    }

    /// Waits until `condition` holds for the stored message (`what` names it if it never does), and returns it.
    func waitFor(
        _ id: MessageID, _ what: String, fileID: String = #fileID, line: Int = #line,
        _ condition: @Sendable (Message) -> Bool
    ) async throws -> Message {
        try await clock.waitFor("message \(id): \(what)", fileID: fileID, line: line) {
            let current = try await message(id)
            return condition(current) ? current : nil
        }
    }

    func jobs() async throws -> [Job] {
        let org = organization.id
        return try await env.store.transaction(.organization(org)) { try await $0.jobs.list(in: org, page: .all).items }
    }

    func auditActions() async throws -> [String] {
        let org = organization.id
        return try await env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, page: .all).items.map(\.action)
        }
    }
}
