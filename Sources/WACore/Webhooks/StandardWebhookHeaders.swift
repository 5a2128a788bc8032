/// The Standard Webhooks request headers of one delivery attempt.
public struct StandardWebhookHeaders: Sendable, Hashable {
    /// `webhook-id`.
    public static let idName = "webhook-id"
    /// `webhook-timestamp`.
    public static let timestampName = "webhook-timestamp"
    /// `webhook-signature`.
    public static let signatureName = "webhook-signature"

    /// `webhook-id`: the event id, stable across attempts.
    public var id: String
    /// `webhook-timestamp`: Unix seconds of this attempt.
    public var timestamp: String
    /// `webhook-signature`: space-separated `v1,<base64>` entries.
    public var signature: String

    /// The three header values.
    public init(id: String, timestamp: String, signature: String) {
        self.id = id
        self.timestamp = timestamp
        self.signature = signature
    }

    /// The headers as (lowercase name, value) pairs in a fixed order.
    public var fields: [HTTPHeaderField] {
        [
            HTTPHeaderField(name: Self.idName, value: id),
            HTTPHeaderField(name: Self.timestampName, value: timestamp),
            HTTPHeaderField(name: Self.signatureName, value: signature),
        ]
    }
}
