import Foundation
import Logging
import Synchronization

/// Fenced writes, proxies, archives and sessions.
extension InstanceSupervisor {
    /// The result of a fenced write.
    enum FencedWrite {
        case written(Instance)
        /// The change found nothing to write (a page reload while ready).
        case unchanged
        /// The instance's lifecycle refused the event: nothing was written (logged by ``fencedWrite(_:_:)``).
        case rejected(InstanceLifecycle.InvalidEvent)
        /// The lease is no longer this runner's (or the instance is gone): nothing was written.
        case lost
        /// The store failed; nothing was written (logged), the runner carries on.
        case failed

        /// Whether the runner may carry on.
        var isKept: Bool {
            if case .lost = self { false } else { true }
        }
    }

    private struct LeaseNoLongerHeld: Error {}
    private struct NothingToWrite: Error {}

    /// Changes the runner's instance only if its lease token is still current, in one transaction with the
    /// `instance.status_changed` event (when the status moved) and the events `change` returns; `change` returns
    /// `nil` when there is nothing to write, and throws the lifecycle's ``InstanceLifecycle/InvalidEvent`` to
    /// refuse an event. Retries a version conflict twice (a concurrent settings change).
    func fencedWrite(
        _ runner: SupervisedInstance,
        _ change: (inout Instance, any StoreTransaction) async throws -> [WebhookEvent]?
    ) async -> FencedWrite {
        let reference = runner.reference
        for attempt in 0..<3 {
            do {
                let stored = try await env.store.transaction(.organization(reference.organizationID)) { tx in
                    guard
                        try await tx.leases.isCurrent(
                            instance: reference.instanceID, in: reference.organizationID, token: runner.token,
                            now: env.clock.now()),
                        var instance = try await tx.instances.find(reference.instanceID, in: reference.organizationID)
                    else { throw LeaseNoLongerHeld() }
                    let previous = instance.status
                    guard let events = try await change(&instance, tx) else { throw NothingToWrite() }
                    let stored = try await save(instance, previous: previous, tx)
                    for event in events { try await publish(event, tx) }
                    return stored
                }
                runner.box.withLock { $0.instance = stored }
                return .written(stored)
            } catch is LeaseNoLongerHeld {
                return .lost
            } catch is NothingToWrite {
                return .unchanged
            } catch let invalid as InstanceLifecycle.InvalidEvent {
                log(invalid, runner)
                return .rejected(invalid)
            } catch let error as WAError where error.code == .versionConflict && attempt < 2 {
                continue
            } catch {
                env.logFailure("instance write (the runner carries on)", error, metadata(runner), level: .error)
                return .failed
            }
        }
        env.logger.error("instance write kept meeting version conflicts; the runner carries on", metadata: metadata(runner))
        return .failed
    }

    /// Logs an event the instance's lifecycle refused.
    func log(_ invalid: InstanceLifecycle.InvalidEvent, _ runner: SupervisedInstance) {
        env.logger.error(
            "session event refused by the instance lifecycle; ignored",
            metadata: metadata(runner, ["event": "\(invalid.event)", "status": "\(invalid.status.rawValue)"]))
    }

    /// Log metadata naming the runner's organization, instance and node.
    func metadata(_ runner: SupervisedInstance, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = Logger.Metadata.instance(runner.reference.instanceID, in: runner.reference.organizationID)
        metadata["node"] = "\(nodeID)"
        metadata.merge(extra) { _, new in new }
        return metadata
    }

    /// Updates the instance (stamping `updatedAt`) and publishes `instance.status_changed` when its status moved
    /// away from `previous`.
    func save(_ instance: Instance, previous: InstanceStatus, _ tx: any StoreTransaction) async throws -> Instance {
        var instance = instance
        instance.updatedAt = env.clock.now()
        let stored = try await tx.instances.update(instance)
        if stored.status != previous {
            try await publish(InstanceWebhookEvents.statusChanged(stored, from: previous, ids: env.ids), tx)
        }
        return stored
    }

    func publish(_ event: WebhookEvent, _ tx: any StoreTransaction) async throws {
        _ = try await webhooks?.publish(event, in: tx)
    }

    func audit(
        _ action: String, _ instance: Instance, by actor: AuditEvent.Actor, metadata: [String: String] = [:]
    ) -> AuditEvent {
        env.auditEvent(
            action, by: actor, in: instance.organizationID, resourceType: "instance",
            resourceID: instance.id.description, metadata: metadata)
    }

    /// The instance's sealed session archive as stored now, if any.
    func storedArchive(_ id: InstanceID, in organization: OrganizationID) async throws -> [UInt8]? {
        try await env.store.transaction(.organization(organization)) {
            try await $0.sessionArchives.sealed(of: id, in: organization)
        }
    }

    /// The instance as stored now.
    func storedInstance(_ id: InstanceID, in organization: OrganizationID) async throws -> Instance {
        try await env.store.transaction(.organization(organization)) { try await $0.instances.get(id, in: organization) }
    }

