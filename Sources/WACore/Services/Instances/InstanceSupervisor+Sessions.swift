import Foundation
import Logging
import Synchronization

/// The runner's tasks: the session loop (events, reconnects) and the lease renewal.
extension InstanceSupervisor {
    /// How one session of the loop ended.
    enum SessionOutcome {
        /// The runner is done (stopped, logged out, abandoned, or a terminal disconnect was handled).
        case finished
        /// A transient loss: reconnect after the backoff. `stable` when the connection had been ready long enough
        /// to reset the backoff.
        case reconnect(stable: Bool)
    }

    /// The session loop of one runner: consumes the current session's events, reconnects after transient
    /// disconnects with backoff, and ends on terminal ones or when the runner is let go.
    func supervise(_ runner: SupervisedInstance, first: any WhatsAppSession) async {
        var session: (any WhatsAppSession)? = first
        var attempt = 0
        while true {
            if session == nil {
                let delay = configuration.backoff.delay(attempt: attempt, random: env.random)
                attempt += 1
                let clock = env.clock
                let sleep = Task { try await clock.sleep(for: delay) }
                guard runner.install(backoff: sleep) else {
                    sleep.cancel()
                    return
                }
                do { try await sleep.value } catch { return }
                guard runner.ending == nil else { return }
                do {
                    let (instance, proxy) = try await currentInstance(of: runner)
                    let opened = try await openSession(runner, instance: instance, proxy: proxy)
                    guard runner.install(opened) else {
                        await opened.stop()
                        return
                    }
                    session = opened
                } catch {
                    // The transport or store failed to bring a session up: the status stays `reconnecting`, the
                    // proxy (if any) is charged with the failure and may be replaced, and the next backoff step
                    // tries again.
                    let now = env.clock.now()
                    var failed: ProxyServerID?
                    guard await fencedWrite(runner, { instance, tx in
                        failed = try await self.failOver(&instance, tx, now: now)
                        return []
                    }).isKept else {
                        await abandon(runner)
                        return
                    }
                    if let failed {
                        await recordProxyHealth(failed, in: runner.reference.organizationID, succeeded: false, now: now)
                    }
                    continue
                }
            }
            guard let current = session else { continue }
            let outcome = await consume(current, runner)
            runner.sessionEnded()
            session = nil
            switch outcome {
            case .finished:
                return
            case .reconnect(let stable):
                if stable { attempt = 0 }
            }
        }
    }

    /// Handles one session's events until it ends.
    private func consume(_ session: any WhatsAppSession, _ runner: SupervisedInstance) async -> SessionOutcome {
        var readyAt: Date?
        for await event in session.events {
            switch runner.ending {
            case .abandoned?:
                // Another node owns the instance now: it handles (and forwards) the account's events.
                return .finished
            case .stopping?, .loggingOut?:
                await forward(event, runner)
                continue
            case nil:
                break
            }
            if case .disconnected(let reason) = event {
                let outcome = await disconnect(runner, reason, readyAt: readyAt)
                // A runner that found its lease lost lets the new owner report the account's events.
                if runner.ending != .abandoned { await forward(event, runner) }
                return outcome
            }
            switch await handleLifecycle(event, session, runner, readyAt: &readyAt) {
            case .lost:
                await abandon(runner)
                return .finished
            case .rejected:
                // Logged; the lifecycle did not accept it, so the rest of the product does not see it either.
                continue
            case .written, .unchanged, .failed:
                await forward(event, runner)
            }
        }
        // The events finished without a disconnect: on request, or the transport lost the session silently.
        guard runner.ending == nil else { return .finished }
        return await disconnect(runner, .connectionLost, readyAt: readyAt)
    }

