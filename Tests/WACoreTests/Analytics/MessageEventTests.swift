import Foundation
import Testing
import WACore

@Suite("Analytics message events")
struct MessageEventTests {
    let data = AnalyticsTestData(seed: 77)
    let t0 = AnalyticsTestData.origin

    func message(_ direction: Message.Direction, chat: String = "4915112345678@c.us", at date: Date) throws -> Message {
        Message(
            id: MessageID(high: data.random.next(), low: data.random.next()), organizationID: data.organizations[0],
            instanceID: data.instances[0], chatJID: try JID(parsing: chat), contactID: data.contacts[0],
            direction: direction, kind: .text, status: direction == .outbound ? .queued : .delivered,
            campaignID: direction == .outbound ? data.campaigns[1] : nil, createdAt: date)
    }

    @Test("advancing a message yields each new milestone once, including skipped ones")
    func milestonesFromMessage() throws {
        var m = try message(.outbound, at: t0)
        var previous = m.timestamps
        m.advance(to: .pending, at: t0.addingTimeInterval(1))
        #expect(MessageEvent.events(advancing: m, from: previous).isEmpty)
        previous = m.timestamps
        m.advance(to: .sent, at: t0.addingTimeInterval(2))
        let sent = MessageEvent.events(advancing: m, from: previous)
        #expect(sent.map(\.milestone) == [.sent])
        previous = m.timestamps
        m.advance(to: .read, at: t0.addingTimeInterval(12))  // the delivered receipt never came
        let read = MessageEvent.events(advancing: m, from: previous)
        #expect(read.map(\.milestone) == [.delivered, .read])
        #expect(read.map(\.latency) == [.seconds(10), .seconds(10)])
        #expect(read.allSatisfy { $0.campaignID == data.campaigns[1] && $0.cohortDate == t0.addingTimeInterval(2) })
        previous = m.timestamps
        let changed = m.advance(to: .delivered, at: t0.addingTimeInterval(20))
        #expect(!changed)
        #expect(MessageEvent.events(advancing: m, from: previous).isEmpty)
        #expect(MessageEvent.events(for: m).map(\.milestone) == [.sent, .delivered, .read])
        let stats = MessageStats(MessageEvent.events(for: m))
        #expect(stats.counts == MessageCounts(sent: 1, delivered: 1, read: 1))

        var failed = try message(.outbound, at: t0)
        failed.advance(to: .failed, at: t0.addingTimeInterval(3))
        let failure = MessageEvent.events(for: failed)
        #expect(failure.map(\.milestone) == [.failed])
        #expect(
            failure[0].sentAt == nil && failure[0].latency == nil && failure[0].cohortDate == t0.addingTimeInterval(3))

        let inbound = try message(.inbound, at: t0.addingTimeInterval(30))
        #expect(MessageEvent.events(for: inbound).map(\.milestone) == [.received])
        #expect(MessageEvent.events(advancing: inbound, from: .init()).isEmpty)
        let reply = MessageEvent.reply(to: m, at: t0.addingTimeInterval(62))
        #expect(reply.milestone == .replied && reply.latency == .seconds(60))
    }

    @Test("a reply is attributed to the latest outbound message in the chat within the window")
    func replyAttribution() throws {
        var first = try message(.outbound, at: t0)
        first.advance(to: .sent, at: t0)
        var second = try message(.outbound, at: t0.addingTimeInterval(100))
        second.advance(to: .delivered, at: t0.addingTimeInterval(100))
        var otherChat = try message(.outbound, chat: "4915199999999@c.us", at: t0.addingTimeInterval(150))
        otherChat.advance(to: .sent, at: t0.addingTimeInterval(150))
        let unsent = try message(.outbound, at: t0.addingTimeInterval(160))
        let later = try message(.outbound, at: t0.addingTimeInterval(500))
        let inbound = try message(.inbound, at: t0.addingTimeInterval(200))
        let policy = ReplyAttribution(window: .seconds(3600))
        let candidates = [first, second, otherChat, unsent, later]
        #expect(policy.repliedMessage(for: inbound, among: candidates)?.id == second.id)
        #expect(policy.repliedMessage(for: inbound, among: [first])?.id == first.id)
        #expect(ReplyAttribution(window: .seconds(50)).repliedMessage(for: inbound, among: candidates) == nil)
        #expect(policy.repliedMessage(for: first, among: candidates) == nil)
    }
}
