/// WhatsApp's reason codes for a temporary ban (whatsmeow `TempBanReason`, `reference/peers.md` §1H), used as
/// evidence and to name the behaviour that caused it.
public enum TemporaryBanReason: Int, Sendable, Hashable, Codable, CaseIterable {
    /// 101: sent to too many people who do not have the number in their contacts.
    case tooManyNonContacts = 101
    /// 102: blocked by too many users.
    case blockedByUsers = 102
    /// 103: created too many groups with people who do not have the number in their contacts.
    case tooManyGroups = 103
    /// 104: sent the same message to too many people.
    case sameMessageToMany = 104
    /// 106: sent too many messages through broadcast lists.
    case broadcastList = 106

    /// A stable name for alert evidence (`sent_same_message_to_too_many`).
    public var name: String {
        switch self {
        case .tooManyNonContacts: "sent_to_too_many_non_contacts"
        case .blockedByUsers: "blocked_by_too_many_users"
        case .tooManyGroups: "created_too_many_groups"
        case .sameMessageToMany: "sent_same_message_to_too_many"
        case .broadcastList: "too_many_broadcast_messages"
        }
    }

    /// The risk rule that watches for the behaviour behind this ban, if there is one.
    public var relatedRule: RiskRule? {
        switch self {
        case .tooManyNonContacts: .nonContactShare
        case .blockedByUsers: .blocksAndReports
        case .sameMessageToMany: .identicalTextBurst
        case .tooManyGroups, .broadcastList: nil
        }
    }
}