    /// The node holding a valid lease on the instance, if any.
    func leaseHolder(_ tx: any StoreTransaction, _ id: InstanceID, in organization: OrganizationID) async throws
        -> String?
    {
        guard let lease = try await tx.leases.find(id.retyped(), in: organization),
            lease.expiresAt > env.clock.now()
        else { return nil }
        return lease.owner
    }

    /// Applies the instance's proxy policy (``InstanceProvisioning/proxyChoice(for:pool:assignments:now:trigger:)``)
    /// and returns the proxy to connect through. With `required`, a pool without a usable proxy is an error
    /// (`no_proxy_available` while some proxy is enabled, `invalid_instance_state` when none is); otherwise the
    /// instance keeps what it had.
    func assignProxy(
        _ instance: inout Instance, _ tx: any StoreTransaction, trigger: ProxyRotationTrigger, required: Bool,
        now: Date
    ) async throws -> ProxyServer? {
        let (pool, assignments) =
            instance.proxyPolicy == .pool ? try await proxyPool(of: instance.organizationID, tx) : ([], [])
        switch configuration.provisioning.proxyChoice(
            for: instance, pool: pool, assignments: assignments, now: now, trigger: trigger)
        {
        case .direct:
            instance.proxyID = nil
            return nil
        case .proxy(let id):
            instance.proxyID = id
            return try await tx.proxyServers.get(id, in: instance.organizationID)
        case .unavailable:
            guard required else { return nil }
            // No proxy at all is the organization's configuration, not a passing state: nothing changes by waiting.
            guard pool.contains(where: \.isEnabled) else {
                throw WAError(
                    .invalidInstanceState,
                    "the instance takes its proxy from the organization's pool, which has no enabled proxy: add one or "
                        + "change the instance's proxy policy", field: "proxy_policy")
            }
            throw WAError(.noProxyAvailable, "no proxy of the organization's pool can take the instance now")
        }
    }

    /// After a connection failure through the instance's proxy: an instance on the pool fails over to a healthy
    /// proxy that can take it (audited as `instance.proxy_changed`), judging the failed proxy as it will be once the
    /// failure is recorded. With no such proxy it keeps the failed one and the reconnect backoff tries again; a
    /// fixed proxy is never replaced. Returns the failed proxy, whose health the caller records with
    /// ``recordProxyHealth(_:in:succeeded:now:)`` after this transaction (kept apart, so that many instances
    /// behind one proxy do not contend for its row in their status writes).
    func failOver(_ instance: inout Instance, _ tx: any StoreTransaction, now: Date) async throws -> ProxyServerID? {
        guard instance.proxyPolicy != .none, let current = instance.proxyID else { return nil }
        guard instance.proxyPolicy == .pool else { return current }
        let organization = instance.organizationID
        guard let failed = try await tx.proxyServers.find(current, in: organization) else { return nil }
        let (pool, assignments) = try await proxyPool(of: organization, tx)
        let (_, decision) = configuration.provisioning.proxyRotation.handleConnectionFailure(
            instance: instance.id, organization: organization, failed: failed, pool: pool, assignments: assignments,
            now: now)
        if case .assign(let next) = decision {
            instance.proxyID = next
            _ = try await tx.auditEvents.insert(
                audit(
                    "instance.proxy_changed", instance, by: .system,
                    metadata: ["from": current.description, "to": next.description, "reason": "connection_failure"]))
        }
        return current
    }

    /// The organization's proxy pool and every instance's current proxy assignment, as ``ProxyRotation`` needs them.
    /// The organization row is locked first: two instances choosing at once cannot both see the same free place
    /// on a proxy and both take it.
    private func proxyPool(of organization: OrganizationID, _ tx: any StoreTransaction) async throws
        -> (pool: [ProxyServer], assignments: [ProxyAssignment])
    {
        _ = try await tx.organizations.getForUpdate(organization, in: organization)
        var pool: [ProxyServer] = []
        try await tx.proxyServers.forEachPage(in: organization, where: .init()) { pool += $0 }
        var assignments: [ProxyAssignment] = []
        try await tx.instances.forEachPage(in: organization, where: .init(hasProxy: true)) { page in
            assignments += page.compactMap { other in
                other.proxyID.map { ProxyAssignment(instanceID: other.id, organizationID: organization, proxyID: $0) }
            }
        }
        return (pool, assignments)
    }

    /// Records a connection through `proxy` that succeeded (health recovers, any cool-down ends) or failed (health
    /// drops, it cools down), in a transaction of its own that starts over on a version conflict. Best effort: a
    /// proxy's health is a hint, and a lost update is corrected by the next connection.
    func recordProxyHealth(_ proxy: ProxyServerID, in organization: OrganizationID, succeeded: Bool, now: Date) async {
        let rotation = configuration.provisioning.proxyRotation
        await env.bestEffort("recording proxy health", ["organization_id": "\(organization)", "proxy_id": "\(proxy)"]) {
            try await env.store.transaction(.organization(organization), retryingConflicts: 3) { tx in
                guard let stored = try await tx.proxyServers.find(proxy, in: organization) else { return }
                let updated = succeeded ? rotation.recordSuccess(stored, at: now) : rotation.recordFailure(stored, at: now)
                _ = try await tx.proxyServers.update(updated)
            }
        }
    }

