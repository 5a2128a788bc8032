import Foundation

/// Turns a ``Campaign/Audience`` into contacts, in a stable order (creation order for tags and segments, the
/// given order for explicit lists), each contact once.
struct CampaignAudienceResolver: Sendable {
    var engagement: EngagementPolicy

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
            var members: [Contact] = []
            var page = PageRequest.all
            while true {
                let found = try await tx.contactActivities.contacts(
                    in: segment, policy: engagement, asOf: now, of: org, page: page)
                members += found.items
                guard let next = found.nextCursor else { break }
                page = try PageRequest(limit: PageRequest.maximumLimit, cursor: next, order: .oldestFirst)
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
}
