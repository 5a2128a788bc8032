/// Who is acting: a signed-in member, an API key on behalf of its creator, or the gateway itself.
///
/// Principals come from authentication, never from a caller's say-so:
/// - ``APIKeyService/authenticate(_:)`` for an API key;
/// - ``TeamService/authenticate(organizationSlug:email:password:)`` for a sign-in with e-mail and password;
/// - ``TeamService/principal(for:in:epoch:)`` for a session token an earlier sign-in issued, resolved from the
///   store now: active, with their current role and assignments, and refused once the session ended;
/// - ``TeamService/principal(for:in:)`` for a member an application identified itself, resolved the same way
///   without a session check;
/// - ``authenticatedExternally(_:)``, the one way in for an application that authenticates members itself.
///
/// A principal is a snapshot, so every service re-checks it inside its own transaction: the member (or the key
/// and its creator) must still be active and hold at least the role, scopes and instances the principal claims.
/// One built before its member was deactivated, demoted or removed, or before its key was revoked, is refused
/// (`unauthenticated` when the member or key no longer stands, `permission_denied` when access shrank).
public struct Principal: Sendable, Hashable, CustomStringConvertible {
    /// The kind of actor.
    public enum Kind: Sendable, Hashable {
        case member(MemberID)
        /// An API key, acting for the member who created it.
        case apiKey(APIKeyID, createdBy: MemberID)
        /// The gateway's own workers (queue consumers, schedulers, the risk monitor).
        case system
    }

    public private(set) var kind: Kind
    public private(set) var organizationID: OrganizationID
    /// The member's role (for an API key: its creator's role when the key was authenticated).
    public private(set) var role: Role
    /// For API keys, the key's scopes; `nil` for members, who hold their whole role.
    public private(set) var scopes: Set<Permission>?
    /// The instances the member (or key creator) is assigned to; binding only for agents.
    public private(set) var assignedInstances: Set<InstanceID>
    /// False when the member (or the key's creator) is deactivated, or the key is unusable.
    public private(set) var isActive: Bool
    /// For a principal resolved from a session token (``TeamService/principal(for:in:epoch:)``), the member's
    /// ``Member/sessionEpoch`` the session was issued under; `nil` otherwise. Services re-check it inside their
    /// transaction with everything else, so a session ended while a request runs acts no further
    /// (`unauthenticated`).
    public private(set) var sessionEpoch: Int?

    init(
        kind: Kind, organizationID: OrganizationID, role: Role, scopes: Set<Permission>? = nil,
        assignedInstances: Set<InstanceID> = [], isActive: Bool = true, sessionEpoch: Int? = nil
    ) {
        self.kind = kind
        self.organizationID = organizationID
        self.role = role
        self.scopes = scopes
        self.assignedInstances = assignedInstances
        self.isActive = isActive
        self.sessionEpoch = sessionEpoch
    }

    /// The principal for `member`, for an application that authenticates its members itself (single sign-on, its
    /// own sessions) and has just read `member` from the store. The caller vouches for who is acting; WACore
    /// vouches for nothing more: every service still re-checks, inside its transaction, that the member exists,
    /// is active and holds at least this role and these instances, and refuses the call otherwise. A record that
    /// is not the stored one (another role, another organization, a member never stored) therefore gains nothing.
    ///
    /// Members who sign in with a password use ``TeamService/authenticate(organizationSlug:email:password:)``;
    /// sessions resolve their member with ``TeamService/principal(for:in:)``.
    public static func authenticatedExternally(_ member: Member) -> Principal {
        .member(member)
    }

    /// A member as read from the store (authentication results build it); with `sessionEpoch`, the principal of a
    /// session issued under that epoch.
    static func member(_ member: Member, sessionEpoch: Int? = nil) -> Principal {
        Principal(
            kind: .member(member.id), organizationID: member.organizationID, role: member.role,
            assignedInstances: member.assignedInstances, isActive: member.isActive, sessionEpoch: sessionEpoch)
    }

    /// An API key acting for `creator`. The key can never do more than its creator can do now: its effective
    /// permissions are its scopes intersected with the creator's current role, and it is inactive when the creator
    /// is, or when the key belongs to someone else.
    static func apiKey(_ key: APIKey, creator: Member) -> Principal {
        Principal(
            kind: .apiKey(key.id, createdBy: creator.id), organizationID: key.organizationID, role: creator.role,
            scopes: key.scopes, assignedInstances: creator.assignedInstances,
            isActive: creator.isActive && creator.id == key.createdBy
                && creator.organizationID == key.organizationID)
    }

    /// The gateway acting for itself inside `organization` (its workers only).
    static func system(_ organization: OrganizationID) -> Principal {
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
