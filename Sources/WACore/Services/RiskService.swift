public import Foundation
import Logging

/// Feeds what happens to an instance into its ``RiskMonitor`` and applies the monitor's decisions.
///
/// The monitor's state is a record of its own (``RiskMonitorRecord``) and its summary is ``Instance/risk``, which
/// the message dispatcher reads: a throttle factor slows the instance's rate tiers and
/// its gaps, a pause holds its sends until the instant given. Alerts are stored as ``RiskAlert`` records and
/// published as `risk.alert` webhook events in the same transaction. `requireRelink` is left to the instance
/// supervisor, which stops the instance on the terminal disconnect that causes it.
public struct RiskService: Sendable {
    private let env: ServiceEnvironment
    private let webhooks: (any WebhookPublisher)?
    private let policy: RiskPolicy
    private let unreadableStatePause: Duration

    /// A service over `environment`, of which it uses the store, clock, identifier generator, access policy and
    /// logger.
    ///
    /// - Parameters:
    ///   - policy: the thresholds of new monitors (a stored monitor keeps the policy it was created with).
    ///   - unreadableStatePause: how long an instance whose stored monitor state cannot be read is paused at
    ///     least (``RiskMonitor/recovering(from:policy:pause:at:)``). Not part of ``RiskPolicy``, whose fields are
    ///     stored inside every monitor's state: a new field there would make every stored state unreadable.
    public init(
        environment: ServiceEnvironment, webhooks: (any WebhookPublisher)? = nil, policy: RiskPolicy = .standard,
        unreadableStatePause: Duration = .seconds(3_600)
    ) {
        self.env = environment
        self.webhooks = webhooks
        self.policy = policy
        self.unreadableStatePause = unreadableStatePause
    }

    /// Records one signal for an instance and returns the actions the monitor took.
    @discardableResult
    public func record(_ signal: RiskSignal, instance id: InstanceID, in organization: OrganizationID) async throws
        -> [RiskAction]
    {
        let now = env.clock.now()
        // Run again on a conflict: every send and receipt of the instance writes its risk state.
        return try await env.store.transaction(.organization(organization), retryingConflicts: 3) { tx in
            try await record(signal, instance: id, in: organization, at: now, tx)
        }
    }

