import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// An organization with a linked simulated instance, the messaging services, the campaign service and its wave
/// worker, and a pump that feeds the session's events to the event handler.
final class CampaignHarness: Sendable {
    let clock: TestClock
    let env: ServiceEnvironment
    let network: SimulatedWhatsApp
    let directory = TestSessionDirectory()
    let webhooks = RecordingWebhookPublisher()
    let messaging: MessagingService
    let handler: MessageEventHandler
    let pacing: CampaignPacing
    let organization: Organization
    let admin: Member
    let instance: Instance
    let shop: SimulatedPhone
    let session: SimulatedSession
    /// The running "services": replaced by ``restartServices()``.
    private let services: Mutex<(campaigns: CampaignService, worker: CampaignWaveWorker, dispatcher: MessageDispatcher)>
    private let pump: Task<Void, Never>

    var campaigns: CampaignService { services.withLock { $0.campaigns } }
    var worker: CampaignWaveWorker { services.withLock { $0.worker } }
    var dispatcher: MessageDispatcher { services.withLock { $0.dispatcher } }

    init(
        start: Date = Date(timeIntervalSince1970: 1_767_225_600), rateLimits: InstanceRateLimits? = nil,
        pacing: CampaignPacing = CampaignPacing(), plan: Plan = .pro
    ) async throws {
        let clock = TestClock(now: start)
        self.clock = clock
        let env = ServiceEnvironment.testing(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 11))
        self.env = env
        self.network = network
        self.pacing = pacing
        messaging = MessagingService(environment: env)
        handler = MessageEventHandler(environment: env, webhooks: webhooks)
        let campaigns = CampaignService(environment: env, webhooks: webhooks, pacing: pacing)
        services = Mutex(
            (campaigns, CampaignWaveWorker(service: campaigns),
             MessageDispatcher(environment: env, sessions: directory, webhooks: webhooks)))
        let (organization, admin) = try await TeamService(environment: env).createOrganization(
            name: "Shop", slug: "shop", plan: plan, adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        self.organization = organization
        self.admin = admin
        let org = organization.id
        let linked = try await SimulatedShop.link(
            try PhoneNumber("+49 170 0000001"), name: "Shop", instanceName: "shop", in: org, env: env,
            network: network, directory: directory, handler: handler, rateLimits: rateLimits)
        (shop, session, instance, pump) = (linked.phone, linked.session, linked.instance, linked.pump)
    }

    deinit { pump.cancel() }

    var adminPrincipal: Principal { .acting(as: admin) }

    /// New service, worker and dispatcher instances on the same store, as after a process restart.
    func restartServices() {
        let campaigns = CampaignService(environment: env, webhooks: webhooks, pacing: pacing)
        services.withLock {
            $0 = (campaigns, CampaignWaveWorker(service: campaigns),
                  MessageDispatcher(environment: env, sessions: directory, webhooks: webhooks))
        }
    }

    /// A phone on the network, with a contact for it.
    @discardableResult
    func customer(_ index: Int, name: String? = nil, tags: Set<String> = []) async throws -> (SimulatedPhone, Contact) {
        let name = name ?? "Customer \(index)"
        let phone = network.addPhone(try PhoneNumber("+49 171 \(1_000_000 + index)"), name: name)
        let contact = try await ContactService(environment: env).create(
            phone: phone.number, name: name, tags: tags, by: adminPrincipal)
        return (phone, contact)
    }

    func template(_ body: String, name: String = "offer") async throws -> Template {
        try await TemplateService(environment: env).create(name: name, body: body, by: adminPrincipal)
    }

    /// Runs the wave worker and the dispatcher in virtual time until nothing is left to do (or `stop` holds):
    /// when nothing is due, the clock jumps to the next scheduled job (or expired lease).
    func runAll(until stop: (@Sendable () async throws -> Bool)? = nil) async throws {
        let clock = self.clock
        try await clock.run {
            var sameInstant = 0
            var last = clock.now()
            while true {
                if let stop, try await stop() { return }
                let sent = try await self.dispatcher.runOnce(worker: "dispatcher")
                let waved = try await self.worker.runOnce(worker: "campaigns")
                if clock.now() == last { sameInstant += 1 } else { (sameInstant, last) = (0, clock.now()) }
                if sameInstant > 5_000 {
                    let stuck = try await self.jobs().filter { !$0.state.isFinal }.prefix(5)
                        .map { "\($0.queue) \($0.state) \($0.scheduledAt) attempt \($0.attempt) \($0.lastError ?? "")" }
                    Issue.record("no progress at \(clock.now()): \(stuck)")
                    return
                }
                if sent + waved > 0 { continue }
                guard let next = try await self.nextJobTime() else { return }
                if next > clock.now() { clock.set(next) }
            }
        }
    }

    /// When the next job becomes claimable: the earliest due time of an available job or lease end of a running
    /// one.
    func nextJobTime() async throws -> Date? {
        try await jobs().compactMap { job -> Date? in
            switch job.state {
            case .available: job.scheduledAt
            case .running: job.lockedUntil
            default: nil
            }
        }.min()
    }

    func jobs(queue: String? = nil) async throws -> [Job] {
        let org = organization.id
        return try await env.store.transaction(.organization(org)) { tx in
            try await everyPage(order: .oldestFirst) { page in
                try await tx.jobs.list(in: org, where: Job.Filter(queue: queue), page: page)
            }
        }
    }

    func messages(of campaign: CampaignID) async throws -> [Message] {
        let org = organization.id
        return try await env.store.transaction(.organization(org)) { tx in
            try await tx.messages.list(in: org, where: Message.Filter(campaignID: campaign), page: .all).items
        }
    }

    func campaign(_ id: CampaignID) async throws -> Campaign {
        try await campaigns.get(id, by: adminPrincipal)
    }

    func auditActions() async throws -> [String] {
        let org = organization.id
        return try await env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, page: .all).items.map(\.action)
        }
    }

    /// Sorted send times of the campaign's messages.
    func sendTimes(of campaign: CampaignID) async throws -> [Date] {
        try await messages(of: campaign).compactMap(\.timestamps.sentAt).sorted()
    }

    /// How many WhatsApp messages the network carried to `phones` (all of them, campaign or not).
    func received(by phones: [SimulatedPhone]) -> [Int] { phones.map { $0.inbox.count } }

    /// The largest number of `times` inside any 60-second window.
    static func busiestMinute(_ times: [Date]) -> Int { busiestWindow(times, seconds: 60) }

    /// The most of the sorted `times` in any window of `seconds`, wherever it starts.
    static func busiestWindow(_ times: [Date], seconds: Double) -> Int {
        var best = 0
        for (index, start) in times.enumerated() {
            best = max(best, times[index...].prefix { $0 < start.addingTimeInterval(seconds) }.count)
        }
        return best
    }

    /// Another organization with an admin, for isolation checks.
    func otherOrganization() async throws -> Member {
        try await TeamService(environment: env).createOrganization(
            name: "Other", slug: "other", plan: .pro, adminEmail: "olga@example.com", adminName: "Olga",
            adminPassword: "correct horse battery staple").1
    }

    /// A member of this organization with `role`.
    func member(_ role: Role, email: String) async throws -> Member {
        let team = TeamService(environment: env)
        let (_, invitation) = try await team.invite(email: email, displayName: email, role: role, by: adminPrincipal)
        return try await team.acceptInvitation(token: invitation.reveal(), password: "a different passphrase 99")
    }
}
