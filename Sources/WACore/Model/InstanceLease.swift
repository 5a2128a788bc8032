public import Foundation

/// A node's exclusive right to run one instance, with a fencing token.
///
/// Several gateway nodes share the instances of one database: a node runs an instance only while it holds its
/// lease, renews it well before ``expiresAt``, and stamps its writes with ``token``. When a node stalls and its
/// lease expires, another node acquires the lease with a higher token, and the stale node's renewals and fenced
/// writes fail with `lease_lost`.
public struct InstanceLease: Sendable, Hashable, Codable {
    /// The instance's id, as the lease's own id (one lease per instance).
    public var id: Identifier<InstanceLease>
    public var organizationID: OrganizationID
    /// The node holding the lease.
    public var owner: String
    /// Increases every time the lease changes hands.
    public var token: Int64
    public var expiresAt: Date
    public var version: Int

    public init(instanceID: InstanceID, organizationID: OrganizationID, owner: String, token: Int64, expiresAt: Date) {
        self.id = instanceID.retyped()
        self.organizationID = organizationID
        self.owner = owner
        self.token = token
        self.expiresAt = expiresAt
        self.version = 0
    }

    public var instanceID: InstanceID { id.retyped() }
}