    /// The same inside the caller's transaction (so a signal commits with the change that caused it).
    @discardableResult
    public func record(
        _ signal: RiskSignal, instance id: InstanceID, in organization: OrganizationID, at now: Date,
        _ tx: any StoreTransaction
    ) async throws -> [RiskAction] {
        guard var instance = try await tx.instances.find(id, in: organization) else { return [] }
        let record = try await tx.riskMonitors.find(id.retyped(), in: organization)
        var (monitor, actions) = storedMonitor(record, of: instance, at: now)
        actions += monitor.record(signal, at: now)
        instance.risk = monitor.riskState(at: now)
        let state: [UInt8]
        do {
            state = Array(try JSONEncoder().encode(monitor))
        } catch {
            // Encoding a value type of plain numbers and dates cannot fail in practice; if it ever does, the
            // signal is not recorded rather than stored with a state that would reset the instance to calm.
            throw WAError(.internalError, "the risk monitor state could not be stored")
        }
        if var record {
            record.state = state
            record.updatedAt = now
            _ = try await tx.riskMonitors.update(record)
        } else {
            _ = try await tx.riskMonitors.insertMissing(
                RiskMonitorRecord(instanceID: id, organizationID: organization, state: state, updatedAt: now))
        }
        instance.updatedAt = now
        let stored = try await tx.instances.update(instance)
        for action in actions {
            guard let alert = action.riskAlert(
                id: env.ids.make(), organizationID: organization, instanceID: id, score: stored.risk.score,
                actionsTaken: actions, createdAt: now)
            else { continue }
            let saved = try await tx.riskAlerts.insert(alert)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "risk.alert_raised", by: .system, in: organization, resourceType: "instance",
                    resourceID: id.description,
                    metadata: ["severity": saved.severity.rawValue, "rules": saved.rules.joined(separator: " ")]))
            // The same `risk.alert` shape as the supervisor's terminal-disconnect alerts.
            _ = try await webhooks?.publish(InstanceWebhookEvents.riskAlert(saved, ids: env.ids), in: tx)
        }
        return actions
    }

    /// The instance's monitor as stored, or a fresh one for an instance that has none yet. A stored state that
    /// cannot be read does not start the instance calm: it is paused and a critical alert is raised
    /// (``RiskMonitor/recovering(from:policy:pause:at:)``), and the failure is logged.
    private func storedMonitor(_ record: RiskMonitorRecord?, of instance: Instance, at now: Date)
        -> (RiskMonitor, [RiskAction])
    {
        guard let stored = record?.state else { return (RiskMonitor(policy: policy), []) }
        do {
            return (try JSONDecoder().decode(RiskMonitor.self, from: Data(stored)), [])
        } catch {
            var metadata = Logger.Metadata.instance(instance.id, in: instance.organizationID)
            metadata["bytes"] = "\(stored.count)"
            env.logger.error(
                "stored risk monitor state could not be read; the instance is paused and an alert raised",
                metadata: metadata)
            return RiskMonitor.recovering(from: instance.risk, policy: policy, pause: unreadableStatePause, at: now)
        }
    }

    // MARK: Reading

    /// What the monitor makes of instance `id` now (`risk:read` on it): score, level and decisions. An instance
    /// whose monitor never saw a signal is calm; one whose stored state cannot be read is reported from its stored
    /// summary (score, throttle, pause), as the next signal will restore it.
    public func report(for id: InstanceID, by principal: Principal) async throws -> RiskReport {
        let org = principal.organizationID
        try env.policy.require(principal, .riskRead, on: .instance(id, in: org))
        let now = env.clock.now()
        let (instance, record) = try await env.transaction(by: principal) { tx in
            (try await tx.instances.get(id, in: org), try await tx.riskMonitors.find(id.retyped(), in: org))
        }
        guard let record else {
            return RiskReport(instanceID: id, monitor: RiskMonitor(policy: policy), updatedAt: nil, at: now)
        }
        if let monitor = try? JSONDecoder().decode(RiskMonitor.self, from: Data(record.state)) {
            return RiskReport(instanceID: id, monitor: monitor, updatedAt: record.updatedAt, at: now)
        }
        let (recovering, _) = RiskMonitor.recovering(from: instance.risk, policy: policy, pause: .zero, at: now)
        return RiskReport(instanceID: id, monitor: recovering, updatedAt: record.updatedAt, at: now)
    }

    // MARK: Alerts

    /// The organization's risk alerts, newest first by default: of one instance (`risk:read` on it), or of every
    /// instance the principal may see (agents: their assigned instances).
    public func alerts(
        on instance: InstanceID? = nil, unacknowledgedOnly: Bool = false, by principal: Principal,
        page: PageRequest = .first
    ) async throws -> Page<RiskAlert> {
        let org = principal.organizationID
        var filter = RiskAlert.Filter(instanceID: instance, unacknowledgedOnly: unacknowledgedOnly)
        if let instance {
            try env.policy.require(principal, .riskRead, on: .instance(instance, in: org))
        } else {
            try env.policy.require(principal, .riskRead, on: .organization(org))
            filter.instanceIDs = env.policy.instanceRestriction(for: principal)
        }
        let query = filter
        return try await env.transaction(by: principal) { tx in
            if let instance, try await tx.instances.find(instance, in: org) == nil {
                throw WAError.notFound("instance", field: "instance_id")
            }
            return try await tx.riskAlerts.list(in: org, where: query, page: page)
        }
    }

    /// Marks an alert as seen by a person (`risk:manage` on its instance); acknowledging twice keeps the first
    /// acknowledgement. Audited as `risk.alert_acknowledged`.
    @discardableResult
    public func acknowledge(_ id: RiskAlertID, by principal: Principal) async throws -> RiskAlert {
        let org = principal.organizationID
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var alert = try await tx.riskAlerts.get(id, in: org)
            try env.policy.require(principal, .riskManage, on: .instance(alert.instanceID, in: org))
            guard alert.acknowledgedAt == nil else { return alert }
            alert.acknowledgedAt = now
            alert.acknowledgedBy = principal.memberID
            let stored = try await tx.riskAlerts.update(alert)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "risk.alert_acknowledged", by: principal.auditActor, in: org, resourceType: "risk_alert",
                    resourceID: id.description, metadata: ["instance": alert.instanceID.description]))
            return stored
        }
    }
}