    /// The lifecycle part of a non-disconnect event.
    private func handleLifecycle(
        _ event: SessionEvent, _ session: any WhatsAppSession, _ runner: SupervisedInstance, readyAt: inout Date?
    ) async -> FencedWrite {
        let now = env.clock.now()
        switch event {
        case .qrCode(let value), .pairingCode(let value):
            let isQR = if case .qrCode = event { true } else { false }
            let lifetime = isQR ? configuration.qrCodeLifetime : configuration.pairingCodeLifetime
            let code = LinkCode(
                kind: isQR ? .qrCode : .pairingCode, value: value, issuedAt: now,
                expiresAt: now.adding(lifetime))
            let written = await fencedWrite(runner) { instance, _ in
                switch instance.lifecycle.linkCodeIssued(pairing: !isQR) {
                case .announceLinkCode:
                    instance.linkCode = code
                    return [InstanceWebhookEvents.linkCode(instance, code, ids: self.env.ids)]
                case let action:
                    throw Self.refusal(action, "linkCodeIssued", instance)
                }
            }
            // Shown unless the lifecycle refused it (a store failure must not keep the phone from scanning).
            switch written {
            case .written, .failed: runner.box.withLock { $0.linkCode = code }
            case .unchanged, .rejected, .lost: break
            }
            return written

        case .authenticated:
            let written = await fencedWrite(runner) { instance, _ in
                switch instance.lifecycle.authenticated() {
                case .clearLinkCode:
                    instance.linkCode = nil
                    return []
                case .reloaded: return nil
                case let action: throw Self.refusal(action, "authenticated", instance)
                }
            }
            switch written {
            case .written, .failed: runner.box.withLock { $0.linkCode = nil }
            case .unchanged, .rejected, .lost: break
            }
            return written

        case .ready(let account):
            // Exported before the write, so that the archive is stored in the transaction that records `ready`.
            let organization = runner.reference.organizationID
            let exported = await exportedArchive(of: session, in: organization)
            var isFirstReady = false
            let written = await fencedWrite(runner) { instance, tx in
                switch instance.lifecycle.ready() {
                case .recordReady:
                    isFirstReady = true
                    let isNewLink = instance.jid != account.jid
                    if let exported {
                        try await tx.sessionArchives.replace(
                            exported.sealed, of: instance.id, in: organization, at: self.env.clock.now())
                    }
                    instance.jid = account.jid
                    if let phone = account.phone ?? account.jid.phoneNumber { instance.phone = phone }
                    if isNewLink {
                        instance.linkedAt = self.env.clock.now()  // a new account starts its warm-up
                        _ = try await tx.auditEvents.insert(
                            self.audit(
                                "instance.linked", instance, by: .system,
                                metadata: ["jid": account.jid.description, "phone": instance.phone?.e164 ?? ""]))
                    }
                    return [InstanceWebhookEvents.ready(instance, ids: self.env.ids)]
                case .refreshArchive:
                    // A page reload while ready: keep the archive if it changed, announce nothing.
                    guard let exported, try await self.replaceArchive(of: instance, with: exported, tx) else { return nil }
                    return []
                case let action:
                    throw Self.refusal(action, "ready", instance)
                }
            }
            switch written {
            case .lost, .rejected:
                return written
            case .written(let stored):
                if isFirstReady, stored.proxyPolicy != .none, let proxy = stored.proxyID {
                    await recordProxyHealth(proxy, in: stored.organizationID, succeeded: true, now: now)
                }
            case .unchanged, .failed:
                break
            }
            if isFirstReady || readyAt == nil { readyAt = now }
            let stored = if case .failed = written { false } else { exported != nil }
            runner.box.withLock { b in
                b.isReady = true
                b.linkCode = nil
                if stored {
                    b.archiveStoredAt = now
                    b.archiveChangePending = false
                }
            }
            return written

        case .archiveChanged:
            let due = runner.box.withLock { b -> Bool in
                guard b.isReady else { return false }  // `ready` stores the archive anyway
                if let last = b.archiveStoredAt,
                    now.timeIntervalSince(last) < configuration.archiveRefreshInterval.timeInterval
                {
                    b.archiveChangePending = true  // the lease renewal stores it once the interval has passed
                    return false
                }
                return true
            }
            if due { await storeChangedArchive(of: session, runner) }
            return .unchanged

        case .call(let call):
            await answer(call, session, runner)
            return .unchanged

        default:
            return .unchanged
        }
    }

    /// Rejects or ignores an offered call as the instance's stored ``Instance/callPolicy`` says (read now: a policy
    /// changed through the API applies to the next call), then publishes `call.received` with what happened. A
    /// rejection that fails is reported as `ignored` with the error.
    private func answer(_ call: IncomingCall, _ session: any WhatsAppSession, _ runner: SupervisedInstance) async {
        let reference = runner.reference
        let org = reference.organizationID
        await env.bestEffort("answering an incoming call", metadata(runner)) {
            let policy = try await env.store.transaction(.organization(org)) {
                try await $0.instances.find(reference.instanceID, in: org)?.callPolicy
            } ?? .ignore
            var data: JSONObject = [
                "call_id": .string(call.id), "from": .string(call.from.description), "video": .bool(call.isVideo),
                "group": .bool(call.isGroup), "offered_at": .timestamp(call.offeredAt), "action": "ignored",
            ]
            if policy == .reject {
                do {
                    try await session.rejectCall(call)
                    data["action"] = "rejected"
                } catch {
                    data["error"] = .string((error as? WAError)?.message ?? "the call could not be rejected")
                    env.logFailure("rejecting an incoming call", error, metadata(runner), level: .warning)
                }
            }
            try await env.store.transaction(.organization(org)) { tx in
                try await publish(
                    WebhookEvent(
                        type: .callReceived, organizationID: org, instanceID: reference.instanceID, data: .object(data),
                        ids: env.ids),
                    tx)
            }
        }
    }

