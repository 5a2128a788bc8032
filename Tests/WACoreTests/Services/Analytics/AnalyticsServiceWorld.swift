import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// A ``Store`` that counts the transactions opened through it (each export page is one).
final class AnalyticsCountingStore: Store {
    let base: any Store
    private let counter = Atomic<Int>(0)

    init(_ base: any Store) { self.base = base }

    var transactions: Int { counter.load(ordering: .sequentiallyConsistent) }
    var rateLimits: any RateLimitStore { base.rateLimits }

    func transaction<Result>(
        _ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        counter.add(1, ordering: .sequentiallyConsistent)
        return try await base.transaction(scope, body)
    }
}

/// An organization with two instances, four members (admin, manager, an agent assigned to the first instance,
/// viewer), two campaigns, contacts and seeded messages with known statuses and timestamps, written straight into
/// the store.
struct AnalyticsServiceWorld {
    /// 2026-02-10T15:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_770_735_600)

    let env: ServiceEnvironment
    let counting: AnalyticsCountingStore
    let org: OrganizationID
    let admin: Principal
    let manager: Principal
    let agent: Principal
    let viewer: Principal
    let i1: InstanceID
    let i2: InstanceID
    let c1: CampaignID
    let c2: CampaignID
    let contacts: [Contact]
    /// Every seeded message, in identifier (insertion) order.
    let messages: [Message]

    var analytics: AnalyticsService { AnalyticsService(environment: env) }
    var audit: AuditService { AuditService(environment: env) }

    /// A world with `messageCount` random messages over the 40 days before ``now`` (seeded, so reproducible).
    static func make(
        messageCount: Int, contactCount: Int = 30, seed: UInt64 = 7, environment: ServiceEnvironment? = nil
    ) async throws -> AnalyticsServiceWorld {
        var env = environment ?? ServiceEnvironment.testing(clock: TestClock(now: now), seed: seed)
        let counting = AnalyticsCountingStore(env.store)
        env.store = counting
        let clock = env.clock
        let ids = env.ids
        let at = clock.now()
        let org = Organization(
            id: ids.make(), name: "Acme \(seed)", slug: "acme-\(ids.make(Organization.self))", plan: .pro,
            createdAt: at)
        let i1 = Instance(id: ids.make(), organizationID: org.id, name: "sales", status: .ready, createdAt: at)
        let i2 = Instance(id: ids.make(), organizationID: org.id, name: "support", status: .stopped, createdAt: at)
        func member(_ role: Role, _ name: String, assigned: Set<InstanceID> = []) -> Member {
            Member(
                id: ids.make(), organizationID: org.id, email: "\(name)-\(seed)@example.com", displayName: name,
                role: role, assignedInstances: assigned, createdAt: at)
        }
        let members = [
            member(.admin, "ana"), member(.manager, "max"), member(.agent, "bo", assigned: [i1.id]),
            member(.viewer, "cy"),
        ]
        let template = Template(id: ids.make(), organizationID: org.id, name: "promo", body: "Hi", createdAt: at)
        let c1 = Campaign(
            id: ids.make(), organizationID: org.id, instanceID: i1.id, name: "Spring sale", templateID: template.id,
            audience: .tags(["vip"]), status: .running, progress: Campaign.Progress(total: 400), createdAt: at)
        let c2 = Campaign(
            id: ids.make(), organizationID: org.id, instanceID: i2.id, name: "Survey", templateID: template.id,
            audience: .tags(["all"]), status: .completed, createdAt: at)

        var generator = SeededRandomSource(seed: seed).generator
        func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }

        var contacts: [Contact] = []
        for index in 0..<contactCount {
            let phone = try PhoneNumber("+4917010\(String(format: "%05d", index))")
            contacts.append(
                Contact(
                    id: ids.make(), organizationID: org.id, jid: phone.jid, phone: phone,
                    name: index % 11 == 0 ? "=HYPERLINK(\"http://evil\")" : "Contact \(index)",
                    tags: index % 2 == 0 ? ["even"] : ["odd"], optedOut: index % 13 == 5, createdAt: at))
        }
        // Chats: most with a contact; every third on the second instance; a few strangers without a contact.
        struct Chat { var instance: InstanceID; var jid: JID; var contact: ContactID? }
        var chats: [Chat] = []
        for index in 0..<min(contactCount, 25) {
            chats.append(Chat(instance: index % 3 == 0 ? i2.id : i1.id, jid: contacts[index].jid!, contact: contacts[index].id))
        }
        for index in 0..<5 {
            chats.append(Chat(instance: index % 2 == 0 ? i1.id : i2.id, jid: try PhoneNumber("+491511\(String(format: "%07d", index))").jid, contact: nil))
        }

