import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// One or more organizations, each with a linked simulated instance on one shared network, the messaging pipeline
/// and the automation engine plugged into it (`MessageEventHandler`'s `onInbound` calls `engine.handleInbound`), all in
/// virtual time.
final class AutomationHarness: Sendable {
    /// One organization's gateway: its admin, its linked instance and the pump feeding its session's events to the
    /// event handler.
    final class Gateway: Sendable {
        let organization: Organization
        let admin: Member
        let instance: Instance
        let phone: SimulatedPhone
        let session: SimulatedSession
        let handler: MessageEventHandler
        /// Inbound messages the pipeline handed to the engine and the engine finished.
        let processed: Counter
        private let pump: Task<Void, Never>

        init(
            organization: Organization, admin: Member, shop: SimulatedShop, handler: MessageEventHandler,
            processed: Counter
        ) {
            self.processed = processed
            self.organization = organization
            self.admin = admin
            self.instance = shop.instance
            self.phone = shop.phone
            self.session = shop.session
            self.handler = handler
            pump = shop.pump
        }

        deinit { pump.cancel() }

        var principal: Principal { .acting(as: admin) }
    }

    let clock: TestClock
    let env: ServiceEnvironment
    let network: SimulatedWhatsApp
    let directory = TestSessionDirectory()
    let webhooks = RecordingWebhookPublisher()
    let messaging: MessagingService
    let dispatcher: MessageDispatcher
    let engine: AutomationEngine
    let automations: AutomationService
    /// Errors the engine reported (there should be none).
    let errors = ErrorLog()
    private let gateways = Mutex<[Gateway]>([])
    /// The first organization ("Shop").
    let shop: Gateway

