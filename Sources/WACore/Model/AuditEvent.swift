public import Foundation

/// An append-only record of something someone did. Audit events are never updated or deleted.
public struct AuditEvent: Sendable, Hashable, Codable {
    public var id: AuditEventID
    public var organizationID: OrganizationID
    public var actor: Actor
    /// What happened, as `resource.verb` (`member.invited`, `api_key.revoked`, `instance.linked`).
    public var action: String
    /// The kind of thing acted on (`member`, `instance`).
    public var resourceType: String
    public var resourceID: String?
    /// Extra facts, never secrets (`{"role": "agent"}`).
    public var metadata: [String: String]
    /// The client address, when the action came over HTTP.
    public var ipAddress: String?
    public var occurredAt: Date
    /// Always 1: audit events have no later versions. Kept for the storage contract.
    public var version: Int

    public init(
        id: AuditEventID, organizationID: OrganizationID, actor: Actor, action: String, resourceType: String,
        resourceID: String? = nil, metadata: [String: String] = [:], ipAddress: String? = nil, occurredAt: Date,
        version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.actor = actor
        self.action = action
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.metadata = metadata
        self.ipAddress = ipAddress
        self.occurredAt = occurredAt
        self.version = version
    }

    /// Who acted.
    public enum Actor: Sendable, Hashable, Codable {
        case member(MemberID)
        case apiKey(APIKeyID, onBehalfOf: MemberID)
        /// The gateway itself (workers, the risk monitor, the health policy).
        case system
    }
}