        var messages: [Message] = []
        for index in 0..<messageCount {
            let chat = chats[int(0...(chats.count - 1))]
            let created = now.addingTimeInterval(-Double(int(3_600...(40 * 86_400))))
            if int(0...99) < 65 {
                var timestamps = Message.StatusTimestamps(queuedAt: created)
                var status = MessageStatus.queued
                var error: MessageError?
                let roll = int(0...99)
                if roll < 7 {
                    status = .failed
                    timestamps.failedAt = created.addingTimeInterval(5)
                    error = MessageError(code: "recipient_not_on_whatsapp", message: "no", isRetryable: false)
                } else if roll >= 13 {
                    let sent = created.addingTimeInterval(Double(int(0...180)))
                    timestamps.sentAt = sent
                    status = .sent
                    if int(0...99) < 80 {
                        let delivered = sent.addingTimeInterval(Double(int(1...900)))
                        timestamps.deliveredAt = delivered
                        status = .delivered
                        if int(0...99) < 60 {
                            timestamps.readAt = delivered.addingTimeInterval(Double(int(1...172_800)))
                            status = .read
                        }
                    }
                }
                let campaign: CampaignID? = int(0...99) < 40 ? (chat.instance == i1.id ? c1.id : c2.id) : nil
                messages.append(
                    Message(
                        id: ids.make(), organizationID: org.id, instanceID: chat.instance, chatJID: chat.jid,
                        contactID: chat.contact, direction: .outbound, kind: .text,
                        body: index % 17 == 0 ? "-1+1 =SUM(A1), \"quoted\"\nsecond line" : "Offer \(index)",
                        status: status, timestamps: timestamps, campaignID: campaign, error: error,
                        createdAt: created))
            } else {
                messages.append(
                    Message(
                        id: ids.make(), organizationID: org.id, instanceID: chat.instance, chatJID: chat.jid,
                        contactID: chat.contact, direction: .inbound, kind: .text, body: "Reply \(index) ✓",
                        status: .delivered, createdAt: created))
            }
        }
        // Contacts remember their last inbound message, as the event handler keeps it.
        for message in messages where message.direction == .inbound {
            guard let id = message.contactID, let index = contacts.firstIndex(where: { $0.id == id }) else { continue }
            contacts[index].lastInboundAt = max(contacts[index].lastInboundAt ?? message.createdAt, message.createdAt)
        }

        let seededContacts = contacts
        // Outbound messages carry their replies, as the event handler marks them when the inbound message arrives.
        let seededMessages = AnalyticsServiceReference.markingReplies(messages)
        try await env.store.transaction(.system) { tx in
            _ = try await tx.organizations.insert(org)
            _ = try await tx.instances.insert(i1)
            _ = try await tx.instances.insert(i2)
            for member in members { _ = try await tx.members.insert(member) }
            _ = try await tx.templates.insert(template)
            _ = try await tx.campaigns.insert(c1)
            _ = try await tx.campaigns.insert(c2)
            for contact in seededContacts { _ = try await tx.contacts.insert(contact) }
            for message in seededMessages { _ = try await tx.messages.insert(message) }
        }
        return AnalyticsServiceWorld(
            env: env, counting: counting, org: org.id, admin: .acting(as: members[0]), manager: .acting(as: members[1]),
            agent: .acting(as: members[2]), viewer: .acting(as: members[3]), i1: i1.id, i2: i2.id, c1: c1.id, c2: c2.id,
            contacts: seededContacts, messages: seededMessages)
    }

    /// Every byte of `stream`, with the chunk sizes.
    static func collect(_ stream: AsyncThrowingStream<[UInt8], any Error>) async throws -> (bytes: [UInt8], chunks: [Int]) {
        var bytes: [UInt8] = []
        var chunks: [Int] = []
        for try await chunk in stream {
            bytes += chunk
            chunks.append(chunk.count)
        }
        return (bytes, chunks)
    }

    /// The records of a CSV export: the header and the rows.
    static func csv(_ bytes: [UInt8]) throws -> (header: [String], rows: [[String]]) {
        let records = try CSVReader().records(String(decoding: bytes, as: UTF8.self))
        let header = try #require(records.first).fields
        return (header, records.dropFirst().map(\.fields))
    }

    /// The objects of a JSON Lines export.
    static func jsonLines(_ bytes: [UInt8]) throws -> [[String: Any]] {
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.isEmpty || text.hasSuffix("\n"))
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}

