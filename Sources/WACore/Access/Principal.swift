/// Who is acting: a signed-in member, an API key on behalf of its creator, or the gateway itself.
///
/// A principal is built from stored records at the start of each request (``member(_:)``,
/// ``apiKey(_:creator:)``) so that role changes, deactivation and revocation take effect immediately.
public struct Principal: Sendable, Hashable, CustomStringConvertible {
    /// The kind of actor.
    public enum Kind: Sendable, Hashable {
        case member(MemberID)
        /// An API key, acting for the member who created it.
        case apiKey(APIKeyID, createdBy: MemberID)
        /// The gateway's own workers (queue consumers, schedulers, the risk monitor).
        case system
    }

    public var kind: Kind
    public var organizationID: OrganizationID
    /// The member's role (for an API key: its creator's role now).
    public var role: Role
    /// For API keys, the key's scopes; `nil` for members, who hold their whole role.
    public var scopes: Set<Permission>?
    /// The instances the member (or key creator) is assigned to; binding only for agents.
    public var assignedInstances: Set<InstanceID>
    /// False when the member (or the key's creator) is deactivated, or the key is unusable.
    public var isActive: Bool

    public init(
        kind: Kind, organizationID: OrganizationID, role: Role, scopes: Set<Permission>? = nil,
        assignedInstances: Set<InstanceID> = [], isActive: Bool = true
    ) {
        self.kind = kind
        self.organizationID = organizationID
        self.role = role
        self.scopes = scopes
        self.assignedInstances = assignedInstances
        self.isActive = isActive
    }

    /// A signed-in member.
    public static func member(_ member: Member) -> Principal {
        Principal(
            kind: .member(member.id), organizationID: member.organizationID, role: member.role,
            assignedInstances: member.assignedInstances, isActive: member.isActive)
    }

    /// An API key acting for `creator`. The key can never do more than its creator can do now: its effective
    /// permissions are its scopes intersected with the creator's current role, and it is inactive when the creator
    /// is, or when the key belongs to someone else.
    public static func apiKey(_ key: APIKey, creator: Member) -> Principal {
        Principal(
            kind: .apiKey(key.id, createdBy: creator.id), organizationID: key.organizationID, role: creator.role,
            scopes: key.scopes, assignedInstances: creator.assignedInstances,
            isActive: creator.isActive && creator.id == key.createdBy
                && creator.organizationID == key.organizationID)
    }

    /// The gateway acting for itself inside `organization`.
    public static func system(_ organization: OrganizationID) -> Principal {
        Principal(kind: .system, organizationID: organization, role: .admin)
    }

    /// The member behind the action (the key's creator for API keys), if any.
    public var memberID: MemberID? {
        switch kind {
        case .member(let id): id
        case .apiKey(_, let creator): creator
        case .system: nil
        }
    }

    /// Every permission the principal holds right now (empty when inactive).
    public var permissions: Set<Permission> {
        guard isActive else { return [] }
        let fromRole = role.permissions
        return scopes.map { fromRole.intersection($0) } ?? fromRole
    }

    /// How the principal appears in the audit log.
    public var auditActor: AuditEvent.Actor {
        switch kind {
        case .member(let id): .member(id)
        case .apiKey(let key, let creator): .apiKey(key, onBehalfOf: creator)
        case .system: .system
        }
    }

    public var description: String {
        switch kind {
        case .member(let id): "member \(id) (\(role))"
        case .apiKey(let id, let creator): "api key \(id) of member \(creator) (\(role))"
        case .system: "system"
        }
    }
}
