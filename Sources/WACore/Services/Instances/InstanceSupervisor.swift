import Synchronization
import Logging

/// Runs the WhatsApp sessions of the instances this gateway node owns.
///
/// One supervisor per node (``nodeID``). For every instance it runs it:
///
/// - **owns a lease** (``LeaseRepository``): ``start(_:in:linkMethod:by:)`` acquires it (30 s by default) and a
///   renewal task extends it every 10 s on the environment's clock. Nodes sharing a store therefore never run the
///   same instance twice. Every status write is **fenced**: it happens only if the lease's token is still current
///   in the same transaction, so a stalled node that lost its lease cannot overwrite the new owner's state. A
///   renewal or write that finds the lease lost stops the session at once and writes nothing.
/// - **drives the session**: builds the ``SessionConfiguration`` (unsealed archive, fingerprint, proxy), starts
///   it and consumes its events one at a time, in order. QR and pairing codes are kept in memory
///   (``linkCode(for:)``) and announced with `instance.qr`; `ready` stores the account and the session archive
///   sealed with ``SecretBox`` (a ``SealedSessionArchive``) in one fenced transaction, and announces
///   `instance.ready`.
/// - **reconnects** after transient disconnects with exponential backoff and jitter (``ReconnectBackoff``),
///   restoring from the saved archive (no new QR scan), and **stops** on terminal ones: `logged_out` and
///   `link_timeout` leave the instance `logged_out`, anything else (`banned`, `restricted`, `conflict` …)
///   `failed`; the lease is released, a critical ``RiskAlert`` (`terminal_disconnect`) stored and
///   `instance.disconnected` and `risk.alert` published, all in one transaction.
/// - **forwards every event** to the ``SessionEventHandler`` (after handling its lifecycle part), and serves
///   ready sessions to the messaging side as the ``SessionDirectory``.
///
/// Webhook events are published through the optional ``WebhookPublisher`` in the transaction of the change that
/// caused them. Everything a node needs to run an instance is in the store, so every node sharing the store can
/// take any instance over: the sealed archive and whether the instance should run (``Instance/desiredState``)
/// are fields of the ``Instance``, written in the transactions that change its status. ``stopAll()`` (graceful
/// shutdown) leaves the desired state alone and ``resumeAll()`` (at start-up, and periodically to adopt instances
/// of nodes that died) starts every instance that should run and that no other node holds
/// (``InstanceRepository/desiredRunning(after:limit:)``).
///
/// ```swift
/// let supervisor = InstanceSupervisor(environment: env, transport: browserTransport, nodeID: "node-a",
///                                     webhooks: webhookService)
/// Task { await supervisor.run() }     // resume, adopt orphans periodically; stopAll() on cancellation
/// try await supervisor.start(instance.id, in: org)
/// supervisor.linkCode(for: instance.id)   // the QR code to show
/// ```
public final class InstanceSupervisor: SessionDirectory {
    /// The ``SecretBox`` purpose session archives are sealed with (the organization id is the other half of the
    /// context).
    public static let archivePurpose = "session_archive"
    /// The ``SecretBox`` purpose proxy passwords (``ProxyServer/sealedPassword``) are expected to be sealed with.
    public static let proxyPasswordPurpose = "proxy_password"

    /// This node's name, the owner recorded in leases. Must be unique among the nodes sharing a store and stable
    /// across restarts of the same node.
    public let nodeID: String
    public let configuration: Configuration

    let env: ServiceEnvironment
    let transport: any WhatsAppTransport
    let webhooks: (any WebhookPublisher)?
    private let handler: Mutex<(any SessionEventHandler)?>
    private let state = Mutex(State())
    private let controlLocks = Mutex<[InstanceID: AsyncLock]>([:])

    private struct State {
        var runners: [InstanceID: SupervisedInstance] = [:]
        var nextSerial = 0
    }

