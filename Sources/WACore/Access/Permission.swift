/// Every operation the product has, as a permission a role (or an API key's scope) can hold.
///
/// Raw values are stable strings (`"messages:send"`): they are stored with API keys and shown in the API.
/// ``minimumRole`` is the role × permission matrix: a role holds a permission when it is at least that role.
/// Permissions marked ``isInstanceScoped`` act on one instance; for agents they apply only to the instances
/// assigned to them (``AccessPolicy``).
public enum Permission: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    // Organization
    case organizationRead = "organization:read"
    case organizationManage = "organization:manage"
    case organizationDelete = "organization:delete"
    case billingRead = "billing:read"
    case billingManage = "billing:manage"
    // Team
    case membersRead = "members:read"
    case membersManage = "members:manage"
    case membersRemove = "members:remove"
    case rolesAssign = "roles:assign"
    case apiKeysReadOwn = "api_keys:read_own"
    case apiKeysManageOwn = "api_keys:manage_own"
    case apiKeysManageAll = "api_keys:manage_all"
    // Instances
    case instancesRead = "instances:read"
    case instancesCreate = "instances:create"
    case instancesLink = "instances:link"
    case instancesControl = "instances:control"
    case instancesUpdate = "instances:update"
    case instancesDelete = "instances:delete"
    case instancesAssign = "instances:assign"
    // Conversations
    case messagesRead = "messages:read"
    case messagesSend = "messages:send"
    case contactsRead = "contacts:read"
    case contactsManage = "contacts:manage"
    case contactsImport = "contacts:import"
    /// Erase a contact and everything the organization holds about them (``ContactService/erase(_:by:)``).
    case contactsErase = "contacts:erase"
    case mediaRead = "media:read"
    case mediaUpload = "media:upload"
    case mediaDelete = "media:delete"
    // Outreach
    case templatesRead = "templates:read"
    case templatesManage = "templates:manage"
    case campaignsRead = "campaigns:read"
    case campaignsManage = "campaigns:manage"
    case campaignsRun = "campaigns:run"
    case automationsRead = "automations:read"
    case automationsManage = "automations:manage"
    // Integration and insight
    case webhooksRead = "webhooks:read"
    /// Watch the event log (agents: the events of their instances).
    case eventsRead = "events:read"
    case webhooksManage = "webhooks:manage"
    case analyticsRead = "analytics:read"
    case dataExport = "data:export"
    case auditRead = "audit:read"
    case auditExport = "audit:export"
    // Anti-ban
    case proxiesRead = "proxies:read"
    case proxiesManage = "proxies:manage"
    case riskRead = "risk:read"
    case riskManage = "risk:manage"

    /// The least role that holds this permission. This is the whole role × permission matrix.
    public var minimumRole: Role {
        switch self {
        case .organizationRead, .instancesRead, .messagesRead, .contactsRead, .mediaRead, .templatesRead,
            .campaignsRead, .automationsRead, .analyticsRead, .membersRead, .riskRead, .apiKeysReadOwn, .eventsRead:
            .viewer
        case .messagesSend, .contactsManage, .mediaUpload, .instancesControl, .apiKeysManageOwn:
            .agent
        case .instancesCreate, .instancesLink, .instancesUpdate, .instancesAssign, .contactsImport, .mediaDelete,
            .templatesManage, .campaignsManage, .campaignsRun, .automationsManage, .webhooksRead, .webhooksManage,
            .dataExport, .riskManage, .proxiesRead, .billingRead:
            .manager
        case .organizationManage, .organizationDelete, .billingManage, .membersManage, .membersRemove, .rolesAssign,
            .apiKeysManageAll, .instancesDelete, .auditRead, .auditExport, .proxiesManage, .contactsErase:
            .admin
        }
    }

    /// Whether the permission acts on one instance (and so, for agents, only on instances assigned to them).
    public var isInstanceScoped: Bool {
        switch self {
        case .instancesRead, .instancesLink, .instancesControl, .instancesUpdate, .instancesDelete, .messagesRead,
            .messagesSend, .riskRead, .riskManage, .eventsRead:
            true
        default:
            false
        }
    }

    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }

    /// Parses a scope list such as `"messages:send messages:read"` (space- or comma-separated).
    /// Unknown names are an ``WAError/Code-swift.enum/invalidArgument`` error naming `field`.
    public static func parseScopes(_ text: String, field: String = "scopes") throws(WAError) -> Set<Permission> {
        var result = Set<Permission>()
        for name in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
            guard let permission = Permission(rawValue: String(name)) else {
                throw WAError(.invalidArgument, "unknown scope '\(name)'", field: field)
            }
            result.insert(permission)
        }
        return result
    }
}
