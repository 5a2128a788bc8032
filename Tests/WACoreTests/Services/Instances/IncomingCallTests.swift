import Foundation
import Testing
import WACore
import WACoreTesting

/// Calls offered to an instance are rejected or let ring as its ``Instance/callPolicy`` says, and reported.
@Suite("Instance supervisor: incoming calls")
struct IncomingCallTests {
    @Test func callsAreIgnoredByDefaultAndRejectedOnceThePolicySaysSo() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        #expect(instance.callPolicy == nil)
        let ada = h.network.addPhone(try PhoneNumber("+4915112345678"), name: "Ada")

        let ringing = try ada.call(h.phone)
        try await h.clock.waitUntil("the first call reported") { h.webhooks.events(.callReceived).count == 1 }
        let ignored = try #require(h.webhooks.events(.callReceived).first)
        #expect(ignored.data["call_id"]?.stringValue == ringing && ignored.data["action"]?.stringValue == "ignored")
        #expect(ignored.data["from"]?.stringValue == ada.jid.description && ignored.data["video"] == .bool(false))
        #expect(ignored.instanceID == instance.id)
        #expect(!h.network.callWasRejected(ringing))

        // The policy is read at each call: changing it applies to the running instance at once.
        let updated = try await h.service.update(instance.id, callPolicy: .reject, by: admin)
        #expect(updated.callPolicy == .reject)
        let declined = try ada.call(h.phone, video: true)
        try await h.clock.waitUntil("the second call reported") { h.webhooks.events(.callReceived).count == 2 }
        let rejected = try #require(h.webhooks.events(.callReceived).last)
        #expect(rejected.data["action"]?.stringValue == "rejected" && rejected.data["video"] == .bool(true))
        #expect(h.network.callWasRejected(declined))
        // Calls are not the instance's lifecycle: it stayed ready, and its row was only written by the update.
        #expect(try await h.stored(instance.id, in: org).version == updated.version)
        #expect(try await h.stored(instance.id, in: org).status == .ready)
        await h.supervisor.stopAll()
    }
}
