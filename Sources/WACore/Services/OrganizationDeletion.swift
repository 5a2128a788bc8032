public import Foundation

/// What ``OrganizationService/delete(confirmingSlug:by:)`` did.
public struct OrganizationDeletion: Sendable, Hashable, Codable {
    /// The deleted organization.
    public var organizationID: OrganizationID
    /// Its slug, as confirmed.
    public var slug: String
    /// Its instances, whose sessions on this node were stopped (other nodes stop theirs when their leases go).
    public var instances: Int
    /// When it was deleted.
    public var deletedAt: Date

    /// A record of a deletion.
    public init(organizationID: OrganizationID, slug: String, instances: Int, deletedAt: Date) {
        self.organizationID = organizationID
        self.slug = slug
        self.instances = instances
        self.deletedAt = deletedAt
    }
}
