public import Foundation
import Logging

/// Webhook endpoints and their deliveries: create, change, delete, rotate secrets, send test events, list
/// deliveries with their attempts, replay failed deliveries, and publish events (``WebhookPublisher``).
///
/// - URLs pass ``urlPolicy`` (https and public targets by default) and are stored normalized.
/// - The signing secret is generated from the environment's random source, stored sealed (``SecretBox``, context
///   organization / `webhook_secret`), and returned once, by ``create(url:eventFilters:label:signatureMode:by:)``
///   and ``rotateSecret(_:by:)``. Endpoints this service returns carry no sealed secrets (their
///   ``WebhookEndpoint/sealedSecrets`` is empty): they are for display; the delivery worker reads the secrets
///   from the store.
/// - Rotation puts the new secret first and keeps the previous one for ``rotationWindow``; during the window every
///   delivery is signed with both (`webhook-signature: v1,<new> v1,<old>`), so receivers can switch at their own
///   pace. ``finishRotation(_:by:)`` ends the window early; after it, the previous secret no longer signs and is
///   dropped at the endpoint's next change.
/// - Every change writes an audit event in the same transaction; reads need `webhooks:read`, changes
///   `webhooks:manage`.
///
/// Publishing appends the event to the organization's event log in the caller's transaction; the fan-out
/// (``WebhookFanOutWorker``, jobs on ``fanOutQueue``) reads the log and creates one ``Delivery`` and one job on
/// ``deliveryQueue`` per enabled endpoint whose filter matches; ``WebhookDeliveryWorker`` sends them.
public struct WebhookService: WebhookPublisher {
    /// The job queue deliveries wait on.
    public static let deliveryQueue = "webhook.deliver"
    /// The job queue of fan-out runs: each reads an organization's event log and creates deliveries.
    public static let fanOutQueue = "webhook.fan_out"

    /// A newly created endpoint and its signing secret, which is shown to the user once and never again.
    public struct CreatedEndpoint: Sendable {
        public let endpoint: WebhookEndpoint
        public let secret: WebhookSecret
    }

    /// The result of a rotation: the new secret (shown once) and when the previous one stops signing.
    public struct RotatedSecret: Sendable {
        public let endpoint: WebhookEndpoint
        public let secret: WebhookSecret
        public let previousSecretRetiresAt: Date
    }

    let env: ServiceEnvironment
    /// The rules for endpoint URLs (and, through the worker, for resolved addresses).
    public let urlPolicy: WebhookURLPolicy
    /// When failed deliveries are retried.
    public let retryPolicy: WebhookRetryPolicy
    /// When failing endpoints are disabled.
    public let healthPolicy: WebhookEndpointHealthPolicy
    /// How long a previous secret keeps signing after a rotation.
    public let rotationWindow: Duration

    /// The most event filter patterns one endpoint may have.
    public static let maximumEventFilters = 50

    /// A service over `environment`, of which it uses the store, clock, random source, identifier generator, access policy, secret box and logger.
    public init(
        environment: ServiceEnvironment, urlPolicy: WebhookURLPolicy = .standard,
        retryPolicy: WebhookRetryPolicy = .standard, healthPolicy: WebhookEndpointHealthPolicy = .standard,
        rotationWindow: Duration = .seconds(24 * 3600)
    ) {
        self.env = environment
        self.urlPolicy = urlPolicy
        self.retryPolicy = retryPolicy
        self.healthPolicy = healthPolicy
        self.rotationWindow = rotationWindow
    }

    // MARK: Endpoints

