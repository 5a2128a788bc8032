import Foundation

/// Turns a ``Campaign/Audience`` into contacts, in a stable order (creation order for tags and segments, the
/// given order for explicit lists), each contact once.
struct CampaignAudienceResolver: Sendable {
    var engagement: EngagementPolicy
    var replies: ReplyAttribution

    /// The contacts of `audience` now, and how many listed contacts no longer exist.
    func resolve(_ audience: Campaign.Audience, in org: OrganizationID, _ tx: any StoreTransaction, now: Date)
        async throws -> (contacts: [Contact], missing: Int)
    {
        switch audience {
        case .tags(let tags):
            var found: [ContactID: Contact] = [:]
            for tag in tags.sorted() {
                for contact in try await CampaignMetrics.all(tx.contacts, in: org, where: Contact.Filter(tag: tag)) {
                    found[contact.id] = contact
                }
            }
            return (found.values.sorted { $0.id < $1.id }, 0)
        case .contacts(let ids):
            var seen = Set<ContactID>()
            var contacts: [Contact] = []
            var missing = 0
            for id in ids where seen.insert(id).inserted {
                if let contact = try await tx.contacts.find(id, in: org) { contacts.append(contact) } else { missing += 1 }
            }
            return (contacts, missing)
        case .segment(let name):
            let segment = try Self.segment(named: name)
            let activities = try await activities(in: org, tx)
            let contacts = try await CampaignMetrics.all(tx.contacts, in: org, where: Contact.Filter())
            let members = contacts.filter { contact in
                let activity = activities[contact.id] ?? ContactActivity(contact: contact)
                return engagement.segments(of: activity, asOf: now).contains(segment)
            }
            return (members, 0)
        }
    }

    /// The segment an audience names, or `invalid_argument` (unknown, or `opted_out`, which can never be messaged).
    static func segment(named name: String) throws(WAError) -> EngagementSegment {
        guard let segment = EngagementSegment(rawValue: name), segment != .optedOut else {
            let names = EngagementSegment.allCases.filter { $0 != .optedOut }.map(\.rawValue).joined(separator: ", ")
            throw WAError.invalid("audience.segment", "unknown segment '\(name)' (one of: \(names))")
        }
        return segment
    }

    /// Every contact's activity, folded from the organization's messages: outbound milestones, inbound arrivals,
    /// and replies attributed per chat with ``ReplyAttribution``.
    private func activities(in org: OrganizationID, _ tx: any StoreTransaction) async throws -> [ContactID: ContactActivity] {
        let recentLimit = max(10, engagement.engagedLookback)
        var activities: [ContactID: ContactActivity] = [:]
        for contact in try await CampaignMetrics.all(tx.contacts, in: org, where: Contact.Filter()) {
            activities[contact.id] = ContactActivity(contact: contact, recentLimit: recentLimit)
        }
        let messages = try await CampaignMetrics.all(tx.messages, in: org, where: Message.Filter())
        let chats = Dictionary(grouping: messages) { "\($0.instanceID)/\($0.chatJID)" }
        for (_, chat) in chats {
            var open: [Message] = []
            for message in chat.sorted(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }) {
                guard let contact = message.contactID else { continue }
                for event in MessageEvent.events(for: message) { activities[contact]?.record(event) }
                if message.direction == .outbound {
                    if message.timestamps.sentAt != nil { open.append(message) }
                } else if let answered = replies.repliedMessage(for: message, among: open) {
                    if let owner = answered.contactID {
                        activities[owner]?.record(MessageEvent.reply(to: answered, at: message.createdAt))
                    }
                    open.removeAll { $0.id == answered.id }
                }
            }
        }
        return activities
    }
}
