/// A member's role in an organization. Roles are ordered: `admin > manager > agent > viewer`, and each role holds
/// every permission of the roles below it (see ``Permission`` and `Docs/Access.md` for the matrix).
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// Reads what the organization has (messages, contacts, campaigns, analytics); changes nothing.
    case viewer
    /// Works conversations on the instances assigned to them: sends messages, manages contacts, uploads media.
    case agent
    /// Runs the operation: creates and links instances, assigns agents, manages templates, campaigns,
    /// automations and webhooks, exports analytics.
    case manager
    /// Owns the organization: members and roles, billing, API keys of anyone, audit log, proxies, deletion.
    case admin

    /// The rank used for ordering (`viewer` is 0).
    public var rank: Int {
        switch self {
        case .viewer: 0
        case .agent: 1
        case .manager: 2
        case .admin: 3
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// Whether members of this role act only on the instances assigned to them.
    public var isRestrictedToAssignedInstances: Bool { self == .agent }

    /// Every permission this role holds.
    public var permissions: Set<Permission> { Set(Permission.allCases.filter { $0.minimumRole <= self }) }

    public var description: String { rawValue }
}