/// The figures computed the obvious way, message by message, to check the service against.
enum AnalyticsServiceReference {
    /// The outbound messages that got a reply and when: each inbound message, in arrival order, answers the most
    /// recent outbound message of its chat (same instance) sent at or before it, at most `window` earlier, and not
    /// answered yet.
    static func replies(_ messages: [Message], window: TimeInterval = 72 * 3600) -> [MessageID: Date] {
        let inbound = messages.filter { $0.direction == .inbound }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        var replied: [MessageID: Date] = [:]
        for message in inbound {
            var best: (id: MessageID, sentAt: Date)?
            for candidate in messages
            where candidate.direction == .outbound && candidate.chatJID == message.chatJID
                && candidate.instanceID == message.instanceID && replied[candidate.id] == nil
            {
                guard let sentAt = candidate.timestamps.sentAt, sentAt <= message.createdAt,
                    message.createdAt.timeIntervalSince(sentAt) <= window
                else { continue }
                if best == nil || (sentAt, candidate.id) > (best!.sentAt, best!.id) { best = (candidate.id, sentAt) }
            }
            if let best { replied[best.id] = message.createdAt }
        }
        return replied
    }

    /// `messages` with every outbound message that got a reply (``replies(_:window:)``) marked replied then.
    static func markingReplies(_ messages: [Message]) -> [Message] {
        let replied = replies(messages)
        return messages.map { message in
            var marked = message
            marked.timestamps.repliedAt = replied[message.id]
            return marked
        }
    }

    /// Whether `stored`, read from the rollups' sketches, is within their 1 % (or 1 ms) of the exact `exact`.
    static func close(_ stored: Percentiles, _ exact: Percentiles) -> Bool {
        func close(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return abs(a - b) <= max(b * RollupFigures.latencyAccuracy, RollupFigures.minimumLatency) * 1.000_001
        }
        return close(stored.p50, exact.p50) && close(stored.p90, exact.p90) && close(stored.p99, exact.p99)
    }

    struct Figures: Equatable {
        var counts = MessageCounts()
        var toDelivered: [Double] = []
        var toRead: [Double] = []
        var toReply: [Double] = []

        func percentiles(_ values: [Double]) -> Percentiles {
            let sorted = values.sorted()
            return Percentiles(
                p50: Percentiles.nearestRank(50, of: sorted), p90: Percentiles.nearestRank(90, of: sorted),
                p99: Percentiles.nearestRank(99, of: sorted))
        }
    }

    /// Outbound messages count when their send time (or failure time, if never sent) passes `include`; inbound
    /// messages when their arrival does (and only without a campaign filter).
    static func figures(
        _ messages: [Message], replies: [MessageID: Date], instances: Set<InstanceID>? = nil,
        campaign: CampaignID? = nil, include: (Date) -> Bool
    ) -> Figures {
        var figures = Figures()
        for message in messages where instances?.contains(message.instanceID) ?? true {
            let t = message.timestamps
            if message.direction == .outbound {
                if let campaign, message.campaignID != campaign { continue }
                guard let cohort = t.sentAt ?? t.failedAt, include(cohort) else { continue }
                if let sent = t.sentAt {
                    figures.counts.sent += 1
                    if let delivered = t.deliveredAt {
                        figures.counts.delivered += 1
                        figures.toDelivered.append(delivered.timeIntervalSince(sent))
                    }
                    if let read = t.readAt {
                        figures.counts.read += 1
                        figures.toRead.append(read.timeIntervalSince(sent))
                    }
                    if let reply = replies[message.id] {
                        figures.counts.replied += 1
                        figures.toReply.append(reply.timeIntervalSince(sent))
                    }
                }
                if t.failedAt != nil { figures.counts.failed += 1 }
            } else if campaign == nil, include(message.createdAt) {
                figures.counts.received += 1
            }
        }
        return figures
    }

    /// The calendar day of `date` in `zone`, as `YYYY-MM-DD`, by Foundation's calendar.
    static func day(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