    /// Stores the archive of a change the session reported within the refresh interval, once the interval has
    /// passed (called at each lease renewal).
    private func storePendingArchive(_ runner: SupervisedInstance) async {
        let now = env.clock.now()
        let session = runner.box.withLock { b -> (any WhatsAppSession)? in
            guard b.archiveChangePending, b.isReady, b.ending == nil else { return nil }
            if let last = b.archiveStoredAt,
                now.timeIntervalSince(last) < configuration.archiveRefreshInterval.timeInterval
            {
                return nil
            }
            return b.session
        }
        if let session { await storeChangedArchive(of: session, runner) }
    }

    /// Exports, seals and stores the ready session's archive if it differs from the stored one, while this runner
    /// holds the lease. The instance row is not written: an archive is stored beside it. A failure keeps the change
    /// pending for the next renewal.
    private func storeChangedArchive(of session: any WhatsAppSession, _ runner: SupervisedInstance) async {
        let reference = runner.reference
        let now = env.clock.now()
        runner.box.withLock {
            $0.archiveStoredAt = now
            $0.archiveChangePending = true
        }
        guard let exported = await exportedArchive(of: session, in: reference.organizationID) else { return }
        do {
            try await env.store.transaction(.organization(reference.organizationID)) { tx in
                guard
                    try await tx.leases.isCurrent(
                        instance: reference.instanceID, in: reference.organizationID, token: runner.token,
                        now: env.clock.now()),
                    let instance = try await tx.instances.find(reference.instanceID, in: reference.organizationID),
                    instance.status == .ready
                else { return }
                _ = try await replaceArchive(of: instance, with: exported, tx)
            }
            runner.box.withLock { $0.archiveChangePending = false }
        } catch {
            env.logFailure("storing a changed session archive (tried again later)", error, metadata(runner))
        }
    }

    /// The ``InstanceLifecycle/InvalidEvent`` to throw from a fenced write when the lifecycle answered `action`
    /// to `event` (a rejection, or an action this step does not perform) for `instance`.
    static func refusal(_ action: InstanceLifecycle.Action, _ event: String, _ instance: Instance)
        -> InstanceLifecycle.InvalidEvent
    {
        if case .reject(let invalid) = action { return invalid }
        return InstanceLifecycle.InvalidEvent(event: "\(event) answered \(action)", status: instance.status)
    }

    /// A disconnect (or a session that ended silently): the lifecycle decides between reconnecting and stopping
    /// for good.
    private func disconnect(_ runner: SupervisedInstance, _ reason: DisconnectReason, readyAt: Date?) async
        -> SessionOutcome
    {
        runner.box.withLock { $0.isReady = false }
        let stable = readyAt.map {
            env.clock.now().timeIntervalSince($0) >= configuration.stableConnection.timeInterval
        } ?? false
        // The runner's copy of the instance has the status this runner last wrote (only the lease holder writes
        // it), so the lifecycle's answer here is the one the fenced write meets in the store.
        var lifecycle = runner.instance.lifecycle
        switch lifecycle.disconnected(reason) {
        case .reconnect:
            guard await markReconnecting(runner, reason) else { return .finished }
            return .reconnect(stable: stable)
        case .terminate(let unlinked, let raiseAlert):
            await terminate(runner, reason, unlinked: unlinked, raiseAlert: raiseAlert)
            return .finished
        case let action:
            log(Self.refusal(action, "disconnected(\(reason.code))", runner.instance), runner)
            return .reconnect(stable: stable)
        }
    }

    /// Writes `reconnecting` after a transient loss; `false` (and the runner abandoned) when the lease is lost.
    private func markReconnecting(_ runner: SupervisedInstance, _ reason: DisconnectReason) async -> Bool {
        let now = env.clock.now()
        var failed: ProxyServerID?
        let written = await fencedWrite(runner) { instance, tx in
            let action = instance.lifecycle.disconnected(reason)
            guard action == .reconnect else { throw Self.refusal(action, "disconnected(\(reason.code))", instance) }
            if reason.isConnectionFailure { failed = try await self.failOver(&instance, tx, now: now) }
            return [InstanceWebhookEvents.disconnected(instance, reason, requested: false, ids: self.env.ids)]
        }
        guard written.isKept else {
            await abandon(runner)
            return false
        }
        if let failed { await recordProxyHealth(failed, in: runner.reference.organizationID, succeeded: false, now: now) }
        return true
    }