    /// Prepares the next pairing after the link was removed: generation + 1, the fingerprint of the new
    /// generation, and (for pool proxies) a re-pairing proxy choice.
    func prepareRepairing(_ instance: inout Instance, _ tx: any StoreTransaction, now: Date) async throws {
        instance.pairingGeneration += 1
        instance.fingerprint = try configuration.provisioning.fingerprint(for: instance)
        if instance.proxyPolicy == .pool {
            _ = try await assignProxy(&instance, tx, trigger: .repair, required: false, now: now)
        }
    }

    /// The runner's instance as stored now, with the proxy it is assigned to (for reconnects: the archive of the
    /// last `ready`, and a proxy chosen since).
    func currentInstance(of runner: SupervisedInstance) async throws -> (Instance, ProxyServer?) {
        let reference = runner.reference
        return try await env.store.transaction(.organization(reference.organizationID)) { tx in
            let instance = try await tx.instances.get(reference.instanceID, in: reference.organizationID)
            guard instance.proxyPolicy != .none, let id = instance.proxyID else { return (instance, nil) }
            return (instance, try await tx.proxyServers.find(id, in: reference.organizationID))
        }
    }

    /// Makes and starts a session for `instance` (as just read from the store): restored from its sealed archive
    /// (read from ``StoreTransaction/sessionArchives`` now) when there is one, else linking with the runner's link
    /// method.
    func openSession(_ runner: SupervisedInstance, instance: Instance, proxy: ProxyServer?) async throws
        -> any WhatsAppSession
    {
        let reference = runner.reference
        let linkMethod = runner.box.withLock { $0.linkMethod }
        let configuration = SessionConfiguration(
            organizationID: reference.organizationID, instanceID: reference.instanceID, linkMethod: linkMethod,
            archive: unsealArchive(
                try await storedArchive(reference.instanceID, in: reference.organizationID), in: reference.organizationID),
            fingerprint: instance.fingerprint, proxy: try proxy.map(endpoint(for:)))
        let session = try await transport.makeSession(configuration)
        do {
            try await session.start()
        } catch {
            await session.stop()
            throw error
        }
        return session
    }

    /// The sealed archive, unsealed; `nil` when there is none or it no longer opens (a retired key): it is then
    /// treated as missing (a session links anew, a page reload stores its new archive) and the next `ready`
    /// replaces it.
    func unsealArchive(_ sealed: [UInt8]?, in organization: OrganizationID) -> SessionArchive? {
        guard let sealed else { return nil }
        do {
            return SessionArchive(bytes: try env.secretBox.open(sealed, context: Self.archiveContext(organization)))
        } catch {
            env.logFailure("opening the stored session archive (treated as missing)", error, .organization(organization))
            return nil
        }
    }

    /// The session's archive and the same sealed for the organization, or `nil` when it has none or exporting
    /// fails (the stored archive is then kept, and the next `ready` tries again).
    func exportedArchive(of session: any WhatsAppSession, in organization: OrganizationID) async
        -> (archive: SessionArchive, sealed: [UInt8])?
    {
        do {
            guard let archive = try await session.exportArchive() else { return nil }
            return (archive, try env.secretBox.seal(archive.bytes, context: Self.archiveContext(organization)))
        } catch {
            env.logFailure("exporting and sealing the session archive (the stored one is kept)", error, .organization(organization))
            return nil
        }
    }

    /// Stores `exported` as the instance's archive unless the stored one holds the same, and returns whether it
    /// stored it. (Sealing draws a fresh nonce, so sealed bytes always differ: what they hold is compared.)
    func replaceArchive(
        of instance: Instance, with exported: (archive: SessionArchive, sealed: [UInt8]), _ tx: any StoreTransaction
    ) async throws -> Bool {
        let organization = instance.organizationID
        let stored = try await tx.sessionArchives.sealed(of: instance.id, in: organization)
        guard exported.archive != unsealArchive(stored, in: organization) else { return false }
        try await tx.sessionArchives.replace(exported.sealed, of: instance.id, in: organization, at: env.clock.now())
        return true
    }

    /// The context session archives of `organization` are sealed with.
    public static func archiveContext(_ organization: OrganizationID) -> SecretBox.Context {
        SecretBox.Context(organization: organization.description, purpose: archivePurpose)
    }

    /// The context proxy passwords of `organization` are sealed with.
    public static func proxyPasswordContext(_ organization: OrganizationID) -> SecretBox.Context {
        SecretBox.Context(organization: organization.description, purpose: proxyPasswordPurpose)
    }

    /// The proxy's address with its password unsealed.
    func endpoint(for proxy: ProxyServer) throws(WAError) -> ProxyEndpoint {
        let password = try proxy.sealedPassword.map { sealed throws(WAError) in
            try env.secretBox.openString(sealed, context: Self.proxyPasswordContext(proxy.organizationID))
        }
        return ProxyEndpoint(
            scheme: proxy.scheme, host: proxy.host, port: proxy.port, username: proxy.username, password: password)
    }
}
