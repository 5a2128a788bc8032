public import Foundation

/// A stored API key: everything about a key except the key itself.
///
/// The key text is shown once, when it is created; the store keeps only its SHA-256 ``digest`` and the public
/// ``lookupID`` embedded in it. A key's ``scopes`` are a subset of its creator's permissions, and it can never do
/// more than its creator can do *now* (``AccessPolicy`` intersects both at every use). Neither the digest nor any
/// part of the key appears in ``description`` or reflection output.
public struct APIKey: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var id: APIKeyID
    public var organizationID: OrganizationID
    /// The member who created the key; the key acts on their behalf.
    public var createdBy: MemberID
    /// A label chosen by the creator ("CRM sync").
    public var name: String
    /// The public lookup id embedded in the key text (unique across all organizations).
    public var lookupID: String
    /// SHA-256 of the whole key text.
    public var digest: [UInt8]
    /// The last four characters of the key, for display ("…x7Qz").
    public var hint: String
    /// Permissions the key carries (a subset of the creator's).
    public var scopes: Set<Permission>
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    /// The key that replaced this one when it was rotated (it then stops at once, or at the end of the overlap).
    public var replacedBy: APIKeyID?
    public var createdAt: Date
    public var version: Int

    public init(
        id: APIKeyID, organizationID: OrganizationID, createdBy: MemberID, name: String, lookupID: String,
        digest: [UInt8], hint: String, scopes: Set<Permission>, expiresAt: Date? = nil, lastUsedAt: Date? = nil,
        revokedAt: Date? = nil, createdAt: Date, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.createdBy = createdBy
        self.name = name
        self.lookupID = lookupID
        self.digest = digest
        self.hint = hint
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
        self.version = version
    }

    /// Whether the key is usable at `date`: not revoked and not expired.
    public func isUsable(at date: Date) -> Bool {
        revokedAt == nil && !(expiresAt.map { date >= $0 } ?? false)
    }

    public var description: String {
        "APIKey(\(id), \(name), …\(hint)\(revokedAt == nil ? "" : ", revoked"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "organizationID": organizationID, "createdBy": createdBy, "name": name,
                "hint": hint, "scopes": scopes.sorted(), "expiresAt": expiresAt as Any,
                "revokedAt": revokedAt as Any, "replacedBy": replacedBy as Any, "digest": "<redacted>",
                "version": version,
            ])
    }
}
