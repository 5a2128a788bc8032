/// What an operation acts on, as far as access control cares.
public enum AccessResource: Sendable, Hashable {
    /// The organization as a whole (lists, settings, creating things).
    case organization(OrganizationID)
    /// One instance and everything that belongs to it (its messages, chats, status, QR code).
    case instance(InstanceID, in: OrganizationID)
    /// Something a member owns, such as their API keys.
    case ownedBy(MemberID, in: OrganizationID)

    public var organizationID: OrganizationID {
        switch self {
        case .organization(let id): id
        case .instance(_, let id): id
        case .ownedBy(_, let id): id
        }
    }
}

/// The outcome of an access check.
public enum AccessDecision: Sendable, Hashable {
    case allow
    case deny(Denial)

    /// Why access was denied. Checked in this order, so the first failing reason is reported.
    public enum Denial: String, Sendable, Hashable, CaseIterable {
        /// The resource belongs to another organization (reported to clients as "not found").
        case otherOrganization = "other_organization"
        /// The member, or an API key's creator, is deactivated, or the key is not theirs.
        case inactive
        /// The role does not hold the permission.
        case missingPermission = "missing_permission"
        /// The API key's scopes do not include the permission.
        case outsideScope = "outside_scope"
        /// An agent acting on an instance not assigned to them.
        case instanceNotAssigned = "instance_not_assigned"
        /// Acting on another member's property without the "all" permission.
        case notOwner = "not_owner"
    }

    public var isAllowed: Bool { self == .allow }
}

/// Decides whether a ``Principal`` may perform a ``Permission`` on an ``AccessResource``.
///
/// The rules, in order:
/// 1. The resource must belong to the principal's organization.
/// 2. The principal must be active (member active; an API key's creator active and the owner of the key).
/// 3. The principal's role must hold the permission (``Permission/minimumRole``).
/// 4. An API key's scopes must include it.
/// 5. Agents act only on instances assigned to them: an instance-scoped permission on
///    ``AccessResource/instance(_:in:)`` requires the assignment. (For organization-wide lists, services narrow
///    results with ``instanceRestriction(for:)``.)
/// 6. "Own" permissions (`api_keys:*_own`) on another member's property need `api_keys:manage_all`.
public struct AccessPolicy: Sendable {
    public init() {}

    /// The decision for one operation.
    public func decide(_ principal: Principal, _ permission: Permission, on resource: AccessResource)
        -> AccessDecision
    {
        guard resource.organizationID == principal.organizationID else { return .deny(.otherOrganization) }
        guard principal.isActive else { return .deny(.inactive) }
        guard principal.role.permissions.contains(permission) else { return .deny(.missingPermission) }
        if let scopes = principal.scopes, !scopes.contains(permission) { return .deny(.outsideScope) }
        switch resource {
        case .instance(let instance, _):
            if permission.isInstanceScoped, principal.role.isRestrictedToAssignedInstances,
                !principal.assignedInstances.contains(instance)
            {
                return .deny(.instanceNotAssigned)
            }
        case .ownedBy(let owner, _):
            if owner != principal.memberID, principal.kind != .system,
                !(principal.permissions.contains(.apiKeysManageAll))
            {
                return .deny(.notOwner)
            }
        case .organization:
            break
        }
        return .allow
    }

    /// Throws unless the operation is allowed. Another organization's resource is reported as `not_found`, so
    /// clients cannot probe for identifiers; everything else is `permission_denied` with the reason.
    public func require(_ principal: Principal, _ permission: Permission, on resource: AccessResource)
        throws(WAError)
    {
        switch decide(principal, permission, on: resource) {
        case .allow:
            return
        case .deny(.otherOrganization):
            throw WAError.notFound("resource")
        case .deny(let denial):
            throw WAError(.permissionDenied, Self.message(denial, permission))
        }
    }

    /// The instances the principal may see in organization-wide lists: `nil` means all, otherwise the agent's
    /// assignments.
    public func instanceRestriction(for principal: Principal) -> Set<InstanceID>? {
        principal.role.isRestrictedToAssignedInstances ? principal.assignedInstances : nil
    }

    /// Checks `permission` for a list of the organization's records, or of one instance's when `instance` is given,
    /// and returns the instances an organization-wide list must be limited to (``instanceRestriction(for:)``;
    /// `nil` when it need not be, and always for one instance, which the check itself allows or refuses).
    public func requireList(_ principal: Principal, _ permission: Permission, instance: InstanceID?)
        throws(WAError) -> Set<InstanceID>?
    {
        let org = principal.organizationID
        if let instance {
            try require(principal, permission, on: .instance(instance, in: org))
            return nil
        }
        try require(principal, permission, on: .organization(org))
        return instanceRestriction(for: principal)
    }

    /// Checks the scopes requested for a new API key against its creator: they must be a non-empty subset of the
    /// creator's current permissions (a key never exceeds its creator), and the creator must be allowed to manage
    /// their own keys.
    public func validateScopes(_ scopes: Set<Permission>, requestedBy creator: Principal) throws(WAError) {
        guard creator.isActive else { throw WAError(.permissionDenied, Self.message(.inactive, .apiKeysManageOwn)) }
        guard !scopes.isEmpty else {
            throw WAError(.invalidArgument, "an API key needs at least one scope", field: "scopes")
        }
        let exceeding = scopes.subtracting(creator.permissions)
        guard exceeding.isEmpty else {
            let names = exceeding.sorted().map(\.rawValue).joined(separator: ", ")
            throw WAError(.scopeExceedsCreator, "scopes exceed your own permissions: \(names)", field: "scopes")
        }
    }

    /// Checks that `principal` may give `role` to someone: only holders of `roles:assign`, and never a role above
    /// their own.
    public func validateRoleAssignment(_ role: Role, by principal: Principal) throws(WAError) {
        try require(principal, .rolesAssign, on: .organization(principal.organizationID))
        guard role <= principal.role else {
            throw WAError(.permissionDenied, "you cannot grant a role above your own", field: "role")
        }
    }

    private static func message(_ denial: AccessDecision.Denial, _ permission: Permission) -> String {
        switch denial {
        case .otherOrganization: "not found"
        case .inactive: "the account is deactivated"
        case .missingPermission: "your role does not allow \(permission.rawValue)"
        case .outsideScope: "the API key's scopes do not include \(permission.rawValue)"
        case .instanceNotAssigned: "the instance is not assigned to you"
        case .notOwner: "this belongs to another member"
        }
    }
}
