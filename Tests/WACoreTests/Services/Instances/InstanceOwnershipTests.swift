import Foundation
import Testing
@testable import WACore
import WACoreTesting

@Suite("Instance ownership between nodes")
struct InstanceOwnershipTests {
    @Test func onlyOneNodeRunsAnInstanceAndAStalledOwnerIsFencedOut() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let nodeB = h.makeSupervisor(node: "node-b")
        let instance = try await h.linkedInstance(org: org, admin: admin)

        // node-b cannot start what node-a runs.
        await expectWAError(.instanceOwnedElsewhere) { try await nodeB.start(instance.id, in: org) }
        #expect(!nodeB.isRunning(instance.id))
        #expect(try await nodeB.resumeAll().ownedElsewhere.map(\.instanceID) == [instance.id])

        // node-a stalls: it stops renewing, its session keeps running, and its lease runs out.
        try await h.clock.waitForSleepers(1)
        h.supervisor.suspendRenewal(of: instance.id)
        try await h.clock.waitUntil("renewal stopped") { h.clock.sleeperCount == 0 }
        h.clock.advance(by: .seconds(31))
        #expect(h.supervisor.isRunning(instance.id))

        // node-b adopts the instance with a higher token, restoring the link from the shared archive.
        let adopted = try await nodeB.resumeAll()
        #expect(adopted.started.map(\.instanceID) == [instance.id])
        try await h.clock.waitUntil("node-b ready") { await nodeB.readySession(for: instance.id) != nil }
        let lease = try #require(try await h.lease(instance.id, in: org))
        #expect(lease.owner == "node-b" && lease.token == 2)
        #expect(h.transport.configurations.last?.archive != nil)