    /// A supervisor for node `nodeID`.
    ///
    /// - Parameters:
    ///   - environment: store (instances with their archives and desired states, leases), clock (leases,
    ///     backoff), random source (jitter), identifier generator, secret box (archives, proxies) and logger.
    ///     Nodes that share the store share the instances; they must share the secret box's keys too, to open
    ///     each other's archives.
    ///   - transport: makes the sessions (`WABrowser`, or ``SimulatedWhatsApp``).
    ///   - webhooks: publishes `instance.*` and `risk.alert` events in the transaction of the change.
    ///   - eventHandler: receives every session event (can also be set later with ``setEventHandler(_:)``).
    public init(
        environment: ServiceEnvironment, transport: any WhatsAppTransport, nodeID: String,
        webhooks: (any WebhookPublisher)? = nil, eventHandler: (any SessionEventHandler)? = nil,
        configuration: Configuration = Configuration()
    ) {
        self.env = environment
        self.transport = transport
        self.nodeID = nodeID
        self.webhooks = webhooks
        self.handler = Mutex(eventHandler)
        self.configuration = configuration
    }

    /// Sets (or removes) the handler that receives every session event. Events already being handled go to the
    /// previous handler.
    public func setEventHandler(_ eventHandler: (any SessionEventHandler)?) {
        handler.withLock { $0 = eventHandler }
    }

    var eventHandler: (any SessionEventHandler)? { handler.withLock { $0 } }

    // MARK: Control

    /// Starts the instance on this node and returns it with status `starting` (events then move it on).
    ///
    /// Acquires the instance's lease, assigns a proxy when its policy asks for one, generates the fingerprint if
    /// it has none, and writes status `starting` and the desired state `running` (with an audit event by
    /// `actor`), all in one transaction; then restores the link from the instance's sealed archive or begins
    /// linking with `linkMethod`. If the session cannot be started, the status and desired state are put back.
    ///
    /// Starting an instance that already runs here returns it unchanged; passing a different `linkMethod` while it
    /// is still linking restarts the linking with that method (asking for a pairing code instead of QR codes).
    ///
    /// - Throws: `instance_owned_elsewhere` when another node holds the lease, `no_proxy_available`,
    ///   `invalid_instance_state` for a pairing code when the instance is already linked, `not_found`, and the
    ///   transport's errors from starting the session (nothing is changed then).
    @discardableResult
    public func start(
        _ id: InstanceID, in organization: OrganizationID, linkMethod: SessionConfiguration.LinkMethod? = nil,
        by actor: AuditEvent.Actor = .system
    ) async throws -> Instance {
        try await control(id) {
            if case .pairingCode = linkMethod, try await storedArchive(id, in: organization) != nil {
                throw WAError(
                    .invalidInstanceState, "the instance is already linked; log it out before pairing it again")
            }
            if let runner = runner(id) {
                guard runner.reference.organizationID == organization else { throw WAError.notFound("instance") }
                let (current, linked) = runner.box.withLock {
                    ($0.linkMethod, $0.isReady || $0.instance.status == .authenticated)
                }
                guard let linkMethod, linkMethod != current else { return runner.instance }
                if linked {
                    throw WAError(.invalidInstanceState, "the instance is already linked; log it out first")
                }
                _ = await shutDown(runner, write: nil)
            }
            return try await launch(id, in: organization, linkMethod: linkMethod ?? .qrCode, by: actor)
        }
    }

