public import Foundation

/// The sealed session archive of one instance, kept in storage of its own.
///
/// The archive (the browser profile and keys that restore a WhatsApp link without a new scan) is sealed with
/// ``SecretBox`` under the organization's context and the purpose `session_archive`. It lives in this record rather
/// than in ``Instance`` so that no read model can carry it: services return instances, never this record, and only
/// the ``InstanceSupervisor`` reads and writes it — in the same transaction as the instance's status (the archive
/// of a link is written with `ready`, removed with a logout or an unlinking disconnect, and deleted with the
/// instance). One per instance: its ``id`` is the instance's.
///
/// The sealed bytes never appear in ``description``, debug output or mirrors.
public struct SealedSessionArchive: Sendable, Hashable, Codable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The instance's id, as the record's own id (one archive per instance).
    public var id: Identifier<SealedSessionArchive>
    public var organizationID: OrganizationID
    /// The archive as ``SecretBox`` sealed it.
    public var sealed: [UInt8]
    public var updatedAt: Date
    public var version: Int

    public init(instanceID: InstanceID, organizationID: OrganizationID, sealed: [UInt8], updatedAt: Date, version: Int = 0) {
        self.id = instanceID.retyped()
        self.organizationID = organizationID
        self.sealed = sealed
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The instance the archive belongs to.
    public var instanceID: InstanceID { id.retyped() }

    public var description: String { "SealedSessionArchive(\(instanceID), \(sealed.count) bytes)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "organizationID": organizationID, "sealed": "<redacted>", "updatedAt": updatedAt,
                "version": version,
            ])
    }
}
