public import Foundation

/// A person the organization talks to on WhatsApp.
///
/// WhatsApp identifies people by phone-number JID (`…@c.us`) and, increasingly, by a linked id (`…@lid`) that hides
/// the number; a contact keeps both together so that either one finds it.
public struct Contact: Sendable, Hashable, Codable {
    public var id: ContactID
    public var organizationID: OrganizationID
    /// The phone-number JID, when known (unique within the organization).
    public var jid: JID?
    /// The linked id, when known (unique within the organization).
    public var lid: JID?
    /// The number in E.164, when known (unique within the organization).
    public var phone: PhoneNumber?
    public var name: String?
    /// Free-form labels used for audiences and segments (lower-cased).
    public var tags: Set<String>
    /// The contact asked not to be messaged; sends and campaigns skip them.
    public var optedOut: Bool
    public var optedOutAt: Date?
    /// How the contact was opted out (`nil` while not opted out, and for opt-outs recorded before sources were).
    public var optOutSource: OptOutSource?
    /// Last inbound message from the contact.
    public var lastInboundAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: ContactID, organizationID: OrganizationID, jid: JID? = nil, lid: JID? = nil, phone: PhoneNumber? = nil,
        name: String? = nil, tags: Set<String> = [], optedOut: Bool = false, optedOutAt: Date? = nil,
        optOutSource: OptOutSource? = nil, lastInboundAt: Date? = nil, createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.jid = jid
        self.lid = lid
        self.phone = phone
        self.name = name
        self.tags = tags
        self.optedOut = optedOut
        self.optedOutAt = optedOutAt
        self.optOutSource = optedOut ? optOutSource : nil
        self.lastInboundAt = lastInboundAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }
}

extension Contact {
    /// Opts the contact out, from `source` at `now`. Returns `false` (and changes nothing) when they already are.
    @discardableResult
    public mutating func optOut(_ source: OptOutSource, at now: Date) -> Bool {
        guard !optedOut else { return false }
        optedOut = true
        optedOutAt = now
        optOutSource = source
        return true
    }

    /// Opts the contact back in. Returns `false` (and changes nothing) when they are not opted out.
    @discardableResult
    public mutating func optIn() -> Bool {
        guard optedOut else { return false }
        optedOut = false
        optedOutAt = nil
        optOutSource = nil
        return true
    }
}