    /// Stops the instance: its session ends (the link and the archive are kept), its status and its desired
    /// state become `stopped` (in one transaction), and its lease is released.
    ///
    /// When another node runs the instance, only the desired state changes here and the owner stops it at its
    /// next lease renewal (within ``Configuration/renewInterval``); the returned instance shows the status before.
    @discardableResult
    public func stop(_ id: InstanceID, in organization: OrganizationID, by actor: AuditEvent.Actor = .system)
        async throws -> Instance
    {
        try await control(id) {
            if let runner = runner(id), runner.reference.organizationID == organization {
                let stored = await shutDown(runner) { instance, tx in
                    let action = instance.lifecycle.stopRequested(placement: .here)
                    guard action == .stopSession else { throw Self.refusal(action, "stopRequested(here)", instance) }
                    _ = try await tx.auditEvents.insert(self.audit("instance.stopped", instance, by: actor))
                    return []
                }
                if let stored { return stored }
                // The lease was lost meanwhile (or the store failed): record the wish like any other node would.
            }
            return try await env.store.transaction(.organization(organization)) { tx in
                var instance = try await tx.instances.get(id, in: organization)
                let previous = instance.status
                let holder = try await leaseHolder(tx, id, in: organization)
                // A lease in this node's name with no runner here is left over from before a restart.
                let placement: InstanceLifecycle.Placement = holder == nil || holder == nodeID ? .nowhere : .elsewhere
                switch instance.lifecycle.stopRequested(placement: placement) {
                case .alreadyStopped:
                    return instance
                case .recordStopped, .leaveToOwner:
                    if instance.status != previous {
                        _ = try await tx.auditEvents.insert(audit("instance.stopped", instance, by: actor))
                    }
                    return try await save(instance, previous: previous, tx)
                case let action:
                    throw Self.refusal(action, "stopRequested(\(placement))", instance)
                }
            }
        }
    }

    /// Unlinks the instance from WhatsApp: a running, linked session logs out (the phone's "Linked devices" list
    /// drops it); then, in one transaction, the sealed archive is cleared, the status becomes `logged_out`, the
    /// pairing generation goes up by one with a fresh fingerprint (and, for pool proxies, a re-pairing proxy
    /// choice) for the next link, the desired state becomes `stopped` and the lease is released. The next start
    /// shows a QR code.
    ///
    /// An instance that runs nowhere is reset the same way without talking to WhatsApp (the phone keeps listing
    /// the old device until it is removed there or expires).
    ///
    /// - Throws: `instance_owned_elsewhere` when another node runs it (log out through that node).
    @discardableResult
    public func logout(_ id: InstanceID, in organization: OrganizationID, by actor: AuditEvent.Actor = .system)
        async throws -> Instance
    {
        try await control(id) {
            var ownLease: InstanceLease?
            if let runner = runner(id), runner.reference.organizationID == organization {
                removeRunner(runner)
                let (session, isReady) = runner.box.withLock { ($0.session, $0.isReady) }
                let handles = runner.end(.loggingOut)
                handles.renewal?.cancel()
                handles.backoff?.cancel()
                if let session, isReady {
                    do { try await session.logout() } catch { await session.stop() }
                } else {
                    await session?.stop()
                }
                await handles.loop?.value
                ownLease = runner.lease
            }
            let now = env.clock.now()
            let stored = try await env.store.transaction(.organization(organization)) { tx in
                var instance = try await tx.instances.get(id, in: organization)
                if let ownLease {
                    try await tx.leases.release(ownLease)
                } else if let holder = try await leaseHolder(tx, id, in: organization), holder != nodeID {
                    throw WAError(.instanceOwnedElsewhere, "the instance runs on gateway node \(holder)")
                }
                let previous = instance.status
                let wasLinked = try await tx.sessionArchives.sealed(of: id, in: organization) != nil || instance.jid != nil
                let action = instance.lifecycle.logoutRequested()
                guard action == .unlink else { throw Self.refusal(action, "logoutRequested", instance) }
                try await tx.sessionArchives.remove(of: id, in: organization)
                if wasLinked { try await prepareRepairing(&instance, tx, now: now) }
                _ = try await tx.auditEvents.insert(
                    audit("instance.logged_out", instance, by: actor,
                          metadata: ["pairing_generation": "\(instance.pairingGeneration)"]))
                let stored = try await save(instance, previous: previous, tx)
                try await publish(InstanceWebhookEvents.disconnected(stored, .loggedOut, requested: true, ids: env.ids), tx)
                return stored
            }
            return stored
        }
    }

    /// Stops the instance's session on this node before it is deleted: no status is written, the lease is
    /// released. Does nothing when it does not run here. (``InstanceService/delete(_:by:)`` removes the archive with
    /// the record.)
    public func stopForDeletion(_ id: InstanceID, in organization: OrganizationID) async throws {
        try await control(id) {
            if let runner = runner(id), runner.reference.organizationID == organization {
                _ = await shutDown(runner, write: nil)
            }
        }
    }

