import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Instance lifecycle")
struct InstanceLifecycleTests {
    @Test func createStartScanReady() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "Support-DE", by: admin)
        #expect(created.name == "support-de" && created.status == .created && created.pairingGeneration == 0)
        let fingerprint = try #require(created.fingerprint)
        #expect(fingerprint == (try InstanceProvisioning().fingerprint(for: created)))
        #expect(fingerprint.userAgent.contains("Chrome/156.0.0.0"))

        let started = try await h.service.start(created.id, by: admin)
        #expect(started.status == .starting)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        let code = try #require(h.supervisor.linkCode(for: created.id))
        #expect(code.kind == .qrCode && code.value == h.network.currentCode(of: created.id))
        let qrEvent = try #require(h.webhooks.events(.instanceQR).last)
        #expect(qrEvent.instanceID == created.id && qrEvent.data["qr"]?.stringValue == code.value)
        #expect(await h.supervisor.readySession(for: created.id) == nil)

        try h.network.scan(qrCode: code.value, with: h.phone)
        try await h.waitForStatus(.ready, created.id, in: org)
        let ready = try await h.stored(created.id, in: org)
        #expect(ready.jid == h.phone.jid && ready.phone == h.phone)
        #expect(h.supervisor.linkCode(for: created.id) == nil)
        #expect(await h.supervisor.readySession(for: created.id) != nil)
        #expect(h.webhooks.events(.instanceReady).count == 1)

        // The archive is stored sealed, with the `ready` status: the plaintext never reaches the store.
        #expect(ready.desiredState == .running)
        let sealed = try #require(try await h.sealedArchive(created.id, in: org))
        let plaintext = try h.env.secretBox.open(sealed, context: InstanceSupervisor.archiveContext(org))
        #expect(String(decoding: plaintext, as: UTF8.self).contains("wa-simulator-archive"))
        #expect(sealed != plaintext)
        #expect(!String(decoding: sealed, as: UTF8.self).contains("wa-simulator-archive"))
        #expect(sealed.count == plaintext.count + SecretBox.overhead)
        // Sealed for this organization only.
        expectWAError(.decryptionFailed) {
            try h.env.secretBox.open(sealed, context: InstanceSupervisor.archiveContext(OrganizationID(high: 1, low: 1)))
        }

        // Status changes were announced in order.
        let statuses = h.webhooks.events(.instanceStatusChanged).compactMap { $0.data["status"]?.stringValue }
        #expect(statuses == ["starting", "awaiting_qr", "authenticated", "ready"])
        let lease = try #require(try await h.lease(created.id, in: org))
        #expect(lease.owner == "node-a" && lease.token == 1)
        let audit = try await h.env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, page: .all).items.map(\.action)
        }
        #expect(audit.contains("instance.created") && audit.contains("instance.started") && audit.contains("instance.linked"))
        await h.supervisor.stopAll()
    }

    /// Restart is stop then start, each audited; a stopped instance just starts.
    @Test func restartStopsAndStartsTheSessionAgain() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "restarting", by: admin)
        let first = try await h.service.restart(created.id, by: admin)
        #expect(first.desiredState == .running)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        let firstCode = try #require(h.supervisor.linkCode(for: created.id))

        let second = try await h.service.restart(created.id, by: admin)
        #expect(second.desiredState == .running)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        let secondCode = try #require(h.supervisor.linkCode(for: created.id))
        #expect(secondCode.value != firstCode.value)
        let audit = try await h.env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, page: .all).items.map(\.action)
        }
        #expect(audit.filter { $0 == "instance.started" }.count == 2)
        #expect(audit.filter { $0 == "instance.stopped" }.count == 1)
        await h.supervisor.stopAll()
    }

    @Test func everyEventIsForwardedInOrderAfterTheLifecycleWrite() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        try await h.clock.waitUntil("ready forwarded") {
            h.handler.events.contains { if case .ready = $0.event { true } else { false } }
        }
        let forwarded = h.handler.events
        let kinds = forwarded.map { entry -> String in
            switch entry.event {
            case .stateChanged(let state): "state:\(state.rawValue)"
            case .qrCode: "qr"
            case .authenticated: "authenticated"
            case .loading(let percent): "loading:\(percent)"
            case .ready: "ready"
            default: "other"
            }
        }
        #expect(kinds == [
            "state:opening", "qr", "authenticated", "loading:25", "loading:50", "loading:75", "loading:100",
            "state:connected", "ready",
        ])
        // The handler sees the instance as the supervisor just wrote it.
        #expect(forwarded[1].status == .awaitingQR)
        #expect(forwarded.last?.status == .ready)
        #expect(instance.status == .ready)
        await h.supervisor.stopAll()
    }

    @Test func aPageReloadWhileReadyNeitherFlipsTheStatusNorAnnouncesAgain() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let readyEvents = { h.handler.events.filter { if case .ready = $0.event { true } else { false } }.count }
        try await h.clock.waitUntil("ready forwarded") { readyEvents() == 1 }
        let webhooksBefore = h.webhooks.events.map(\.type)
        let versionBefore = try await h.stored(instance.id, in: org).version

        h.network.reloadPage(instance: instance.id)
        try await h.clock.waitUntil("the reload's ready forwarded") { readyEvents() == 2 }

        // The events reached the handler, the instance stayed ready throughout, and nothing was announced twice.
        let reload = h.handler.events.suffix(from: h.handler.events.count - 8)
        #expect(reload.allSatisfy { $0.status == .ready })
        #expect(h.webhooks.events.map(\.type) == webhooksBefore)
        let stored = try await h.stored(instance.id, in: org)
        #expect(stored.status == .ready)
        // The simulator's archive does not change on a reload, so there was nothing to write either.
        #expect(stored.version == versionBefore)
        #expect(await h.supervisor.readySession(for: instance.id) != nil)
        await h.supervisor.stopAll()
    }

    @Test func transientDisconnectReconnectsFromTheArchiveAfterBackoff() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        try await h.clock.waitForSleepers(1)  // the lease renewal
        let qrCodesBefore = h.webhooks.events(.instanceQR).count

        let disconnectedAt = h.clock.now()
        h.network.disconnect(instance: instance.id, reason: .connectionLost)
        try await h.waitForStatus(.reconnecting, instance.id, in: org)
        let disconnected = try #require(h.webhooks.events(.instanceDisconnected).last)
        #expect(disconnected.data["reason"]?.stringValue == "connection_lost")
        #expect(disconnected.data["kind"]?.stringValue == "transient")
        #expect(await h.supervisor.readySession(for: instance.id) == nil)

        try await h.clock.waitForSleepers(2)  // renewal + backoff
        let deadline = try #require(h.clock.nextDeadline)
        let delay = deadline.timeIntervalSince(disconnectedAt)
        #expect(delay >= 0.8 && delay <= 1.2)  // 1 s ± 20 % jitter
        h.clock.advanceToNextDeadline()

        try await h.waitForStatus(.ready, instance.id, in: org)
        #expect(h.webhooks.events(.instanceQR).count == qrCodesBefore)  // no new QR: restored from the archive
        let configurations = h.transport.configurations
        #expect(configurations.count == 2)
        #expect(configurations[0].archive == nil && configurations[1].archive != nil)
        #expect(configurations[1].fingerprint == instance.fingerprint)
        #expect(try await h.lease(instance.id, in: org)?.token == 1)  // same owner throughout
        await h.supervisor.stopAll()
    }

    @Test func backoffGrowsWhileReconnectsKeepFailing() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        try await h.clock.waitForSleepers(1)
        // The next two restores are refused as if the network were down: the session ends with a transient
        // reason at once.
        var delays: [Double] = []
        for attempt in 0..<3 {
            let before = h.clock.now()
            if attempt == 0 {
                h.network.disconnect(instance: instance.id, reason: .timeout)
            }
            try await h.clock.waitForSleepers(2)
            delays.append(try #require(h.clock.nextDeadline).timeIntervalSince(before))
            h.clock.advanceToNextDeadline()
            try await h.waitForStatus(.ready, instance.id, in: org)
            if attempt < 2 {
                // Lose the fresh connection immediately (not stable): the backoff keeps climbing.
                try await h.clock.waitForSleepers(1)
                h.network.disconnect(instance: instance.id, reason: .timeout)
            }
        }
        #expect(delays.count == 3)
        #expect(delays[0] >= 0.8 && delays[0] <= 1.2)
        #expect(delays[1] >= 1.6 && delays[1] <= 2.4)
        #expect(delays[2] >= 3.2 && delays[2] <= 4.8)
        await h.supervisor.stopAll()
    }

    @Test(arguments: [
        ("banned", InstanceStatus.failed, true),
        ("restricted", InstanceStatus.failed, true),
        ("conflict", InstanceStatus.failed, true),
        ("logged_out", InstanceStatus.loggedOut, true),
    ])
    func terminalDisconnectStopsReleasesAndAlerts(reason: String, expected: InstanceStatus, alerts: Bool) async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let archive = try await h.sealedArchive(instance.id, in: org)
        switch reason {
        case "banned": h.network.ban(h.phone)
        case "restricted": h.network.restrict(h.phone, disconnectSessions: true)
        case "conflict": h.network.takeOver(h.phone)
        default: h.network.unlinkDevices(of: h.phone)
        }
        try await h.waitForStatus(expected, instance.id, in: org)
        try await h.clock.waitUntil("runner gone") { !h.supervisor.isRunning(instance.id) }

        let lease = try #require(try await h.lease(instance.id, in: org))
        #expect(lease.expiresAt < h.clock.now())  // released
        let alerts = try await h.env.store.transaction(.organization(org)) {
            try await $0.riskAlerts.list(in: org, where: .init(instanceID: instance.id), page: .all).items
        }
        #expect(alerts.count == 1)
        #expect(alerts.first?.severity == .critical && alerts.first?.rules == ["terminal_disconnect"])
        #expect(alerts.first?.evidence["reason"] == reason)
        #expect(h.webhooks.events(.riskAlert).count == 1)
        #expect(h.webhooks.events(.riskAlert).first?.data["reason"]?.stringValue == "terminal_disconnect")
        let disconnected = try #require(h.webhooks.events(.instanceDisconnected).last)
        #expect(disconnected.data["reason"]?.stringValue == reason)
        #expect(disconnected.data["kind"]?.stringValue == "terminal")

        // Written with the final status, in its transaction.
        let after = try await h.stored(instance.id, in: org)
        #expect(after.desiredState == .stopped)
        if reason == "logged_out" {
            // The link is gone: a new pairing generation and fingerprint, no archive.
            #expect(after.pairingGeneration == 1 && after.fingerprint != instance.fingerprint)
            #expect(try await h.sealedArchive(instance.id, in: org) == nil)
        } else {
            #expect(after.pairingGeneration == 0)
            #expect(try await h.sealedArchive(instance.id, in: org) == archive && archive != nil)
        }
    }

    @Test func linkTimeoutLogsOutWithoutAlert() async throws {
        let h = InstanceHarness(networkConfiguration: .init(qrCodeLimit: 1))
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "nobody-scans", by: admin)
        try await h.service.start(created.id, by: admin)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        try await h.clock.waitForSleepers(2)  // QR rotation + lease renewal
        h.clock.advance(by: .seconds(20))
        try await h.waitForStatus(.loggedOut, created.id, in: org)
        try await h.clock.waitUntil("runner gone") { !h.supervisor.isRunning(created.id) }
        let alerts = try await h.env.store.transaction(.organization(org)) {
            try await $0.riskAlerts.count(in: org, where: .init())
        }
        #expect(alerts == 0)
        #expect(h.webhooks.events(.instanceDisconnected).last?.data["reason"]?.stringValue == "link_timeout")
        #expect(try await h.stored(created.id, in: org).pairingGeneration == 0)  // nothing was ever paired
    }

    @Test func aRestoreWhatsAppRefusesIsAnAuthFailureThatUnlinks() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        _ = try await h.service.stop(instance.id, by: admin)
        try await h.waitForStatus(.stopped, instance.id, in: org)
        let qrCodes = h.webhooks.events(.instanceQR).count
        // While the instance is down, the phone removes the device: the stored archive no longer restores.
        h.network.unlinkDevices(of: h.phone)
        try await h.service.start(instance.id, by: admin)
        try await h.waitForStatus(.loggedOut, instance.id, in: org)
        let disconnected = try #require(h.webhooks.events(.instanceDisconnected).last)
        #expect(disconnected.data["reason"]?.stringValue == "auth_failure")
        #expect(disconnected.data["kind"]?.stringValue == "terminal")
        let stored = try await h.stored(instance.id, in: org)
        #expect(stored.desiredState == .stopped && stored.pairingGeneration == 1)
        #expect(try await h.sealedArchive(instance.id, in: org) == nil)
        #expect(h.webhooks.events(.instanceQR).count == qrCodes, "a failed restore shows no QR code")
    }

    @Test func logoutDeletesTheArchiveAndTheNextStartShowsAQRCode() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let loggedOut = try await h.service.logout(instance.id, by: admin)
        #expect(loggedOut.status == .loggedOut)
        #expect(loggedOut.pairingGeneration == 1)
        #expect(loggedOut.fingerprint != instance.fingerprint)
        #expect(loggedOut.fingerprint == (try InstanceProvisioning().fingerprint(for: loggedOut)))
        #expect(try await h.sealedArchive(instance.id, in: org) == nil && loggedOut.desiredState == .stopped)
        #expect(try await h.stored(instance.id, in: org) == loggedOut)
        #expect(!h.supervisor.isRunning(instance.id))
        #expect(try await h.lease(instance.id, in: org).map { $0.expiresAt < h.clock.now() } == true)
        // A requested logout raises no risk alert.
        #expect(h.webhooks.events(.riskAlert).isEmpty)
        #expect(h.webhooks.events(.instanceDisconnected).last?.data["requested"] == .bool(true))

        try await h.service.start(instance.id, by: admin)
        try await h.waitForStatus(.awaitingQR, instance.id, in: org)
        #expect(h.supervisor.linkCode(for: instance.id)?.kind == .qrCode)
        #expect(h.transport.configurations.last?.archive == nil)
        #expect(h.transport.configurations.last?.fingerprint == loggedOut.fingerprint)
        await h.supervisor.stopAll()
    }

    @Test func stopKeepsTheLinkAndStartRestoresIt() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let archive = try await h.sealedArchive(instance.id, in: org)
        let stopped = try await h.service.stop(instance.id, by: admin)
        #expect(stopped.status == .stopped)
        #expect(!h.supervisor.isRunning(instance.id))
        #expect(try await h.lease(instance.id, in: org).map { $0.expiresAt < h.clock.now() } == true)
        #expect(try await h.sealedArchive(instance.id, in: org) == archive && stopped.desiredState == .stopped)

        try await h.service.start(instance.id, by: admin)
        try await h.waitForStatus(.ready, instance.id, in: org)
        #expect(h.transport.configurations.last?.archive != nil)
        #expect(try await h.lease(instance.id, in: org)?.token == 2)  // a new lease after the release
        await h.supervisor.stopAll()
    }

    @Test func startIsIdempotentOnTheSameNode() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "twice", by: admin)
        async let first = h.service.start(created.id, by: admin)
        async let second = h.service.start(created.id, by: admin)
        _ = try await (first, second)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        #expect(h.transport.configurations.count == 1)
        await h.supervisor.stopAll()
    }

    @Test func pairingCodeLinksWithoutQR() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "pairing", by: admin)
        try await h.service.start(created.id, by: admin)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)

        // Switching to a pairing code restarts the linking.
        try await h.service.requestPairingCode(created.id, phone: h.phone, by: admin)
        try await h.waitForStatus(.awaitingPairingCode, created.id, in: org)
        let code = try #require(h.supervisor.linkCode(for: created.id))
        #expect(code.kind == .pairingCode)
        #expect(h.webhooks.events(.instanceQR).last?.data["pairing_code"]?.stringValue == code.value)
        try h.network.enterPairingCode(code.value, on: h.phone)
        try await h.waitForStatus(.ready, created.id, in: org)
        #expect(try await h.sealedArchive(created.id, in: org) != nil)

        await expectWAError(.invalidInstanceState) {
            try await h.service.requestPairingCode(created.id, phone: h.phone, by: admin)
        }
        await h.supervisor.stopAll()
    }

    @Test func deletingARunningInstanceStopsIt() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let session = try #require(await h.supervisor.readySession(for: instance.id) as? SimulatedSession)
        try await h.service.delete(instance.id, by: admin)
        #expect(!h.supervisor.isRunning(instance.id))
        #expect(session.hasEnded)
        #expect(try await h.lease(instance.id, in: org) == nil)
        #expect(try await h.desiredRunning().isEmpty)
        await expectWAError(.notFound) { try await h.service.get(instance.id, by: admin) }
    }

    @Test func stopAllKeepsStatusesAndResumeAllRestoresOnRestart() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let idle = try await h.service.create(name: "idle", by: admin)

        await h.supervisor.stopAll()
        #expect(h.supervisor.runningInstances.isEmpty)
        #expect(try await h.stored(instance.id, in: org).status == .ready)  // unchanged
        #expect(try await h.lease(instance.id, in: org).map { $0.expiresAt < h.clock.now() } == true)
        #expect(try await h.desiredRunning() == [instance.id])

        // The process restarts: a new supervisor for the same node, on the same stores.
        let restarted = h.makeSupervisor(node: "node-a")
        let summary = try await restarted.resumeAll()
        #expect(summary.started.map(\.instanceID) == [instance.id])
        #expect(summary.failed.isEmpty && summary.ownedElsewhere.isEmpty)
        try await h.clock.waitUntil("ready again") { await restarted.readySession(for: instance.id) != nil }
        #expect(try await h.stored(instance.id, in: org).status == .ready)
        #expect(!restarted.isRunning(idle.id))
        #expect(h.transport.configurations.last?.archive != nil)

        let again = try await restarted.resumeAll()
        #expect(again.alreadyRunning.map(\.instanceID) == [instance.id] && again.started.isEmpty)
        await restarted.stopAll()
    }

    @Test func aSessionThatCannotStartChangesNothing() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "unknown-phone", by: admin)
        let stranger = try PhoneNumber("+4915112345678")  // not on the simulated network
        await expectWAError(.recipientNotOnWhatsApp) {
            try await h.service.requestPairingCode(created.id, phone: stranger, by: admin)
        }
        #expect(try await h.stored(created.id, in: org).status == .created)
        #expect(try await h.lease(created.id, in: org).map { $0.expiresAt < h.clock.now() } == true)
        #expect(!h.supervisor.isRunning(created.id))
        #expect(try await h.desiredState(created.id, in: org) == .stopped)
    }

    @Test func runResumesThenShutsDownGracefullyWhenCancelled() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        await h.supervisor.stopAll()

        let node = h.makeSupervisor(node: "node-a")
        let service = Task { await node.run() }
        try await h.clock.waitUntil("resumed") { await node.readySession(for: instance.id) != nil }
        service.cancel()
        await service.value
        #expect(node.runningInstances.isEmpty)
        #expect(try await h.lease(instance.id, in: org).map { $0.expiresAt < h.clock.now() } == true)
        #expect(try await h.desiredState(instance.id, in: org) == .running)
        #expect(try await h.stored(instance.id, in: org).status == .ready)
    }

    @Test func planLimitCapsInstances() async throws {
        let h = InstanceHarness()
        let (_, admin) = try await h.tenant(plan: .starter)
        _ = try await h.service.create(name: "first", by: admin)
        await expectWAError(.planLimitReached) { try await h.service.create(name: "second", by: admin) }
    }

    @Test(arguments: ["", " ", "-lead", "has space", "ümlaut", String(repeating: "a", count: 64)])
    func invalidNamesAreRejected(name: String) async throws {
        let h = InstanceHarness()
        let (_, admin) = try await h.tenant()
        let error = await expectWAError(.invalidArgument) { try await h.service.create(name: name, by: admin) }
        #expect(error?.field == "name")
    }

    @Test func namesAreUniqueAndUpdatesAreAudited() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let first = try await h.service.create(name: "alpha", by: admin)
        _ = try await h.service.create(name: "beta", by: admin)
        await expectWAError(.alreadyExists) {
            try await h.service.update(first.id, name: "BETA", by: admin)
        }
        let limits = InstanceRateLimits(perMinute: 5, perHour: 50, perDay: 500)
        let updated = try await h.service.update(first.id, name: "gamma", rateLimits: limits, by: admin)
        #expect(updated.name == "gamma" && updated.rateLimits == limits)
        let cleared = try await h.service.update(first.id, rateLimits: .some(nil), by: admin)
        #expect(cleared.rateLimits == nil)
        // Out of order or beyond the maximum: refused, nothing changes (so the audit below still counts two).
        for wrong in [
            InstanceRateLimits(perMinute: 10, perHour: 5, perDay: 500),
            InstanceRateLimits(perMinute: 1, perHour: 1, perDay: InstanceRateLimits.maximum + 1),
        ] {
            let error = await expectWAError(.invalidArgument) {
                try await h.service.update(first.id, rateLimits: wrong, by: admin)
            }
            #expect(error?.field == "rate_limits")
        }
        let actions = try await h.env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, where: .init(action: "instance.updated"), page: .all).items
        }
        #expect(actions.count == 2)
    }
}
