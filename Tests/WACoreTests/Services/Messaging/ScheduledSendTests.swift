import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Scheduled sends")
struct ScheduledSendTests {
    func request(_ h: MessagingHarness, to phone: SimulatedPhone, at time: Date?) -> SendMessageRequest {
        SendMessageRequest(
            instanceID: h.instance.id, recipient: .phone(phone.number), content: .text("Happy birthday!"),
            scheduledAt: time)
    }

    /// A scheduled message waits, queued, until its time; then the dispatcher sends it like any other.
    @Test func aScheduledMessageIsSentAtItsTimeNotBefore() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        let at = h.clock.now().addingTimeInterval(3_600)
        let queued = try await h.messaging.send(request(h, to: ada, at: at), by: admin)
        #expect(queued.status == .queued && queued.scheduledAt == at)
        #expect(try await h.jobs().map(\.scheduledAt) == [at])
        #expect(try await h.dispatcher.runOnce(worker: "test") == 0, "not due yet")

        try await h.dispatchAll()
        let sent = try await h.message(queued.id)
        #expect(sent.status != .queued && sent.status != .failed)
        let sentAt = try #require(sent.timestamps.sentAt)
        #expect(sentAt >= at)
        #expect(ada.inbox.map(\.content) == [.text("Happy birthday!")])
    }

    /// "Now" is a moment, not an instant: a time that passed within the tolerance sends now; older ones and ones too
    /// far ahead are refused, naming the field.
    @Test func timesInThePastOrTooFarAheadAreRefused() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        let now = h.clock.now()
        let justNow = try await h.messaging.send(request(h, to: ada, at: now.addingTimeInterval(-30)), by: admin)
        #expect(justNow.scheduledAt == nil)
        let past = await expectWAError(.invalidArgument) {
            try await h.messaging.send(request(h, to: ada, at: now.addingTimeInterval(-61)), by: admin)
        }
        #expect(past?.field == "scheduled_at")
        let ahead = TimeInterval(MessagingService.maximumScheduleAhead.components.seconds)
        let latest = try await h.messaging.send(request(h, to: ada, at: now.addingTimeInterval(ahead)), by: admin)
        #expect(latest.scheduledAt == now.addingTimeInterval(ahead))
        let tooFar = await expectWAError(.invalidArgument) {
            try await h.messaging.send(request(h, to: ada, at: now.addingTimeInterval(ahead).addingTimeInterval(1)), by: admin)
        }
        #expect(tooFar?.field == "scheduled_at")
    }

    /// A contact who opts out between scheduling and sending is not messaged: the message fails instead.
    @Test func aContactWhoOptsOutMeanwhileIsNotMessaged() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        let contacts = ContactService(environment: h.env)
        let contact = try await contacts.create(phone: ada.number, name: "Ada", by: admin)
        let queued = try await h.messaging.send(
            SendMessageRequest(
                instanceID: h.instance.id, recipient: .contact(contact.id), content: .text("Sale!"),
                scheduledAt: h.clock.now().addingTimeInterval(600)),
            by: admin)
        _ = try await contacts.setOptedOut(true, contact.id, by: admin)

        try await h.dispatchAll()
        let failed = try await h.message(queued.id)
        #expect(failed.status == .failed)
        #expect(failed.error?.code == "recipient_opted_out")
        #expect(ada.inbox.isEmpty)
    }
}