    /// Graceful shutdown: stops every session of this node and releases the leases, leaving statuses and desired
    /// states as they are, so that the next ``resumeAll()`` (here after a restart, or on another node right
    /// away) picks the instances up again.
    public func stopAll() async {
        let runners = state.withLock { Array($0.runners.values) }
        await withTaskGroup(of: Void.self) { group in
            for runner in runners {
                group.addTask {
                    // `control` throws only what its body throws, and this body throws nothing.
                    await self.env.bestEffort("stopping a session at shutdown", self.metadata(runner)) {
                        try await self.control(runner.reference.instanceID) {
                            guard let current = self.runner(runner.reference.instanceID), current.serial == runner.serial
                            else { return }
                            _ = await self.shutDown(current, write: nil)
                        }
                    }
                }
            }
        }
    }

    /// Starts every instance, of every organization, whose desired state is `running` and that neither runs
    /// here nor on another node, in identifier order (``InstanceRepository/desiredRunning(after:limit:)``, read
    /// page by page in system-scope transactions), while this node runs fewer than its
    /// ``Configuration-swift.struct/capacity``; the others are listed in ``InstanceResumeSummary/atCapacity``. Call it at start-up and periodically (every lease duration) so
    /// instances of a node that died are adopted once their lease expired; ``run(adoptionInterval:)`` does both.
    ///
    /// - Throws: only when the store cannot be read; an instance that cannot be started is listed in
    ///   ``InstanceResumeSummary/failed`` and tried again next time.
    public func resumeAll() async throws -> InstanceResumeSummary {
        var summary = InstanceResumeSummary()
        var cursor: InstanceID?
        while true {
            let page = try await env.store.transaction(.system) { [cursor] tx in
                try await tx.instances.desiredRunning(after: cursor, limit: Self.resumePageSize)
            }
            for instance in page {
                await resume(InstanceReference(organizationID: instance.organizationID, instanceID: instance.id), &summary)
            }
            guard page.count == Self.resumePageSize, let last = page.last else { return summary }
            cursor = last.id
        }
    }

    /// How many instances ``resumeAll()`` reads per transaction.
    static let resumePageSize = 100

    /// Starts one instance for ``resumeAll()`` and records the outcome.
    private func resume(_ reference: InstanceReference, _ summary: inout InstanceResumeSummary) async {
        if isRunning(reference.instanceID) {
            summary.alreadyRunning.append(reference)
            return
        }
        if let capacity = configuration.capacity, state.withLock({ $0.runners.count }) >= capacity {
            summary.atCapacity.append(reference)
            return
        }
        do {
            try await start(reference.instanceID, in: reference.organizationID)
            summary.started.append(reference)
        } catch let error as WAError where error.code == .instanceOwnedElsewhere {
            summary.ownedElsewhere.append(reference)
        } catch let error as WAError where error.code == .notFound {
            // Deleted since the page was read: nothing to resume.
        } catch let error as WAError {
            summary.failed.append((reference, error))
        } catch {
            summary.failed.append((reference, WAError(.transportError, "the session could not be started")))
        }
    }

    /// Runs until cancelled: resumes the instances that should run, then looks for orphaned ones every
    /// `adoptionInterval` (default: the lease duration). On cancellation it stops every session gracefully
    /// (``stopAll()``). This is the body of the gateway's supervisor service.
    public func run(adoptionInterval: Duration? = nil) async {
        while !Task.isCancelled {
            do {
                let summary = try await resumeAll()
                for (reference, error) in summary.failed {
                    env.logFailure(
                        "resuming an instance (tried again at the next adoption)", error,
                        .instance(reference.instanceID, in: reference.organizationID))
                }
            } catch {
                env.logFailure("reading the instances to resume (tried again at the next adoption)", error, ["node": "\(nodeID)"], level: .error)
            }
            do {
                try await env.clock.sleepForUpkeep(for: adoptionInterval ?? configuration.leaseDuration)
            } catch {
                break
            }
        }
        // A fresh task: the shutdown's own store calls must not see this task's cancellation.
        await Task { await self.stopAll() }.value
    }

