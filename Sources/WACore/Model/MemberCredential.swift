public import Foundation

/// A member's password hash, kept in storage of its own.
///
/// The hash lives in this record rather than in ``Member`` so that no read model can carry it: services return
/// members, never this record, and only ``TeamService`` reads and writes it (sign-in, password change, accepting an
/// invitation, a password reset). One per member that has a password (its ``id`` is the member's); a member whose
/// invitation is still pending has none.
///
/// The hash never appears in ``description``, debug output or mirrors.
public struct MemberCredential: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The member's id, as the record's own id (one credential per member).
    public var id: Identifier<MemberCredential>
    public var organizationID: OrganizationID
    /// The password hash (bcrypt `$2b$…`, or whatever the environment's ``PasswordHasher`` produces).
    public var passwordHash: String
    public var updatedAt: Date
    public var version: Int

    public init(memberID: MemberID, organizationID: OrganizationID, passwordHash: String, updatedAt: Date, version: Int = 0) {
        self.id = memberID.retyped()
        self.organizationID = organizationID
        self.passwordHash = passwordHash
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The member the credential belongs to.
    public var memberID: MemberID { id.retyped() }

    public var description: String { "MemberCredential(\(memberID))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "organizationID": organizationID, "passwordHash": "<redacted>", "updatedAt": updatedAt,
                "version": version,
            ])
    }
}
