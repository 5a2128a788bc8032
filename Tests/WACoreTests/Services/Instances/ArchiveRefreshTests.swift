import Foundation
import Testing
import WACore
import WACoreTesting

/// A session whose archive keeps changing after `ready` (``SessionEvent/archiveChanged``) has it stored again: the
/// first change after a quiet interval at once, later ones at most once per interval.
@Suite("Instance supervisor: archives that change after ready")
struct ArchiveRefreshTests {
    private static let interval: Duration = .seconds(30)

    /// Lets the lease renewal (every 10 s) run `times` times.
    private func renew(_ h: InstanceHarness, times: Int) async throws {
        for _ in 0..<times {
            try await h.clock.waitForSleepers(1)
            h.clock.advance(by: .seconds(10))
        }
    }

    private func current(_ h: InstanceHarness, _ id: InstanceID) async throws -> SessionArchive {
        let session = try #require(await h.supervisor.readySession(for: id))
        return try #require(try await session.exportArchive())
    }

    @Test func aChangedArchiveIsStoredAtOnceThenAtMostOncePerInterval() async throws {
        let h = InstanceHarness(supervisorConfiguration: .init(archiveRefreshInterval: Self.interval))
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let atReady = try #require(try await h.storedArchive(instance.id, in: org))
        #expect(atReady == (try await current(h, instance.id)))
        let versionAtReady = try await h.stored(instance.id, in: org).version

        // A change right after `ready` waits for the interval, then a renewal stores it.
        h.network.rotateArchive(instance: instance.id)
        try await h.clock.waitUntil("the change forwarded") {
            h.handler.events.contains { if case .archiveChanged = $0.event { true } else { false } }
        }
        #expect(try await h.storedArchive(instance.id, in: org) == atReady)
        try await renew(h, times: 2)
        #expect(try await h.storedArchive(instance.id, in: org) == atReady, "still within the interval")
        try await renew(h, times: 2)
        let first = try await current(h, instance.id)
        try await h.clock.waitUntil("the first change stored") { try await h.storedArchive(instance.id, in: org) == first }

        // Quiet for a whole interval: the next change is stored at once.
        try await renew(h, times: 4)
        h.network.rotateArchive(instance: instance.id)
        let second = try await current(h, instance.id)
        #expect(second != first)
        try await h.clock.waitUntil("the second change stored at once") {
            try await h.storedArchive(instance.id, in: org) == second
        }
        // The archive is stored beside the instance: its row was not written.
        #expect(try await h.stored(instance.id, in: org).version == versionAtReady)
        #expect(try await h.stored(instance.id, in: org).status == .ready)
        await h.supervisor.stopAll()
    }

    @Test func aRestoreAfterKeyRotationsStartsFromTheStoredArchive() async throws {
        let h = InstanceHarness(supervisorConfiguration: .init(archiveRefreshInterval: Self.interval))
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        // Two rotations, each stored after its interval: the archive from `ready` no longer restores.
        for _ in 0..<2 {
            try await renew(h, times: 4)
            h.network.rotateArchive(instance: instance.id)
            let changed = try await current(h, instance.id)
            try await h.clock.waitUntil("the change stored") { try await h.storedArchive(instance.id, in: org) == changed }
        }
        let qrCodes = h.webhooks.events(.instanceQR).count
        h.network.disconnect(instance: instance.id, reason: .connectionLost)
        try await h.waitForStatus(.reconnecting, instance.id, in: org)
        try await h.clock.waitForSleepers(2)  // renewal + backoff
        h.clock.advanceToNextDeadline()
        try await h.waitForStatus(.ready, instance.id, in: org)
        #expect(h.webhooks.events(.instanceQR).count == qrCodes, "restored without a new link")
        await h.supervisor.stopAll()
    }
}