    /// A terminal disconnect: final status, desired state `stopped` (a person has to act), the archive cleared
    /// when the link is gone, alert, events and lease release, all in one fenced transaction; then the runner
    /// ends.
    private func terminate(
        _ runner: SupervisedInstance, _ reason: DisconnectReason, unlinked: Bool, raiseAlert: Bool
    ) async {
        let lease = runner.lease
        let now = env.clock.now()
        // Lost lease: the new owner sees the disconnect itself. Store failure: nothing is written and the desired
        // state stays `running`, so a node resumes the instance later and meets the terminal reason again.
        _ = await fencedWrite(runner) { instance, tx in
            let action = instance.lifecycle.disconnected(reason)
            guard action == .terminate(unlinked: unlinked, raiseAlert: raiseAlert) else {
                throw Self.refusal(action, "disconnected(\(reason.code))", instance)
            }
            if unlinked {
                try await tx.sessionArchives.remove(of: instance.id, in: instance.organizationID)
                try await self.prepareRepairing(&instance, tx, now: now)
            }
            var events = [InstanceWebhookEvents.disconnected(instance, reason, requested: false, ids: self.env.ids)]
            if raiseAlert {
                let alert = RiskAction.alert(.critical, rules: [.terminalDisconnect], evidence: ["reason": reason.code])
                    .riskAlert(
                        id: self.env.ids.make(), organizationID: instance.organizationID, instanceID: instance.id,
                        score: 100, actionsTaken: Self.terminalActions(reason), createdAt: now)
                if let alert {
                    let stored = try await tx.riskAlerts.insert(alert)
                    events.append(InstanceWebhookEvents.riskAlert(stored, ids: self.env.ids))
                }
            }
            _ = try await tx.auditEvents.insert(
                self.audit(
                    "instance.disconnected", instance, by: .system,
                    metadata: ["reason": reason.code, "status": instance.status.rawValue]))
            try await tx.leases.release(lease)
            return events
        }
        removeRunner(runner)
        let handles = runner.end(.stopping)
        handles.renewal?.cancel()
        handles.backoff?.cancel()
    }

    /// What the supervisor did about a terminal disconnect, for the alert's `actionsTaken`.
    private static func terminalActions(_ reason: DisconnectReason) -> [RiskAction] {
        // Mirrors RiskMonitor: these need an operator, not a new link.
        ["proxy_blocked", "deprecated_version"].contains(reason.code) ? [] : [.requireRelink]
    }

    /// Lets the runner go without writing anything: its lease is lost or its instance deleted.
    func abandon(_ runner: SupervisedInstance) async {
        var lifecycle = runner.instance.lifecycle
        if case .reject(let invalid) = lifecycle.leaseLost() { log(invalid, runner) }
        env.logger.notice("lease lost; the instance's session stops here", metadata: metadata(runner))
        removeRunner(runner)
        let handles = runner.end(.abandoned)
        handles.renewal?.cancel()
        handles.backoff?.cancel()
        if let session = handles.session {
            // A fresh task, so that stopping is not cut short when the caller (the renewal) was cancelled.
            await Task { await session.stop() }.value
        }
    }

    /// Hands the event to the handler with the instance as last written.
    private func forward(_ event: SessionEvent, _ runner: SupervisedInstance) async {
        guard let handler = eventHandler else { return }
        await handler.handle(event, from: runner.instance)
    }

    // MARK: Lease renewal

    /// Renews the runner's lease every ``Configuration/renewInterval``. A lost lease (or a deleted instance)
    /// abandons the runner at once; a desired state of `stopped` (set by a node that does not run the instance)
    /// stops it; a store that stays unreachable until the lease would expire abandons it too.
    func renewLease(_ runner: SupervisedInstance) async {
        let reference = runner.reference
        while true {
            do {
                try await env.clock.sleepForUpkeep(for: configuration.renewInterval)
            } catch {
                return
            }
            guard runner.ending == nil else { return }
            do {
                let current = runner.lease
                let (renewed, desired) = try await env.store.transaction(.organization(reference.organizationID)) {
                    tx in
                    let renewed = try await tx.leases.renew(
                        current, duration: configuration.leaseDuration, now: env.clock.now())
                    let instance = try await tx.instances.find(reference.instanceID, in: reference.organizationID)
                    return (renewed, instance?.desiredState)
                }
                runner.box.withLock { $0.lease = renewed }
                guard let desired else {
                    await abandon(runner)
                    return
                }
                if desired == .stopped {
                    // Stopped from another node: stop here too (a fresh task, so that the stop does not cancel
                    // itself by cancelling this renewal).
                    Task {
                        await self.env.bestEffort("stopping an instance whose desired state is stopped", self.metadata(runner)) {
                            _ = try await self.stop(reference.instanceID, in: reference.organizationID)
                        }
                    }
                    return
                }
                await storePendingArchive(runner)
            } catch let error as WAError where error.code == .leaseLost {
                await abandon(runner)
                return
            } catch {
                if Task.isCancelled { return }
                env.logFailure("renewing an instance's lease (tried again)", error, metadata(runner))
                if env.clock.now() >= runner.lease.expiresAt {
                    await abandon(runner)
                    return
                }
            }
        }
    }
}