    // MARK: Queries

    /// The QR or pairing code the instance shows right now, if it is linking on this node.
    public func linkCode(for instance: InstanceID) -> LinkCode? {
        runner(instance)?.box.withLock { $0.linkCode }
    }

    /// The instances running on this node (linking, connecting or ready): the dispatcher claims their jobs, and
    /// leaves the jobs of instances other nodes run to them.
    public var heldInstances: Set<InstanceID>? { state.withLock { Set($0.runners.keys) } }

    /// Whether the instance runs on this node (linking, connected or reconnecting).
    public func isRunning(_ instance: InstanceID) -> Bool {
        runner(instance) != nil
    }

    /// The instances running on this node, sorted.
    public var runningInstances: [InstanceReference] {
        state.withLock { $0.runners.values.map(\.reference) }.sorted()
    }

    /// The instance's session if it runs on this node and is ready (``SessionDirectory``).
    public func readySession(for instance: InstanceID) async -> (any WhatsAppSession)? {
        runner(instance)?.box.withLock { $0.isReady ? $0.session : nil }
    }

    // MARK: Internals

    func runner(_ id: InstanceID) -> SupervisedInstance? {
        state.withLock { $0.runners[id] }
    }

    /// Removes `runner` from the running set if it is still the one registered for its instance.
    func removeRunner(_ runner: SupervisedInstance) {
        state.withLock { s in
            if s.runners[runner.reference.instanceID]?.serial == runner.serial {
                s.runners[runner.reference.instanceID] = nil
            }
        }
    }

    /// Serializes start, stop, logout and deletion per instance on this node.
    func control<Result>(_ id: InstanceID, _ body: () async throws -> Result) async throws -> Result {
        let lock = controlLocks.withLock { locks -> AsyncLock in
            if let lock = locks[id] { return lock }
            let lock = AsyncLock()
            locks[id] = lock
            return lock
        }
        return try await lock.withLock(body)
    }

    /// Test hook: stops renewing the instance's lease, as a node that stalls (a long GC pause, a frozen VM)
    /// would. The session keeps running until something notices the lease is gone.
    func suspendRenewal(of id: InstanceID) {
        runner(id)?.box.withLock { $0.renewal }?.cancel()
    }

