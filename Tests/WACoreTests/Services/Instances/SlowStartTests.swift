import Foundation
import Testing
import WACore
import WACoreTesting

/// A session whose start takes longer than a lease (a browser launching and loading WhatsApp Web): the lease is
/// renewed while it starts, so no other node may take the instance over meanwhile.
@Suite struct SlowStartTests {
    @Test func theLeaseIsRenewedWhileTheSessionStarts() async throws {
        // 95 s to start: more than three lease durations (30 s each, renewed every 10 s).
        let h = InstanceHarness(networkConfiguration: .init(startupTime: .seconds(95)))
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "slow", by: admin)
        let startedAt = h.clock.now()

        try await h.clock.run { try await h.service.start(created.id, by: admin) }
        #expect(h.clock.now().timeIntervalSince(startedAt) >= 95)
        let lease = try #require(try await h.lease(created.id, in: org))
        #expect(lease.expiresAt > h.clock.now(), "the lease expired while the session started")

        // Another node cannot take the instance over, and this one links it.
        let other = h.makeSupervisor(node: "node-b")
        let adopted = try await other.resumeAll()
        #expect(adopted.started.isEmpty)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        let code = try #require(h.supervisor.linkCode(for: created.id))
        try h.network.scan(qrCode: code.value, with: h.phone)
        try await h.waitForStatus(.ready, created.id, in: org)
    }

    @Test func aStartThatFailsReleasesTheRenewedLease() async throws {
        // A pairing code for a number that is not on the network fails the start after the startup time.
        let h = InstanceHarness(networkConfiguration: .init(startupTime: .seconds(45)))
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "slow", by: admin)
        let unknown = try PhoneNumber("+4917099999999")
        await #expect(throws: WAError.self) {
            try await h.clock.run { try await h.service.requestPairingCode(created.id, phone: unknown, by: admin) }
        }
        // Released (a released lease keeps its row, expired, so that fencing tokens keep growing).
        let lease = try #require(try await h.lease(created.id, in: org))
        #expect(lease.expiresAt <= h.clock.now())
        #expect(try await h.stored(created.id, in: org).status == .created)
    }
}
