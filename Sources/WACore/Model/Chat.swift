public import Foundation

/// A conversation of one instance: with a contact, a group, a channel or the status broadcast.
public struct Chat: Sendable, Hashable, Codable {
    public var id: ChatID
    public var organizationID: OrganizationID
    public var instanceID: InstanceID
    /// The chat's JID (unique per instance).
    public var jid: JID
    public var name: String?
    public var contactID: ContactID?
    public var unreadCount: Int
    public var isArchived: Bool
    public var lastMessageAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: ChatID, organizationID: OrganizationID, instanceID: InstanceID, jid: JID, name: String? = nil,
        contactID: ContactID? = nil, unreadCount: Int = 0, isArchived: Bool = false, lastMessageAt: Date? = nil,
        createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.instanceID = instanceID
        self.jid = jid
        self.name = name
        self.contactID = contactID
        self.unreadCount = unreadCount
        self.isArchived = isArchived
        self.lastMessageAt = lastMessageAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }
}
