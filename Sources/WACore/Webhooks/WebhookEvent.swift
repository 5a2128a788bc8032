public import Foundation

/// One event as webhook receivers see it: the envelope around event-specific ``data``.
///
/// Its canonical JSON (``encoded()``) is the delivery payload, byte for byte, with the members in this fixed order
/// and no whitespace:
///
/// ```json
/// {"id":"evt_01KDX3Q8N0G6M4YHV2W9Z7C5RB","type":"message.received","created_at":"2026-01-01T00:00:00.000Z",
///  "organization_id":"0194…","instance_id":"0194…","data":{…}}
/// ```
///
/// - `id`: ``WebhookEventID`` (`evt_…`), also the `webhook-id` header; identical across retries and endpoints.
/// - `type`: a ``WebhookEventType`` name.
/// - `created_at`: RFC 3339 UTC with milliseconds (``RFC3339Timestamp``).
/// - `organization_id`, `instance_id`: canonical lowercase UUIDs; `instance_id` is omitted when the event does not
///   concern one instance (campaigns, tests).
/// - `data`: the event-specific object, written by ``CanonicalJSON``.
///
/// The payload is encoded once when the event is created and stored as bytes (``Delivery/payload``); retries send
/// those bytes again, never a re-encoding.
public struct WebhookEvent: Sendable, Hashable {
    /// The event id (`evt_…`), also sent as `webhook-id`.
    public var id: WebhookEventID
    /// The event type name.
    public var type: WebhookEventType
    /// When the event happened.
    public var createdAt: Date
    /// The tenant the event belongs to.
    public var organizationID: OrganizationID
    /// The instance (linked WhatsApp account) the event concerns, if one.
    public var instanceID: InstanceID?
    /// The event-specific payload (an object by convention).
    public var data: JSONValue

    /// An event with every field given (e.g. read back from storage).
    public init(
        id: WebhookEventID, type: WebhookEventType, createdAt: Date, organizationID: OrganizationID,
        instanceID: InstanceID? = nil, data: JSONValue = [:]
    ) {
        self.id = id
        self.type = type
        self.createdAt = createdAt
        self.organizationID = organizationID
        self.instanceID = instanceID
        self.data = data
    }

    /// A new event whose id comes from `generator` and whose `createdAt` is the instant embedded in that id
    /// (millisecond precision), so the two always agree and the clock is read once.
    public init(
        type: WebhookEventType, organizationID: OrganizationID, instanceID: InstanceID? = nil,
        data: JSONValue = [:], ids generator: IdentifierGenerator
    ) {
        let id = WebhookEventID(using: generator)
        self.init(
            id: id, type: type, createdAt: id.timestamp, organizationID: organizationID, instanceID: instanceID,
            data: data)
    }

    /// A `webhook.test` event, sent on demand to check an endpoint (and to re-enable one the health policy
    /// disabled).
    public static func test(
        organizationID: OrganizationID, endpointID: WebhookEndpointID, ids generator: IdentifierGenerator
    ) -> WebhookEvent {
        WebhookEvent(
            type: .webhookTest, organizationID: organizationID,
            data: ["endpoint_id": .identifier(endpointID), "message": "This is a test event from WAGateway."],
            ids: generator)
    }

    /// The envelope as an ordered JSON value.
    public var jsonValue: JSONValue {
        var object: JSONObject = [
            "id": .string(id.description),
            "type": .string(type.rawValue),
            "created_at": .timestamp(createdAt),
            "organization_id": .identifier(organizationID),
        ]
        if let instanceID { object["instance_id"] = .identifier(instanceID) }
        object["data"] = data
        return .object(object)
    }

    /// The canonical payload bytes: what is signed and sent.
    public func encoded() -> [UInt8] {
        CanonicalJSON.encode(jsonValue)
    }
}