    /// Creates an endpoint within the plan's endpoint limit and returns it with its new signing secret.
    ///
    /// - Parameters:
    ///   - url: validated by ``urlPolicy`` and stored normalized.
    ///   - eventFilters: ``WebhookEventFilter`` patterns; empty means every event.
    public func create(
        url: String, eventFilters: [String] = [], label: String? = nil,
        signatureMode: WebhookEndpoint.SignatureMode = .standardWebhooks, by principal: Principal
    ) async throws -> CreatedEndpoint {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksManage, on: .organization(org))
        let normalized = try urlPolicy.validate(url)
        let filters = try Self.validFilters(eventFilters)
        let label = try Self.validLabel(label)
        let secret = try WebhookSecret.generate(using: env.random)
        let sealed = try WebhookSigningKeys.seal(.init(secret: secret, retiresAt: nil), for: org, with: env.secretBox)
        let endpoint = WebhookEndpoint(
            id: env.ids.make(), organizationID: org, url: normalized.description, label: label,
            eventFilters: filters, sealedSecrets: [sealed], signatureMode: signatureMode, createdAt: env.clock.now())
        let stored = try await env.transaction(by: principal) { tx in
            // Locked: two creations cannot both count below the limit, then both insert.
            let organization = try await tx.organizations.getForUpdate(org, in: org)
            let count = try await tx.webhookEndpoints.count(in: org, where: .init())
            guard count < organization.limits.webhookEndpoints else {
                throw WAError(
                    .planLimitReached,
                    "the \(organization.plan.rawValue) plan allows \(organization.limits.webhookEndpoints) webhook endpoints")
            }
            var endpoint = endpoint
            endpoint.firstEventSequence = try await tx.eventLog.bounds(in: org).last + 1
            let stored = try await tx.webhookEndpoints.insert(endpoint)
            _ = try await tx.auditEvents.insert(
                audit(
                    "webhook_endpoint.created", stored.id, principal,
                    ["host": normalized.host, "events": Self.describe(filters), "signature_mode": signatureMode.rawValue]))
            return stored
        }
        return CreatedEndpoint(endpoint: Self.redacted(stored), secret: secret)
    }

    /// The organization's endpoints (without secrets).
    public func endpoints(
        by principal: Principal, where filter: WebhookEndpoint.Filter = .init(), page: PageRequest = .first
    ) async throws -> Page<WebhookEndpoint> {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksRead, on: .organization(org))
        var result = try await env.transaction(by: principal) { tx in
            try await tx.webhookEndpoints.list(in: org, where: filter, page: page)
        }
        result.items = result.items.map(Self.redacted)
        return result
    }

    /// One endpoint (without secrets).
    public func endpoint(_ id: WebhookEndpointID, by principal: Principal) async throws -> WebhookEndpoint {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksRead, on: .organization(org))
        return Self.redacted(
            try await env.transaction(by: principal) { try await $0.webhookEndpoints.get(id, in: org) })
    }

    /// Changes an endpoint; `nil` leaves a field as it is (`label: .some(nil)` clears the label).
    ///
    /// Disabling by hand stores the reason `disabled by user` (never re-enabled automatically); enabling clears
    /// the reason and the failure streak, whoever disabled it.
    public func update(
        _ id: WebhookEndpointID, url: String? = nil, label: String?? = nil, eventFilters: [String]? = nil,
        signatureMode: WebhookEndpoint.SignatureMode? = nil, isEnabled: Bool? = nil, by principal: Principal
    ) async throws -> WebhookEndpoint {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksManage, on: .organization(org))
        let newURL = try url.map { try urlPolicy.validate($0) }
        let newFilters = try eventFilters.map(Self.validFilters)
        let newLabel = try label.map { try Self.validLabel($0) }
        let now = env.clock.now()
        let updated = try await env.transaction(by: principal) { tx in
            var endpoint = try await tx.webhookEndpoints.get(id, in: org)
            var changed: [String] = []
            if let newURL, newURL.description != endpoint.url {
                endpoint.url = newURL.description
                changed.append("url")
            }
            if let newLabel, newLabel != endpoint.label {
                endpoint.label = newLabel
                changed.append("label")
            }
            if let newFilters, newFilters != endpoint.eventFilters {
                endpoint.eventFilters = newFilters
                changed.append("event_filters")
            }
            if let signatureMode, signatureMode != endpoint.signatureMode {
                endpoint.signatureMode = signatureMode
                changed.append("signature_mode")
            }
            let toggled = isEnabled.map { $0 != endpoint.isEnabled } ?? false
            if let isEnabled, toggled {
                endpoint.isEnabled = isEnabled
                endpoint.disabledReason = isEnabled ? nil : "disabled by user"
                if isEnabled {
                    endpoint.consecutiveFailures = 0
                    endpoint.firstFailureAt = nil
                }
            }
            if let pruned = WebhookSigningKeys.pruned(endpoint, at: now, with: env.secretBox) {
                endpoint.sealedSecrets = pruned
            }
            guard !changed.isEmpty || toggled else { return endpoint }
            endpoint.updatedAt = now
            let stored = try await tx.webhookEndpoints.update(endpoint)
            if !changed.isEmpty {
                var metadata = ["changed": changed.joined(separator: " ")]
                if let newURL, changed.contains("url") { metadata["host"] = newURL.host }
                if let newFilters, changed.contains("event_filters") { metadata["events"] = Self.describe(newFilters) }
                _ = try await tx.auditEvents.insert(audit("webhook_endpoint.updated", id, principal, metadata))
            }
            if toggled {
                _ = try await tx.auditEvents.insert(
                    audit(stored.isEnabled ? "webhook_endpoint.enabled" : "webhook_endpoint.disabled", id, principal))
            }
            return stored
        }
        return Self.redacted(updated)
    }

    /// Deletes an endpoint. Its deliveries stay as history; pending ones are given up when their jobs run.
    public func delete(_ id: WebhookEndpointID, by principal: Principal) async throws {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksManage, on: .organization(org))
        try await env.transaction(by: principal) { tx in
            let endpoint = try await tx.webhookEndpoints.get(id, in: org)
            try await tx.webhookEndpoints.delete(id, in: org)
            _ = try await tx.auditEvents.insert(
                audit("webhook_endpoint.deleted", id, principal, ["host": Self.host(of: endpoint.url)]))
        }
    }

    // MARK: Secrets

    /// Generates a new signing secret and returns it (shown once). The previous current secret keeps signing
    /// for ``rotationWindow``; an older one still in its window is dropped (at most two secrets sign at once).
    public func rotateSecret(_ id: WebhookEndpointID, by principal: Principal) async throws -> RotatedSecret {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksManage, on: .organization(org))
        let secret = try WebhookSecret.generate(using: env.random)
        let now = env.clock.now()
        let retiresAt = now.adding(rotationWindow)
        let box = env.secretBox
        let stored = try await env.transaction(by: principal) { tx in
            var endpoint = try await tx.webhookEndpoints.get(id, in: org)
            var sealed = [try WebhookSigningKeys.seal(.init(secret: secret, retiresAt: nil), for: org, with: box)]
            // A secret that no longer opens (its key left the keyring) cannot keep signing: rotate it out.
            do {
                if let current = try WebhookSigningKeys.open(endpoint, with: box).first {
                    sealed.append(
                        try WebhookSigningKeys.seal(.init(secret: current.secret, retiresAt: retiresAt), for: org, with: box))
                }
            } catch {
                env.logFailure(
                    "opening the current webhook secret during rotation (it is replaced without an overlap)", error,
                    ["organization_id": "\(org)", "endpoint_id": "\(id)"])
            }
            endpoint.sealedSecrets = sealed
            endpoint.updatedAt = now
            let stored = try await tx.webhookEndpoints.update(endpoint)
            _ = try await tx.auditEvents.insert(
                audit(
                    "webhook_endpoint.secret_rotated", id, principal,
                    ["previous_secret_retires_at": RFC3339Timestamp.string(from: retiresAt)]))
            return stored
        }
        return RotatedSecret(endpoint: Self.redacted(stored), secret: secret, previousSecretRetiresAt: retiresAt)
    }

    /// Ends a rotation window now: only the current secret signs from here on. Without a rotation in progress
    /// nothing changes (and nothing is audited).
    public func finishRotation(_ id: WebhookEndpointID, by principal: Principal) async throws -> WebhookEndpoint {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksManage, on: .organization(org))
        let now = env.clock.now()
        let stored = try await env.transaction(by: principal) { tx in
            var endpoint = try await tx.webhookEndpoints.get(id, in: org)
            guard endpoint.sealedSecrets.count > 1 else { return endpoint }
            endpoint.sealedSecrets = Array(endpoint.sealedSecrets.prefix(1))
            endpoint.updatedAt = now
            let stored = try await tx.webhookEndpoints.update(endpoint)
            _ = try await tx.auditEvents.insert(audit("webhook_endpoint.rotation_finished", id, principal))
            return stored
        }
        return Self.redacted(stored)
    }

    // MARK: Test events and deliveries

    /// Sends a `webhook.test` event to this endpoint only, whatever its filters and even when it is disabled (a
    /// successful test re-enables an endpoint the health policy disabled). Returns the pending delivery.
    public func sendTestEvent(to id: WebhookEndpointID, by principal: Principal) async throws -> Delivery {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksManage, on: .organization(org))
        let event = WebhookEvent.test(organizationID: org, endpointID: id, ids: env.ids)
        return try await env.transaction(by: principal) { tx in
            let endpoint = try await tx.webhookEndpoints.get(id, in: org)
            let delivery = try await enqueueDelivery(event, payload: event.encoded(), to: endpoint.id, in: tx)
            _ = try await tx.auditEvents.insert(
                audit("webhook_endpoint.test_sent", id, principal, ["event_id": event.id.description]))
            return delivery
        }
    }

    /// The organization's deliveries, newest first by default, with every attempt; optionally only one
    /// endpoint's or one status.
    public func deliveries(
        by principal: Principal, endpoint: WebhookEndpointID? = nil, status: Delivery.Status? = nil,
        page: PageRequest = .first
    ) async throws -> Page<Delivery> {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksRead, on: .organization(org))
        return try await env.transaction(by: principal) { tx in
            let result = try await tx.deliveries.list(
                in: org, where: .init(endpointID: endpoint, status: status), page: page)
            // An endpoint id the organization never had is "not found" (a deleted endpoint keeps its history).
            if let endpoint, result.items.isEmpty, page.cursor == nil,
                try await tx.webhookEndpoints.find(endpoint, in: org) == nil,
                try await tx.deliveries.count(in: org, where: .init(endpointID: endpoint)) == 0
            {
                throw WAError.notFound("webhook endpoint", field: "endpoint_id")
            }
            return result
        }
    }

    /// One delivery with every attempt.
    public func delivery(_ id: DeliveryID, by principal: Principal) async throws -> Delivery {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksRead, on: .organization(org))
        return try await env.transaction(by: principal) { try await $0.deliveries.get(id, in: org) }
    }

    /// Sends a failed delivery again: it becomes pending with a fresh attempt budget and a new job, and keeps its
    /// payload and event id (`webhook-id`), so receivers that processed it already deduplicate it. Earlier
    /// attempts stay in its history. Fails with ``WAError/Code-swift.enum/deliveryNotReplayable`` unless the
    /// delivery failed, and with ``WAError/Code-swift.enum/webhookEndpointDisabled`` while its endpoint is
    /// disabled. With `endpoint`, a delivery of another endpoint is `not_found` (as in
    /// `/webhooks/{endpoint}/deliveries/{delivery}`).
    public func replay(_ id: DeliveryID, of endpoint: WebhookEndpointID? = nil, by principal: Principal) async throws
        -> Delivery
    {
        let org = principal.organizationID
        try env.policy.require(principal, .webhooksManage, on: .organization(org))
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var delivery = try await tx.deliveries.get(id, in: org)
            if let endpoint, delivery.endpointID != endpoint {
                throw WAError.notFound("webhook delivery", field: "delivery_id")
            }
            var machine = WebhookDeliveryStateMachine(policy: retryPolicy, state: delivery.state)
            guard case .enqueueReplay = machine.replayRequested(at: now) else {
                throw WAError(.deliveryNotReplayable, "only failed deliveries can be replayed (this one is \(delivery.status.rawValue))")
            }
            guard let endpoint = try await tx.webhookEndpoints.find(delivery.endpointID, in: org) else {
                throw WAError.notFound("webhook_endpoint")
            }
            guard endpoint.isEnabled else {
                throw WAError(.webhookEndpointDisabled, "the endpoint is disabled; enable it before replaying")
            }
            // Every replay gets a job of its own: a replay given up without an attempt (its endpoint disabled
            // before a worker came) must not make the next replay find that finished job by its key.
            let replay: JobID = env.ids.make()
            delivery.state = machine.state
            delivery.updatedAt = now
            let stored = try await tx.deliveries.update(delivery)
            _ = try await tx.jobs.enqueue(
                deliveryJob(stored, id: replay, uniqueKey: "\(stored.endpointID)/\(stored.eventID)/replay-\(replay)", now: now))
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "webhook_delivery.replayed", by: principal.auditActor, in: org, resourceType: "webhook_delivery",
                    resourceID: id.description,
                    metadata: ["event_id": stored.eventID, "endpoint_id": stored.endpointID.description]))
            return stored
        }
    }

    // MARK: Publishing

    /// Appends `event` to its organization's event log in `transaction` and, unless a fan-out run is already
    /// scheduled for the organization, schedules one (a job on ``fanOutQueue``). The run
    /// (``WebhookFanOutWorker``) reads the log and creates the deliveries: one per endpoint that is enabled then,
    /// was created before the event, and whose filter matches. Returns the event with its number in the log.
    @discardableResult
    public func publish(_ event: WebhookEvent, in transaction: any StoreTransaction) async throws -> LoggedEvent {
        let tx = transaction
        let org = event.organizationID
        var (logged, consumer) = try await tx.eventLog.append(event, readingConsumer: Self.fanOutConsumer)
        guard !consumer.isScheduled else { return logged }
        consumer.isScheduled = true
        try await tx.eventLog.save(consumer)
        let now = env.clock.now()
        _ = try await tx.jobs.enqueue(
            Job(
                id: env.ids.make(), organizationID: org, queue: Self.fanOutQueue,
                payload: Job.encodePayload(WebhookFanOutJob(consumer: Self.fanOutConsumer)),
                // A fan-out job is never given up: the consumer stays scheduled until a run reads the log to its
                // end, so a failed job would stop the organization's webhooks. Failures back off instead.
                maxAttempts: Self.fanOutMaxAttempts, scheduledAt: now, uniqueKey: "fan-out/\(logged.sequence)",
                lane: Self.fanOutLane(org), createdAt: now))
        return logged
    }

    /// The event-log consumer name of the fan-out.
    static let fanOutConsumer = "webhooks"
    /// Claims of a fan-out job before the queue would fail it: effectively never.
    static let fanOutMaxAttempts = 1_000_000
    /// One fan-out run at a time per organization.
    static func fanOutLane(_ organization: OrganizationID) -> String { "webhooks:\(organization)" }

    /// The delivery of `event` to one endpoint and its job; the existing delivery if there is one.
    func enqueueDelivery(
        _ event: WebhookEvent, payload: [UInt8], to endpoint: WebhookEndpointID, in tx: any StoreTransaction
    ) async throws -> Delivery {
        let org = event.organizationID
        let eventID = event.id.description
        if let existing = try await tx.deliveries.find(eventID: eventID, endpoint: endpoint, in: org) {
            return existing
        }
        let now = env.clock.now()
        let delivery = try await tx.deliveries.insert(
            Delivery(
                id: env.ids.make(), organizationID: org, endpointID: endpoint, eventID: eventID,
                eventType: event.type.rawValue, payload: payload, createdAt: now))
        _ = try await tx.jobs.enqueue(deliveryJob(delivery, uniqueKey: "\(endpoint)/\(eventID)", now: now))
        return delivery
    }

    private func deliveryJob(_ delivery: Delivery, id: JobID? = nil, uniqueKey: String, now: Date) -> Job {
        Job(
            id: id ?? env.ids.make(), organizationID: delivery.organizationID, queue: Self.deliveryQueue,
            payload: Job.encodePayload(
                WebhookDeliveryJob(organization: delivery.organizationID, delivery: delivery.id)),
            // The retry policy decides when to give up; the job's own limit only stops a job whose worker keeps
            // dying mid-attempt (lease take-overs count as failed claims), so it leaves room above the policy.
            maxAttempts: retryPolicy.maxAttempts + 10, scheduledAt: now, uniqueKey: uniqueKey, createdAt: now)
    }

    // MARK: Internals

    private func audit(
        _ action: String, _ id: WebhookEndpointID, _ principal: Principal, _ metadata: [String: String] = [:]
    ) -> AuditEvent {
        env.auditEvent(
            action, by: principal.auditActor, in: principal.organizationID, resourceType: "webhook_endpoint",
            resourceID: id.description, metadata: metadata)
    }

    /// The endpoint as returned to callers: without its sealed secrets.
    static func redacted(_ endpoint: WebhookEndpoint) -> WebhookEndpoint {
        var copy = endpoint
        copy.sealedSecrets = []
        return copy
    }

    static func validFilters(_ patterns: [String]) throws(WAError) -> [String] {
        guard patterns.count <= maximumEventFilters else {
            throw WAError(.invalidEventFilter, "an endpoint has at most \(maximumEventFilters) event filters", field: "eventFilters")
        }
        _ = try WebhookEventFilter(patterns: patterns)
        var seen = Set<String>()
        return patterns.filter { seen.insert($0).inserted }
    }

    static func validLabel(_ label: String?) throws(WAError) -> String? {
        guard let label else { return nil }
        let trimmed = label.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        guard trimmed.count <= 100, !trimmed.contains(where: \.isNewline) else {
            throw WAError.invalid("label", "a label is at most 100 characters on one line")
        }
        return trimmed
    }

    private static func describe(_ filters: [String]) -> String {
        filters.isEmpty ? "*" : filters.joined(separator: " ")
    }

    /// The host of a stored (normalized) URL, for audit metadata (paths and queries may carry tokens).
    static func host(of url: String) -> String {
        // Stored URLs passed a stricter policy when they were saved; an empty host marks one that no longer parses.
        do {
            return try WebhookURLPolicy.permissive.validate(url).host
        } catch {
            return ""
        }
    }
}

/// The payload of a `webhook.deliver` job: which delivery to attempt. Where the delivery stands (its attempt
/// number within the current budget, when it is due) is the delivery's own ``Delivery/state``.
struct WebhookDeliveryJob: Codable, Sendable {
    var organization: OrganizationID
    var delivery: DeliveryID
}

/// The payload of a `webhook.fan_out` job: which consumer of the job's organization's event log to run.
struct WebhookFanOutJob: Codable, Sendable {
    var consumer: String
}