    /// Takes the lease, writes `starting` and the desired state `running`, opens the session and launches the
    /// runner's tasks.
    private func launch(
        _ id: InstanceID, in organization: OrganizationID, linkMethod: SessionConfiguration.LinkMethod,
        by actor: AuditEvent.Actor
    ) async throws -> Instance {
        let now = env.clock.now()
        let (instance, lease, proxy, previous) = try await env.store.transaction(.organization(organization)) {
            tx -> (Instance, InstanceLease, ProxyServer?, Instance) in
            var instance = try await tx.instances.get(id, in: organization)
            guard
                let lease = try await tx.leases.acquire(
                    instance: id, in: organization, owner: nodeID,
                    duration: configuration.leaseDuration, now: now)
            else {
                let holder = try await leaseHolder(tx, id, in: organization) ?? "another node"
                throw WAError(.instanceOwnedElsewhere, "the instance runs on gateway node \(holder)")
            }
            let proxy = try await assignProxy(&instance, tx, trigger: .sessionStart, required: true, now: now)
            if instance.fingerprint == nil { instance.fingerprint = try configuration.provisioning.fingerprint(for: instance) }
            let previous = instance
            let action = instance.lifecycle.startRequested()
            guard action == .openSession else { throw Self.refusal(action, "startRequested", instance) }
            let method: String = if case .pairingCode = linkMethod { "pairing_code" } else { "qr_code" }
            _ = try await tx.auditEvents.insert(
                audit("instance.started", instance, by: actor, metadata: ["node": nodeID, "link_method": method]))
            return (try await save(instance, previous: previous.status, tx), lease, proxy, previous)
        }

        let serial = state.withLock { s in
            s.nextSerial += 1
            return s.nextSerial
        }
        let runner = SupervisedInstance(serial: serial, instance: instance, lease: lease, linkMethod: linkMethod)
        // The lease is renewed from now on: starting a session (launching a browser, loading WhatsApp Web) can take
        // longer than the lease lasts.
        runner.box.withLock { $0.renewal = Task { await self.renewLease(runner) } }
        let session: any WhatsAppSession
        do {
            session = try await openSession(runner, instance: instance, proxy: proxy)
        } catch {
            let renewal = runner.end(.stopping).renewal
            renewal?.cancel()
            await renewal?.value
            let lease = runner.lease
            // Undo: the previous status and desired state (only if the lease is still ours) and the lease. If the
            // undo fails too, the lease expires on its own and the instance keeps `starting` until a node resumes it.
            await env.bestEffort("undoing a start whose session could not open", level: .error, metadata(runner)) {
                try await env.store.transaction(.organization(organization)) { tx in
                    if try await tx.leases.isCurrent(instance: id, in: organization, token: lease.token, now: env.clock.now()),
                        var current = try await tx.instances.find(id, in: organization)
                    {
                        let before = current.status
                        // Only if nothing moved the instance on since `starting` was written.
                        switch current.lifecycle.startFailed(restoring: previous.lifecycle) {
                        case .releaseLease:
                            _ = try await save(current, previous: before, tx)
                        case let action:
                            log(Self.refusal(action, "startFailed", current), runner)
                        }
                    }
                    try await tx.leases.release(lease)
                }
            }
            throw error
        }
        guard runner.install(session) else {
            // The lease was lost while the session started (another node took the instance over): that node runs it.
            await session.stop()
            throw WAError(.leaseLost, "the instance's lease was lost while its session started")
        }
        state.withLock { $0.runners[id] = runner }
        runner.box.withLock { b in
            b.loop = Task { await self.supervise(runner, first: session) }
        }
        return instance
    }

    /// Lets `runner` go: ends its tasks and session, waits for its loop, then (if `write` is given and the lease
    /// is still ours) writes the final change and releases the lease, in one transaction. Returns the written
    /// instance.
    func shutDown(
        _ runner: SupervisedInstance,
        write: ((inout Instance, any StoreTransaction) async throws -> [WebhookEvent])?
    ) async -> Instance? {
        removeRunner(runner)
        let handles = runner.end(.stopping)
        handles.renewal?.cancel()
        handles.backoff?.cancel()
        await handles.session?.stop()
        await handles.loop?.value
        let reference = runner.reference
        let lease = runner.lease
        do {
            return try await finalWrite(runner, reference, lease, write)
        } catch {
            // The session is stopped either way; the lease expires on its own and nothing else was written.
            env.logFailure("writing an instance's final state as its session stops", error, metadata(runner), level: .error)
            return nil
        }
    }

    /// The fenced final write of ``shutDown(_:write:)`` and the lease release, in one transaction.
    private func finalWrite(
        _ runner: SupervisedInstance, _ reference: InstanceReference, _ lease: InstanceLease,
        _ write: ((inout Instance, any StoreTransaction) async throws -> [WebhookEvent])?
    ) async throws -> Instance? {
        try await env.store.transaction(.organization(reference.organizationID)) { tx -> Instance? in
            var stored: Instance?
            if let write,
                try await tx.leases.isCurrent(
                    instance: reference.instanceID, in: reference.organizationID, token: runner.token,
                    now: env.clock.now()),
                var instance = try await tx.instances.find(reference.instanceID, in: reference.organizationID)
            {
                let previous = instance.status
                let events = try await write(&instance, tx)
                stored = try await save(instance, previous: previous, tx)
                for event in events { try await publish(event, tx) }
            }
            try await tx.leases.release(lease)
            return stored
        }
    }
}