        // The connection drops for both sessions. node-a's write of `reconnecting` is rejected (its token is
        // stale), so it lets the session go; node-b reconnects and stays the owner.
        let disconnectsBefore = h.webhooks.events(.instanceDisconnected).count
        try await h.clock.waitForSleepers(1)  // node-b's renewal
        h.network.disconnect(instance: instance.id, reason: .connectionLost)
        try await h.clock.waitUntil("node-a gave up") { !h.supervisor.isRunning(instance.id) }
        try await h.clock.waitForSleepers(2)  // node-b: renewal + backoff
        #expect(h.webhooks.events(.instanceDisconnected).count == disconnectsBefore + 1)  // node-b's only
        h.clock.advanceToNextDeadline()
        try await h.waitForStatus(.ready, instance.id, in: org)
        #expect(nodeB.isRunning(instance.id) && !h.supervisor.isRunning(instance.id))
        #expect(try await h.lease(instance.id, in: org)?.token == 2)
        #expect(try await h.lease(instance.id, in: org)?.owner == "node-b")
        await nodeB.stopAll()
    }

    /// Each node's dispatcher claims the sends of the instances it runs and of the instances nobody runs, never
    /// those of an instance another node runs.
    @Test func aDispatcherLeavesTheSendsOfAnotherNodesInstanceAlone() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let stopped = try await h.linkedInstance(org: org, admin: admin, name: "idle")
        let messaging = MessagingService(environment: h.env)
        let customer = try PhoneNumber("+49 170 7654321")
        let running = try await messaging.send(.text("from the running one", to: customer, from: instance.id), by: admin)
        let idle = try await messaging.send(.text("from the idle one", to: customer, from: stopped.id), by: admin)
        // The second instance stops after its message was queued: nobody runs it now.
        _ = try await InstanceService(environment: h.env, supervisor: h.supervisor).stop(stopped.id, by: admin)
        let nodeB = h.makeSupervisor(node: "node-b")
        #expect(h.supervisor.heldInstances == [instance.id] && nodeB.heldInstances == [])
        func job(of message: Message) async throws -> Job {
            try await h.env.store.transaction(.organization(org)) { tx in
                try #require(
                    try await tx.jobs.list(in: org, where: .init(uniqueKeyPrefix: message.id.description), page: .all)
                        .items.first)
            }
        }
        let dispatcherB = MessageDispatcher(environment: h.env, sessions: nodeB)
        #expect(try await dispatcherB.runOnce(worker: "node-b") == 1, "node-b takes only the idle instance's send")
        #expect(try await job(of: running).state == .available)
        #expect(try await job(of: idle).attempt == 1)
        let dispatcherA = MessageDispatcher(environment: h.env, sessions: h.supervisor)
        // node-a takes it (and handles it while the test clock moves through whatever it waits for).
        #expect(try await h.clock.run { try await dispatcherA.runOnce(worker: "node-a") } == 1)
        #expect(try await job(of: running).attempt == 1)
        await nodeB.stopAll()
    }

    @Test func aNodeAdoptsOrphanedInstancesOnlyUpToItsCapacity() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        await h.supervisor.stopAll()
        let reference = InstanceReference(organizationID: org, instanceID: instance.id)
        func node(_ name: String, capacity: Int?) -> InstanceSupervisor {
            InstanceSupervisor(
                environment: h.env, transport: h.transport, nodeID: name, webhooks: h.webhooks,
                configuration: .init(capacity: capacity))
        }
        let full = node("node-full", capacity: 0)
        let skipped = try await full.resumeAll()
        #expect(skipped.atCapacity == [reference] && skipped.started.isEmpty && !full.isRunning(instance.id))
        let roomy = node("node-roomy", capacity: 1)
        let adopted = try await roomy.resumeAll()
        #expect(adopted.started == [reference] && adopted.atCapacity.isEmpty)
        try await h.clock.waitUntil("adopted and ready") { await roomy.readySession(for: instance.id) != nil }
        #expect(try await roomy.resumeAll().alreadyRunning == [reference], "a running instance is not counted twice")
        await roomy.stopAll()
    }

    @Test func aSecondNodeOnTheSameStoreResumesFromTheStoredArchive() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        // node-a links the instance: the archive is stored with `ready`, in its own record.
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let sealed = try #require(try await h.sealedArchive(instance.id, in: org))
        #expect(instance.status == .ready && instance.desiredState == .running)

        // node-a shuts down gracefully: status, desired state and archive stay in the store.
        await h.supervisor.stopAll()
        #expect(!h.supervisor.isRunning(instance.id))
        #expect(try await h.stored(instance.id, in: org).status == .ready)
        #expect(try await h.sealedArchive(instance.id, in: org) == sealed)
        #expect(try await h.desiredRunning() == [instance.id])

        // node-b shares only the store (and the secret box's keys) with node-a.
        let nodeB = h.makeSupervisor(node: "node-b")
        let eventsBefore = h.webhooks.events.count
        let summary = try await nodeB.resumeAll()
        #expect(summary.started == [InstanceReference(organizationID: org, instanceID: instance.id)])
        #expect(summary.failed.isEmpty && summary.ownedElsewhere.isEmpty && summary.alreadyRunning.isEmpty)
        try await h.clock.waitUntil("node-b ready") { await nodeB.readySession(for: instance.id) != nil }

        // Restored from the stored archive: no QR code was shown, the same account and browser identity.
        let resumedEvents = h.webhooks.events.dropFirst(eventsBefore)
        #expect(!resumedEvents.contains { $0.type == .instanceQR })
        #expect(!resumedEvents.contains { $0.data["status"]?.stringValue == "awaiting_qr" })
        #expect(nodeB.linkCode(for: instance.id) == nil)
        let configuration = try #require(h.transport.configurations.last)
        let plaintext = try h.env.secretBox.open(sealed, context: InstanceSupervisor.archiveContext(org))
        #expect(configuration.archive?.bytes == plaintext)
        #expect(configuration.fingerprint == instance.fingerprint)
        let lease = try #require(try await h.lease(instance.id, in: org))
        #expect(lease.owner == "node-b" && lease.token == 2)
        let resumed = try await h.stored(instance.id, in: org)
        #expect(resumed.status == .ready && resumed.jid == instance.jid && resumed.desiredState == .running)
        #expect(try await h.sealedArchive(instance.id, in: org) != nil)
        await nodeB.stopAll()
    }

    @Test func aLateRenewalLetsTheSessionGoWithoutWriting() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let session = try #require(await h.supervisor.readySession(for: instance.id) as? SimulatedSession)
        try await h.clock.waitForSleepers(1)
        let writesBefore = h.webhooks.events.count

        // The renewal wakes only after the lease expired (a frozen process): it finds the lease lost.
        h.clock.advance(by: .seconds(31))
        try await h.clock.waitUntil("session let go") { !h.supervisor.isRunning(instance.id) }
        // The supervisor forgets the session first and stops it right after: wait for the stop to finish.
        try await h.clock.waitUntil("session stopped") { session.hasEnded }
        #expect(session.hasEnded)
        #expect(h.webhooks.events.count == writesBefore)
        #expect(try await h.stored(instance.id, in: org).status == .ready)  // untouched by the stale node
        #expect(try await h.desiredState(instance.id, in: org) == .running)

        // Another node (or this one) adopts it on its next round.
        let nodeB = h.makeSupervisor(node: "node-b")
        #expect(try await nodeB.resumeAll().started.map(\.instanceID) == [instance.id])
        try await h.clock.waitUntil("node-b ready") { await nodeB.readySession(for: instance.id) != nil }
        #expect(try await h.lease(instance.id, in: org)?.token == 2)
        await nodeB.stopAll()
    }

    @Test func stoppingOnAnotherNodeStopsTheOwnerAtItsNextRenewal() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let nodeB = h.makeSupervisor(node: "node-b")
        let serviceB = InstanceService(environment: h.env, supervisor: nodeB)

        let answer = try await serviceB.stop(instance.id, by: admin)
        #expect(answer.status == .ready)  // node-a still runs it for now
        #expect(h.supervisor.isRunning(instance.id))

        try await h.clock.waitForSleepers(1)
        h.clock.advance(by: .seconds(10))
        try await h.waitForStatus(.stopped, instance.id, in: org)
        try await h.clock.waitUntil("node-a stopped") { !h.supervisor.isRunning(instance.id) }
        #expect(try await h.lease(instance.id, in: org).map { $0.expiresAt < h.clock.now() } == true)

        // Logging out through a node that does not run it is refused while another node does.
        try await h.service.start(instance.id, by: admin)
        try await h.waitForStatus(.ready, instance.id, in: org)
        await expectWAError(.instanceOwnedElsewhere) { try await serviceB.logout(instance.id, by: admin) }
        let report = try await serviceB.status(instance.id, by: admin)
        #expect(report.runningOn == "node-a" && !report.isRunningHere && report.linkCode == nil)
        await h.supervisor.stopAll()
    }

    @Test func deletingOnAnotherNodeMakesTheOwnerLetGo() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let session = try #require(await h.supervisor.readySession(for: instance.id) as? SimulatedSession)
        let serviceB = InstanceService(environment: h.env, supervisor: h.makeSupervisor(node: "node-b"))
        try await serviceB.delete(instance.id, by: admin)
        // Deleted at once, with its lease, and audited.
        await expectWAError(.notFound) { try await h.stored(instance.id, in: org) }
        #expect(try await h.lease(instance.id, in: org) == nil)
        #expect(try await h.desiredRunning().isEmpty)
        let actions = try await h.env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, page: .all).items.map(\.action)
        }
        #expect(actions.last == "instance.deleted")
        // node-a notices at its next renewal, lets go and stops its session.
        #expect(h.supervisor.isRunning(instance.id))
        try await h.clock.waitForSleepers(1)
        h.clock.advance(by: .seconds(10))
        try await h.clock.waitUntil("node-a let go") { !h.supervisor.isRunning(instance.id) }
        try await h.clock.waitUntil("node-a's session stopped") { session.hasEnded }
        #expect(await h.supervisor.readySession(for: instance.id) == nil)
    }
}

