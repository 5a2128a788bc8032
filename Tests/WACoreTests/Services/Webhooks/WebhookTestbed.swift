import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// A memory-store environment with a test clock, a recording sender, the webhook service, its fan-out and its
/// delivery worker.
struct WebhookTestbed {
    struct Tenant {
        let org: OrganizationID
        let admin: Principal
        let manager: Principal
        let agent: Principal
        let viewer: Principal
    }

    let clock: TestClock
    let env: ServiceEnvironment
    let sender: RecordingWebhookSender
    let service: WebhookService
    let worker: WebhookDeliveryWorker
    let fanOut: WebhookFanOutWorker

    init(
        retryPolicy: WebhookRetryPolicy = .standard, healthPolicy: WebhookEndpointHealthPolicy = .standard,
        urlPolicy: WebhookURLPolicy = .standard, sender: RecordingWebhookSender = RecordingWebhookSender(),
        lease: Duration = .seconds(60)
    ) {
        clock = TestClock()
        env = ServiceEnvironment.testing(clock: clock)
        self.sender = sender
        service = WebhookService(
            environment: env, urlPolicy: urlPolicy, retryPolicy: retryPolicy, healthPolicy: healthPolicy)
        worker = WebhookDeliveryWorker(service: service, sender: sender, lease: lease)
        fanOut = WebhookFanOutWorker(service: service)
    }

    /// Runs the fan-out until no run is due: every published event has its deliveries.
    @discardableResult
    func runFanOut() async throws -> Int {
        var runs = 0
        while case let claimed = try await fanOut.runOnce(worker: "fan-out"), claimed > 0 { runs += claimed }
        return runs
    }

    func tenant(plan: Plan = .pro, slug: String = "acme") async throws -> Tenant {
        let (org, admin) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: slug, plan: plan, adminEmail: "ana@\(slug).example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let members = try await env.store.transaction(.organization(org.id)) { tx in
            var members: [Member] = []
            for role in [Role.manager, .agent, .viewer] {
                members.append(
                    try await tx.members.insert(
                        Member(
                            id: env.ids.make(), organizationID: org.id, email: "\(role.rawValue)@\(slug).example.com",
                            displayName: role.rawValue, role: role, createdAt: env.clock.now())))
            }
            return members
        }
        return Tenant(
            org: org.id, admin: .acting(as: admin), manager: .acting(as: members[0]), agent: .acting(as: members[1]),
            viewer: .acting(as: members[2]))
    }

    func auditActions(_ org: OrganizationID) async throws -> [String] {
        try await auditEvents(org).map(\.action)
    }

    func auditEvents(_ org: OrganizationID, action: String? = nil) async throws -> [AuditEvent] {
        try await env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, where: .init(action: action), page: .all).items
        }
    }

    func storedEndpoint(_ id: WebhookEndpointID, in org: OrganizationID) async throws -> WebhookEndpoint {
        try await env.store.transaction(.organization(org)) { try await $0.webhookEndpoints.get(id, in: org) }
    }

    func storedDelivery(_ id: DeliveryID, in org: OrganizationID) async throws -> Delivery {
        try await env.store.transaction(.organization(org)) { try await $0.deliveries.get(id, in: org) }
    }

    func deliveries(_ org: OrganizationID) async throws -> [Delivery] {
        try await env.store.transaction(.organization(org)) {
            try await $0.deliveries.list(in: org, where: .init(), page: .all).items
        }
    }

    func jobs(_ org: OrganizationID) async throws -> [Job] {
        try await env.store.transaction(.organization(org)) {
            try await $0.jobs.list(in: org, where: .init(queue: WebhookService.deliveryQueue), page: .all).items
        }
    }

    /// Publishes an event of `type` for `org` in its own transaction, runs the fan-out, and returns the event's
    /// deliveries.
    @discardableResult
    func publish(_ type: WebhookEventType, in org: OrganizationID, data: JSONValue = ["n": 1]) async throws
        -> (WebhookEvent, [Delivery])
    {
        let event = WebhookEvent(type: type, organizationID: org, data: data, ids: env.ids)
        _ = try await env.store.transaction(.organization(org)) { tx in try await service.publish(event, in: tx) }
        try await runFanOut()
        return (event, try await deliveries(of: event, in: org))
    }

    /// The deliveries of one event.
    func deliveries(of event: WebhookEvent, in org: OrganizationID) async throws -> [Delivery] {
        try await deliveries(org).filter { $0.eventID == event.id.description }
    }

    /// The request headers as a dictionary, for ``StandardWebhookVerifier``.
    static func headers(_ request: WebhookHTTPRequest) -> [String: String] {
        Dictionary(request.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A value set after creation and read from `@Sendable` closures, now (``current``) or once it is set (``value``).
final class WebhookTestSlot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }
    private let state = Mutex(State())

    func set(_ newValue: Value) {
        let waiters = state.withLock { s in
            s.value = newValue
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(returning: newValue) }
    }

    var current: Value? { state.withLock { $0.value } }

    /// The value, waiting (without polling) until it is set.
    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let value = state.withLock { s -> Value? in
                    if s.value == nil { s.waiters.append(continuation) }
                    return s.value
                }
                if let value { continuation.resume(returning: value) }
            }
        }
    }
}

/// Counts calls from `@Sendable` closures.
final class WebhookCallCounter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
