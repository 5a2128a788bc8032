public import Foundation

/// A WhatsApp group the linked account belongs to, as its session knows it (``WhatsAppSession/groups()``).
///
/// Messages go to a group by its ``jid`` like to a person (``SendMessageRequest/Recipient/jid(_:)``); messages
/// received in it name their author (``Message/author``).
public struct GroupInfo: Sendable, Hashable, Codable {
    /// The group's JID (`…@g.us`).
    public var jid: JID
    /// The group's name.
    public var subject: String
    /// The group's description, if it has one.
    public var description: String?
    /// Who created the group, when WhatsApp says.
    public var owner: JID?
    /// When the group was created, when WhatsApp says.
    public var createdAt: Date?
    /// Whether only admins may send messages.
    public var isAnnouncement: Bool
    /// The members, the linked account among them.
    public var participants: [GroupParticipant]

    public init(
        jid: JID, subject: String, description: String? = nil, owner: JID? = nil, createdAt: Date? = nil,
        isAnnouncement: Bool = false, participants: [GroupParticipant]
    ) {
        self.jid = jid
        self.subject = subject
        self.description = description
        self.owner = owner
        self.createdAt = createdAt
        self.isAnnouncement = isAnnouncement
        self.participants = participants
    }
}

/// A member of a ``GroupInfo``.
public struct GroupParticipant: Sendable, Hashable, Codable {
    /// What a member may do in the group.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case member
        /// May change the group and its members.
        case admin
        /// The group's creator: an admin no other admin can remove.
        case superAdmin = "super_admin"
    }

    /// The member's JID as the group names it: a phone-number JID or, in groups that hide numbers, a LID.
    public var jid: JID
    /// The member's phone-number JID when ``jid`` is a LID and WhatsApp revealed the number.
    public var phoneJID: JID?
    public var role: Role

    public init(jid: JID, phoneJID: JID? = nil, role: Role = .member) {
        self.jid = jid
        self.phoneJID = phoneJID
        self.role = role
    }

    /// Whether the member is an admin (or the creator).
    public var isAdmin: Bool { role != .member }
}