@Suite("Link codes between nodes")
struct LinkCodeSharingTests {
    /// The node that runs a linking instance stores each code with it; another node's service answers with the
    /// same code, never with one that expired or with one of the wrong kind, and with nothing once linked.
    @Test func anotherNodeServesTheStoredCodeWhileItIsGood() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let nodeB = InstanceService(environment: h.env, supervisor: h.makeSupervisor(node: "node-b"))
        let created = try await h.service.create(name: "support", by: admin)
        #expect(try await nodeB.linkCode(created.id, by: admin) == nil, "never started: no code")

        try await h.service.start(created.id, by: admin)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        let shown = try #require(h.supervisor.linkCode(for: created.id))
        #expect(try await nodeB.linkCode(created.id, by: admin) == shown)
        #expect(try await h.stored(created.id, in: org).linkCode == shown)
        let report = try await nodeB.status(created.id, by: admin)
        #expect(report.linkCode == shown && !report.isRunningHere)

        // Past its expiry the stored code is not served, whatever the row says.
        let stored = try await h.stored(created.id, in: org)
        #expect(stored.currentLinkCode(at: shown.expiresAt) == nil)
        #expect(stored.currentLinkCode(at: shown.expiresAt.addingTimeInterval(-1)) == shown)
        var pairing = Instance(
            id: created.id, organizationID: org, name: "support", status: .awaitingPairingCode,
            createdAt: stored.createdAt)
        pairing.linkCode = shown
        #expect(pairing.currentLinkCode(at: shown.issuedAt) == nil, "a QR code is no pairing code")

        try h.network.scan(qrCode: shown.value, with: h.phone)
        try await h.waitForStatus(.ready, created.id, in: org)
        #expect(try await nodeB.linkCode(created.id, by: admin) == nil)
        #expect(try await h.stored(created.id, in: org).linkCode == nil, "authenticated clears it")
        await h.supervisor.stopAll()
    }
}
