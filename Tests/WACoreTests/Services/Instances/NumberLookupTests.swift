import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Number lookups")
struct NumberLookupTests {
    @Test func aLookupFindsTheJIDAndLIDAndTeachesTheContact() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let lid = try JID(parsing: "123456789012345@lid")
        let ada = h.network.addPhone(try PhoneNumber("+49 170 7654321"), name: "Ada", lid: lid)
        let contact = try await ContactService(environment: h.env).create(phone: ada.number, name: "Ada", by: admin)
        #expect(contact.lid == nil)

        let found = try #require(try await h.service.lookUp(ada.number, on: instance.id, by: admin))
        #expect(found.jid == ada.number.jid && found.lid == lid)
        let learned = try await ContactService(environment: h.env).get(contact.id, by: admin)
        #expect(learned.jid == ada.number.jid && learned.lid == lid)
        #expect(try await h.service.lookUp(try PhoneNumber("+49 170 5550000"), on: instance.id, by: admin) == nil)
        await h.supervisor.stopAll()
    }

    @Test func lookupsAreLimitedAndNeedAReadySessionAndThePermission() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let number = try PhoneNumber("+49 170 5550000")
        for _ in 0..<30 { _ = try await h.service.lookUp(number, on: instance.id, by: admin) }
        await expectWAError(.rateLimited) { try await h.service.lookUp(number, on: instance.id, by: admin) }
        h.clock.advance(by: .seconds(2))
        _ = try await h.service.lookUp(number, on: instance.id, by: admin)  // one more after 60 s / 30

        let team = TeamService(environment: h.env)
        let (_, invitation) = try await team.invite(email: "vi@example.com", displayName: "Vi", role: .viewer, by: admin)
        let viewer = try await team.acceptInvitation(token: invitation.reveal(), password: "a different passphrase 99")
        await expectWAError(.permissionDenied) {
            try await h.service.lookUp(number, on: instance.id, by: .acting(as: viewer))
        }

        // While the risk monitor pauses the instance, lookups wait too.
        h.clock.advance(by: .seconds(60))
        _ = try await h.env.store.transaction(.organization(org)) { tx in
            var paused = try await tx.instances.get(instance.id, in: org)
            paused.risk.pausedUntil = h.clock.now().addingTimeInterval(600)
            return try await tx.instances.update(paused)
        }
        let whilePaused = await expectWAError(.rateLimited) { try await h.service.lookUp(number, on: instance.id, by: admin) }
        #expect(whilePaused?.field == "instance_id")
        #expect(whilePaused?.retryAfter == .seconds(600) && whilePaused?.isRetryable == true)
        h.clock.advance(by: .seconds(601))

        try await h.service.stop(instance.id, by: admin)
        // Stopped: nothing to wait for, so not the retryable session_not_ready.
        let stopped = await expectWAError(.invalidInstanceState) { try await h.service.lookUp(number, on: instance.id, by: admin) }
        #expect(stopped?.isRetryable == false)
    }

    @Test func aBatchChecksEachNumberOnceAndCountsThemAll() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let ada = h.network.addPhone(try PhoneNumber("+49 170 7654321"), name: "Ada")
        let contact = try await ContactService(environment: h.env).create(phone: ada.number, name: "Ada", by: admin)
        let missing = try PhoneNumber("+49 170 5550000")

        let checks = try await h.service.checkNumbers([missing, ada.number, missing], on: instance.id, by: admin)
        #expect(checks.map(\.phone) == [missing, ada.number])
        #expect(checks.map(\.lookup?.jid) == [nil, ada.number.jid])
        let learned = try await ContactService(environment: h.env).get(contact.id, by: admin)
        #expect(learned.jid == ada.number.jid)

        // Two numbers counted; a batch of 29 more passes the minute's 30 and is refused whole.
        let many = try (0..<29).map { try PhoneNumber("+49 170 55500\(String(format: "%02d", $0 + 10))") }
        await expectWAError(.rateLimited) { try await h.service.checkNumbers(many, on: instance.id, by: admin) }
        _ = try await h.service.checkNumbers(Array(many.prefix(28)), on: instance.id, by: admin)

        let tooMany = await expectWAError(.invalidArgument) {
            try await h.service.checkNumbers(many + [missing, ada.number], on: instance.id, by: admin)
        }
        #expect(tooMany?.field == "phones")
        await expectWAError(.invalidArgument) { try await h.service.checkNumbers([], on: instance.id, by: admin) }
        await h.supervisor.stopAll()
    }
}