    init(loopGuard: AutomationLoopGuard = AutomationLoopGuard(), start: Date? = nil) async throws {
        let clock = start.map { TestClock(now: $0) } ?? TestClock()
        self.clock = clock
        let env = ServiceEnvironment.testing(clock: clock)
        self.env = env
        network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 11))
        messaging = MessagingService(environment: env)
        dispatcher = MessageDispatcher(environment: env, sessions: directory, webhooks: webhooks)
        let errors = self.errors
        engine = AutomationEngine(
            environment: env, webhooks: webhooks, loopGuard: loopGuard,
            onError: { error in errors.record(error) })
        automations = AutomationService(environment: env)
        shop = try await Self.makeGateway(
            name: "Shop", slug: "shop", digits: "0000001", env: env, network: network, directory: directory,
            webhooks: webhooks, engine: engine)
        gateways.withLock { $0.append(shop) }
    }

    /// Another organization with its own linked instance on the same network.
    func addGateway(name: String, slug: String, digits: String) async throws -> Gateway {
        let gateway = try await Self.makeGateway(
            name: name, slug: slug, digits: digits, env: env, network: network, directory: directory,
            webhooks: webhooks, engine: engine)
        gateways.withLock { $0.append(gateway) }
        return gateway
    }

    private static func makeGateway(
        name: String, slug: String, digits: String, env: ServiceEnvironment, network: SimulatedWhatsApp,
        directory: TestSessionDirectory, webhooks: RecordingWebhookPublisher, engine: AutomationEngine
    ) async throws -> Gateway {
        let (organization, admin) = try await TeamService(environment: env).createOrganization(
            name: name, slug: slug, plan: .pro, adminEmail: "admin@\(slug).example.com", adminName: "Admin",
            adminPassword: "correct horse battery staple")
        // The engine's callback, counted so that `settle()` knows when every delivered message was handled.
        let processed = Counter()
        let handler = MessageEventHandler(environment: env, webhooks: webhooks) { message, contact in
            await engine.handleInbound(message, from: contact)
            processed.increment()
        }
        let linked = try await SimulatedShop.link(
            try PhoneNumber("+49 170 \(digits)"), name: name, instanceName: slug, in: organization.id, env: env,
            network: network, directory: directory, handler: handler)
        return Gateway(organization: organization, admin: admin, shop: linked, handler: handler, processed: processed)
    }

    /// A phone on the network.
    func phone(_ digits: String, name: String = "Customer") throws -> SimulatedPhone {
        network.addPhone(try PhoneNumber("+49 170 \(digits)"), name: name)
    }

    // MARK: Setup helpers

    func template(_ body: String, name: String? = nil, in gateway: Gateway? = nil) async throws -> Template {
        let gateway = gateway ?? shop
        return try await TemplateService(environment: env).create(
            name: name ?? "t-\(env.ids.make() as TemplateID)", body: body, by: gateway.principal)
    }

    /// An automation replying with `text`.
    @discardableResult
    func autoReply(
        _ trigger: Automation.Trigger, text: String, cooldown: Int = 0, in gateway: Gateway? = nil,
        extra: [Automation.Action] = []
    ) async throws -> Automation {
        let gateway = gateway ?? shop
        let template = try await self.template(text, in: gateway)
        return try await automations.create(
            name: "reply", trigger: trigger, actions: [.replyWithTemplate(template.id)] + extra,
            cooldownSeconds: cooldown, by: gateway.principal)
    }

    // MARK: Running

    /// Lets the pipeline run to rest in virtual time: inbound events are handled, queued replies dispatched, and
    /// the clock moved to the next deadline (typing, latency, scripted replies) whenever nothing else can happen.
    ///
    /// At rest means: every message delivered to a gateway's phone went through the engine, no send job is
    /// available and nothing sleeps on the clock.
    func settle() async throws {
        for _ in 0..<20_000 {
            await clock.settle()  // every runnable task has reached its next wait
            if try await hasAvailableJobs() {
                try await dispatchAll()
            } else if !caughtUp {
                continue
            } else if !clock.advanceToNextDeadline() {
                return
            }
        }
        Issue.record("the pipeline did not come to rest")
    }

    private var caughtUp: Bool {
        gateways.withLock { $0 }.allSatisfy { $0.processed.value == network.deliveries(to: $0.phone.number).count }
    }

    /// Runs the dispatcher until no send job is available, jumping the clock to snoozed jobs.
    func dispatchAll() async throws {
        let dispatcher = self.dispatcher
        let clock = self.clock
        try await clock.run {
            while true {
                if try await dispatcher.runOnce(worker: "test") > 0 { continue }
                let waiting = try await self.allJobs().filter { $0.state == .available }
                guard let next = waiting.map(\.scheduledAt).min() else { return }
                if next > clock.now() { clock.set(next) }
            }
        }
    }

    private func hasAvailableJobs() async throws -> Bool {
        try await !allJobs().filter { $0.state == .available }.isEmpty
    }

    func allJobs() async throws -> [Job] {
        var jobs: [Job] = []
        for gateway in gateways.withLock({ $0 }) {
            let org = gateway.organization.id
            jobs += try await env.store.transaction(.organization(org)) {
                try await $0.jobs.list(in: org, page: .all).items
            }
        }
        return jobs
    }

    // MARK: Reading

    func messages(in gateway: Gateway? = nil, where filter: Message.Filter = .init()) async throws -> [Message] {
        let org = (gateway ?? shop).organization.id
        return try await env.store.transaction(.organization(org)) {
            try await $0.messages.list(in: org, where: filter, page: .all).items
        }
    }

    /// Outbound messages sent by automations.
    func automatedReplies(in gateway: Gateway? = nil) async throws -> [Message] {
        try await messages(in: gateway, where: .init(direction: .outbound)).filter(AutomationReplyKey.isAutomated)
    }

    func inbound(in gateway: Gateway? = nil) async throws -> [Message] {
        try await messages(in: gateway, where: .init(direction: .inbound))
    }

    func contact(_ phone: SimulatedPhone, in gateway: Gateway? = nil) async throws -> Contact {
        let org = (gateway ?? shop).organization.id
        let found = try await env.store.transaction(.organization(org)) {
            try await $0.contacts.find(phone: phone.number, in: org)
        }
        return try #require(found)
    }

    func auditEvents(_ action: String, in gateway: Gateway? = nil) async throws -> [AuditEvent] {
        let org = (gateway ?? shop).organization.id
        return try await env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, where: .init(action: action), page: .all).items
        }
    }

    /// Texts a phone received from the shop.
    func texts(_ phone: SimulatedPhone, from gateway: Gateway? = nil) -> [String] {
        phone.messages(from: (gateway ?? shop).phone.number).compactMap(\.body)
    }
}

/// Collects the errors the engine reports through `onError`.
final class ErrorLog: Sendable {
    private let entries = Mutex<[String]>([])
    func record(_ error: any Error) { entries.withLock { $0.append(String(describing: error)) } }
    var all: [String] { entries.withLock { $0 } }
}

/// A thread-safe count.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
