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
    /// The generation of the member's sign-in sessions, starting at 0. A session token records the epoch it was
    /// issued under and stands only while it is still the member's (``TeamService/principal(for:in:epoch:)``).
    /// ``TeamService`` moves it forward, in the same transaction as the change, on sign-out
    /// (``TeamService/signOut(by:)``, ``TeamService/endSessions(of:by:)``), a password change or reset, a role change
    /// and deactivation, which ends every session issued before; removal deletes the member, which ends them too.
    /// It never moves back. Records stored before it existed decode as 0.
    public var sessionEpoch: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: MemberID, organizationID: OrganizationID, email: String, displayName: String, role: Role,
        isActive: Bool = true, assignedInstances: Set<InstanceID> = [],
        credentialToken: CredentialToken.Stored? = nil, lastSignInAt: Date? = nil, sessionEpoch: Int = 0,
        createdAt: Date, updatedAt: Date? = nil, version: Int = 0
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
        self.sessionEpoch = sessionEpoch
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
                "credentialToken": credentialToken == nil ? "nil" : "<redacted>", "sessionEpoch": sessionEpoch,
                "version": version,
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

extension Member {
    enum CodingKeys: String, CodingKey {
        case id, organizationID, email, displayName, role, isActive, assignedInstances, credentialToken, lastSignInAt
        case sessionEpoch, createdAt, updatedAt, version
    }

    /// Decodes a member; `sessionEpoch` is optional (0 when absent), so that records stored before it existed load.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(MemberID.self, forKey: .id)
        organizationID = try c.decode(OrganizationID.self, forKey: .organizationID)
        email = try c.decode(String.self, forKey: .email)
        displayName = try c.decode(String.self, forKey: .displayName)
        role = try c.decode(Role.self, forKey: .role)
        isActive = try c.decode(Bool.self, forKey: .isActive)
        assignedInstances = try c.decode(Set<InstanceID>.self, forKey: .assignedInstances)
        credentialToken = try c.decodeIfPresent(CredentialToken.Stored.self, forKey: .credentialToken)
        lastSignInAt = try c.decodeIfPresent(Date.self, forKey: .lastSignInAt)
        sessionEpoch = try c.decodeIfPresent(Int.self, forKey: .sessionEpoch) ?? 0
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        version = try c.decode(Int.self, forKey: .version)
    }
}
