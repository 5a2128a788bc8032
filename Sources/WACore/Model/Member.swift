public import Foundation

/// A person in an organization, with a role.
///
/// A member holds no password hash: it is a record of its own (``MemberCredential``), which only ``TeamService``
/// reads. Any outstanding invitation or reset token is kept as a digest (never the token itself) and does not appear in
/// ``description`` or in reflection output.
public struct Member: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var id: MemberID
    public var organizationID: OrganizationID
    /// Lower-cased e-mail address, unique within the organization.
    public var email: String
    public var displayName: String
    public var role: Role
    /// Deactivated members cannot sign in and their API keys stop working; their history stays.
    public var isActive: Bool
    /// Instances an agent may act on (ignored for managers and admins, who reach every instance).
    public var assignedInstances: Set<InstanceID>
    /// The outstanding invitation or password-reset token (its digest), if any.
    public var credentialToken: CredentialToken.Stored?
    public var lastSignInAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: MemberID, organizationID: OrganizationID, email: String, displayName: String, role: Role,
        isActive: Bool = true, assignedInstances: Set<InstanceID> = [],
        credentialToken: CredentialToken.Stored? = nil, lastSignInAt: Date? = nil, createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.email = email
        self.displayName = displayName
        self.role = role
        self.isActive = isActive
        self.assignedInstances = assignedInstances
        self.credentialToken = credentialToken
        self.lastSignInAt = lastSignInAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    public var description: String {
        "Member(\(id), \(email), \(role.rawValue)\(isActive ? "" : ", inactive"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "organizationID": organizationID, "email": email, "displayName": displayName,
                "role": role, "isActive": isActive,
                "assignedInstances": assignedInstances,
                "credentialToken": credentialToken == nil ? "nil" : "<redacted>", "version": version,
            ])
    }

    /// Normalises an e-mail address for storage and lookup (trimmed, lower-cased) and checks its shape.
    public static func normalizeEmail(_ email: String, field: String = "email") throws(WAError) -> String {
        let trimmed = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), trimmed.utf8.count <= 254,
            !trimmed.contains(where: { $0.isWhitespace || $0.isNewline })
        else {
            throw WAError(.invalidArgument, "not a valid e-mail address", field: field)
        }
        return trimmed
    }
}
