import Foundation
import WACore

/// Seeded random analytics data and straightforward reference computations for the Analytics tests.
struct AnalyticsTestData {
    var random: SeededRandomSource
    let organizations: [OrganizationID]
    let instances: [InstanceID]
    let campaigns: [CampaignID?]
    let contacts: [ContactID]
    /// 2024-03-01T00:00:00Z
    static let origin = Date(timeIntervalSince1970: 1_709_251_200)

    init(seed: UInt64) {
        random = SeededRandomSource(seed: seed)
        let source = random
        func id<T>(_: T.Type) -> Identifier<T> { Identifier(high: source.next(), low: source.next()) }
        organizations = (0..<2).map { _ in id(Organization.self) }
        instances = (0..<3).map { _ in id(Instance.self) }
        campaigns = [nil] + (0..<3).map { _ in id(Campaign.self) }
        contacts = (0..<20).map { _ in id(Contact.self) }
    }

    func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
    func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(range.count)) }
    func chance(_ p: Double) -> Bool { uniform() < p }
    /// Log-uniform between `low` and `high`.
    func logUniform(_ low: Double, _ high: Double) -> Double { low * pow(high / low, uniform()) }

    /// Events of `messages` outbound messages (with their receipts and replies) and some inbound ones, spread
    /// over `days` days from ``origin``, in random order.
    func events(messages: Int, days: Int = 10) -> [MessageEvent] {
        var events: [MessageEvent] = []
        for _ in 0..<messages {
            let org = organizations[int(0..<organizations.count)]
            let instance = instances[int(0..<instances.count)]
            let campaign = campaigns[int(0..<campaigns.count)]
            let contact = contacts[int(0..<contacts.count)]
            let messageID = MessageID(high: random.next(), low: random.next())
            let created = AnalyticsTestData.origin.addingTimeInterval(uniform() * Double(days) * 86_400)
            func event(
                _ milestone: MessageEvent.Milestone, _ at: Date, sentAt: Date?, direction: Message.Direction = .outbound
            ) -> MessageEvent {
                MessageEvent(
                    organizationID: org, instanceID: instance, campaignID: direction == .outbound ? campaign : nil,
                    contactID: contact, messageID: messageID, direction: direction, milestone: milestone,
                    occurredAt: at, sentAt: sentAt)
            }
            if chance(0.15) {
                events.append(event(.received, created, sentAt: nil, direction: .inbound))
                continue
            }
            if chance(0.1) {
                events.append(event(.failed, created, sentAt: nil))
                continue
            }
            let sentAt = created.addingTimeInterval(uniform() * 5)
            events.append(event(.sent, sentAt, sentAt: sentAt))
            guard chance(0.85) else { continue }
            let deliveredAt = sentAt.addingTimeInterval(logUniform(0.2, 20_000))
            events.append(event(.delivered, deliveredAt, sentAt: sentAt))
            if chance(0.6) {
                let readAt = deliveredAt.addingTimeInterval(logUniform(0.5, 100_000))
                events.append(event(.read, readAt, sentAt: sentAt))
            }
            if chance(0.3) {
                events.append(event(.replied, deliveredAt.addingTimeInterval(logUniform(1, 50_000)), sentAt: sentAt))
            }
        }
        return shuffled(events)
    }

    func shuffled<T>(_ values: [T]) -> [T] {
        var generator = random.generator
        return values.shuffled(using: &generator)
    }

    /// Splits `values` into `parts` random, possibly empty, parts.
    func split<T>(_ values: [T], parts: Int) -> [[T]] {
        var result = Array(repeating: [T](), count: parts)
        for value in values { result[int(0..<parts)].append(value) }
        return result
    }

    /// Combines `items` with `combine` along a random binary tree (random grouping, order kept).
    func randomTree<T>(_ items: [T], _ combine: (T, T) throws -> T) rethrows -> T {
        if items.count == 1 { return items[0] }
        let cut = int(1..<items.count)
        return try combine(randomTree(Array(items[..<cut]), combine), randomTree(Array(items[cut...]), combine))
    }
}

/// Reference computations, written independently of the code under test.
enum AnalyticsReference {
    /// Nearest rank by its textbook definition in exact integer arithmetic: the smallest rank r ≥ 1 with
    /// r · 100 ≥ p · n, for integer percentiles p.
    static func percentile(_ p: Int, of values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        var rank = 1
        while rank * 100 < p * sorted.count { rank += 1 }
        return sorted[rank - 1]
    }

    struct Summary {
        var sent = 0, delivered = 0, read = 0, failed = 0, replied = 0, received = 0
        var deliveredLatencies: [Double] = []
        var readLatencies: [Double] = []
    }

    static func summary(_ events: [MessageEvent]) -> Summary {
        var s = Summary()
        for e in events {
            switch e.milestone {
            case .sent: s.sent += 1
            case .delivered:
                s.delivered += 1
                if let sentAt = e.sentAt { s.deliveredLatencies.append(e.occurredAt.timeIntervalSince(sentAt)) }
            case .read:
                s.read += 1
                if let sentAt = e.sentAt { s.readLatencies.append(e.occurredAt.timeIntervalSince(sentAt)) }
            case .failed: s.failed += 1
            case .replied: s.replied += 1
            case .received: s.received += 1
            }
        }
        return s
    }
}
