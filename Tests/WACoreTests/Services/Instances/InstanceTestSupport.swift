import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// A simulated network, a memory store on a test clock, recorders for webhooks and session events, and one
/// supervisor ("node-a") with its service.
final class InstanceHarness: Sendable {
    let clock = TestClock()
    let env: ServiceEnvironment
    let network: SimulatedWhatsApp
    let transport: RecordingTransport
    let webhooks = InstanceWebhookRecorder()
    let handler = RecordingEventHandler()
    let supervisor: InstanceSupervisor
    let service: InstanceService
    let phone = try! PhoneNumber("+4917012345678")

    init(
        networkConfiguration: SimulatedWhatsApp.Configuration = .init(),
        supervisorConfiguration: InstanceSupervisor.Configuration = .init()
    ) {
        env = ServiceEnvironment.testing(clock: clock)
        network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 7), configuration: networkConfiguration)
        network.addPhone(phone, name: "Shop")
        transport = RecordingTransport(network: network)
        supervisor = InstanceSupervisor(
            environment: env, transport: transport, nodeID: "node-a", webhooks: webhooks, eventHandler: handler,
            configuration: supervisorConfiguration)
        service = InstanceService(environment: env, supervisor: supervisor)
    }

    /// Another node on the same store and transport (and nothing else shared with node-a).
    func makeSupervisor(node: String) -> InstanceSupervisor {
        InstanceSupervisor(environment: env, transport: transport, nodeID: node, webhooks: webhooks)
    }

    /// An organization with its admin (as a principal).
    func tenant(plan: Plan = .pro) async throws -> (org: OrganizationID, admin: Principal) {
        let (org, admin) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: "acme", plan: plan, adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        return (org.id, .acting(as: admin))
    }

    /// The stored instance.
    func stored(_ id: InstanceID, in org: OrganizationID) async throws -> Instance {
        try await env.store.transaction(.organization(org)) { try await $0.instances.get(id, in: org) }
    }

    /// The stored sealed archive, if any.
    func sealedArchive(_ id: InstanceID, in org: OrganizationID) async throws -> [UInt8]? {
        try await env.store.transaction(.organization(org)) { try await $0.sessionArchives.sealed(of: id, in: org) }
    }

    /// The stored archive, opened.
    func storedArchive(_ id: InstanceID, in org: OrganizationID) async throws -> SessionArchive? {
        try await sealedArchive(id, in: org).map {
            SessionArchive(bytes: try env.secretBox.open($0, context: InstanceSupervisor.archiveContext(org)))
        }
    }

    /// The stored desired state.
    func desiredState(_ id: InstanceID, in org: OrganizationID) async throws -> InstanceDesiredState {
        try await stored(id, in: org).desiredState
    }

    /// Every instance whose desired state is running, as `resumeAll` reads them.
    func desiredRunning() async throws -> [InstanceID] {
        try await env.store.transaction(.system) { try await $0.instances.desiredRunning(after: nil, limit: 500) }
            .map(\.id)
    }

    /// The stored lease, if any.
    func lease(_ id: InstanceID, in org: OrganizationID) async throws -> InstanceLease? {
        try await env.store.transaction(.organization(org)) { try await $0.leases.find(id.retyped(), in: org) }
    }

    func waitForStatus(
        _ status: InstanceStatus, _ id: InstanceID, in org: OrganizationID, fileID: String = #fileID, line: Int = #line
    ) async throws {
        try await clock.waitUntil("instance status \(status.rawValue)", fileID: fileID, line: line) {
            try await self.stored(id, in: org).status == status
        }
    }

    /// Creates an instance, starts it, scans its QR code with ``phone`` and waits until it is ready.
    /// A stored member of `org` with `role` and `assigned` instances, as a principal.
    func member(_ role: Role, in org: OrganizationID, assigned: Set<InstanceID> = []) async throws -> Principal {
        let member = Member(
            id: env.ids.make(), organizationID: org, email: "\(role.rawValue)-\(env.ids.make() as MemberID)@example.com",
            displayName: role.rawValue, role: role, assignedInstances: assigned, createdAt: env.clock.now())
        return .acting(as: try await env.store.transaction(.organization(org)) { try await $0.members.insert(member) })
    }

    func linkedInstance(org: OrganizationID, admin: Principal, name: String = "support") async throws -> Instance {
        let created = try await service.create(name: name, by: admin)
        try await service.start(created.id, by: admin)
        try await waitForStatus(.awaitingQR, created.id, in: org)
        let code = try #require(supervisor.linkCode(for: created.id))
        try network.scan(qrCode: code.value, with: phone)
        try await waitForStatus(.ready, created.id, in: org)
        #expect(try await sealedArchive(created.id, in: org) != nil)  // saved with `ready`, in its transaction
        return try await stored(created.id, in: org)
    }
}

/// Records every webhook event published (inside the publishing transaction) and logs it.
final class InstanceWebhookRecorder: WebhookPublisher {
    private let recorded = Mutex<[WebhookEvent]>([])

    func publish(_ event: WebhookEvent, in transaction: any StoreTransaction) async throws -> LoggedEvent {
        let logged = try await transaction.eventLog.append(event)
        recorded.withLock { $0.append(event) }
        return logged
    }

    var events: [WebhookEvent] { recorded.withLock { $0 } }

    func events(_ type: WebhookEventType) -> [WebhookEvent] { events.filter { $0.type == type } }
}

/// Records every session event the supervisor forwards, with the instance's status at that moment.
final class RecordingEventHandler: SessionEventHandler {
    private let recorded = Mutex<[(event: SessionEvent, status: InstanceStatus)]>([])

    func handle(_ event: SessionEvent, from instance: Instance) async {
        recorded.withLock { $0.append((event, instance.status)) }
    }

    var events: [(event: SessionEvent, status: InstanceStatus)] { recorded.withLock { $0 } }
}

/// The simulator, recording the configuration of every session it makes; sessions through a proxy host marked
/// down fail to open, as with a dead proxy.
final class RecordingTransport: WhatsAppTransport {
    let network: SimulatedWhatsApp
    private let recorded = Mutex<[SessionConfiguration]>([])
    private let downProxies = Mutex<Set<String>>([])

    init(network: SimulatedWhatsApp) { self.network = network }

    func makeSession(_ configuration: SessionConfiguration) async throws -> any WhatsAppSession {
        recorded.withLock { $0.append(configuration) }
        if let host = configuration.proxy?.host, downProxies.withLock({ $0.contains(host) }) {
            throw WAError(.transportError, "the proxy \(host) refused the connection")
        }
        return try await network.makeSession(configuration)
    }

    /// Marks the proxy at `host` down (new sessions through it fail) or up again.
    func setProxy(_ host: String, down: Bool) {
        downProxies.withLock { if down { $0.insert(host) } else { $0.remove(host) } }
    }

    var configurations: [SessionConfiguration] { recorded.withLock { $0 } }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
