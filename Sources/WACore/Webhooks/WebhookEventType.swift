/// The name of a webhook event, as sent in the envelope's `type` and matched by endpoint filters.
///
/// Names are lowercase, dot-separated segments of `a-z`, `0-9` and `_` (at least two segments, at most 128
/// characters): `message.received`. The built-in names below are part of the public contract and never change
/// meaning; new ones are only ever added. Users' automations emit `automation.<name>`.
///
/// | name | when |
/// |---|---|
/// | `instance.status_changed` | an instance's connection status changed (`data.status`, `data.previous_status`) |
/// | `instance.qr` | a new QR code is ready to be scanned (`data.qr`, `data.expires_at`) |
/// | `instance.ready` | the instance is linked and connected |
/// | `instance.disconnected` | the instance lost its session (`data.reason`) |
/// | `message.received` | an inbound message arrived |
/// | `message.sent` | an outbound message was accepted by WhatsApp |
/// | `message.status_changed` | an outbound message moved to delivered/read/played (`data.status`) |
/// | `message.failed` | an outbound message failed for good (`data.error`) |
/// | `contact.opted_out` | a contact opted out by replying with a keyword (`data.contact_id`, `data.keyword` …) |
/// | `contact.opted_in` | a contact who was opted out opted back in by replying with a keyword |
/// | `campaign.progress` | a campaign's counters moved (`data.sent`, `data.failed`, `data.total`) |
/// | `campaign.completed` | a campaign finished |
/// | `risk.alert` | the anti-ban monitor raised an alert (`data.level`, `data.reason`) |
/// | `webhook.test` | a test event sent on demand to check an endpoint |
/// | `webhook.endpoint_disabled` | an endpoint was disabled by the health policy |
/// | `automation.<name>` | a user-defined automation emitted an event |
public struct WebhookEventType: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The name, e.g. `message.received`.
    public let rawValue: String

    /// Wraps `rawValue` without validation (for the built-in constants and values read back from storage).
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A name from a literal, unvalidated (for constants).
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Validates `name` against the grammar, or throws ``WAError/Code-swift.enum/invalidEventType``.
    public init(validating name: String, field: String = "type") throws(WAError) {
        guard Self.isValidName(name) else {
            throw WAError(
                .invalidEventType,
                "event type must be dot-separated lowercase segments of a-z, 0-9 and _ (e.g. message.received)",
                field: field)
        }
        self.rawValue = name
    }

    public var description: String { rawValue }

    /// The first segment (`message` for `message.received`).
    public var category: String { String(rawValue.split(separator: ".", maxSplits: 1).first ?? "") }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // MARK: Built-in names

    /// `instance.status_changed`.
    public static let instanceStatusChanged: WebhookEventType = "instance.status_changed"
    /// `instance.qr`.
    public static let instanceQR: WebhookEventType = "instance.qr"
    /// `instance.ready`.
    public static let instanceReady: WebhookEventType = "instance.ready"
    /// `instance.disconnected`.
    public static let instanceDisconnected: WebhookEventType = "instance.disconnected"
    /// `message.received`.
    public static let messageReceived: WebhookEventType = "message.received"
    /// `message.queued`.
    public static let messageQueued: WebhookEventType = "message.queued"
    /// `message.sent`.
    public static let messageSent: WebhookEventType = "message.sent"
    /// `message.status_changed`.
    public static let messageStatusChanged: WebhookEventType = "message.status_changed"
    /// `message.failed`.
    public static let messageFailed: WebhookEventType = "message.failed"
    /// `message.revoked`.
    public static let messageRevoked: WebhookEventType = "message.revoked"
    /// `message.edited`.
    public static let messageEdited: WebhookEventType = "message.edited"
    /// `message.reaction`: a reaction was put on a message or taken off.
    public static let messageReaction: WebhookEventType = "message.reaction"
    /// `message.media_stored`: a received message's media was downloaded and stored (`data.media`).
    public static let messageMediaStored: WebhookEventType = "message.media_stored"
    /// `message.media_failed`: a received message's media could not be downloaded (`data.media_download.failure`).
    public static let messageMediaFailed: WebhookEventType = "message.media_failed"
    /// `call.received`: someone called an instance (`data.action`: `rejected` or `ignored`).
    public static let callReceived: WebhookEventType = "call.received"
    /// `contact.opted_out`.
    public static let contactOptedOut: WebhookEventType = "contact.opted_out"
    /// `contact.opted_in`.
    public static let contactOptedIn: WebhookEventType = "contact.opted_in"
    /// `campaign.progress`.
    public static let campaignProgress: WebhookEventType = "campaign.progress"
    /// `campaign.completed`.
    public static let campaignCompleted: WebhookEventType = "campaign.completed"
    /// `risk.alert`.
    public static let riskAlert: WebhookEventType = "risk.alert"
    /// `webhook.test`.
    public static let webhookTest: WebhookEventType = "webhook.test"
    /// `webhook.endpoint_disabled`.
    public static let webhookEndpointDisabled: WebhookEventType = "webhook.endpoint_disabled"

    /// Every built-in name (not the open `automation.*` family), for documentation and subscription pickers.
    public static let builtIn: [WebhookEventType] = [
        .instanceStatusChanged, .instanceQR, .instanceReady, .instanceDisconnected,
        .messageReceived, .messageQueued, .messageSent, .messageStatusChanged, .messageFailed, .messageRevoked, .messageEdited,
        .messageReaction, .messageMediaStored, .messageMediaFailed, .callReceived,
        .contactOptedOut, .contactOptedIn, .campaignProgress, .campaignCompleted, .riskAlert, .webhookTest, .webhookEndpointDisabled,
    ]

    /// A user automation's event, `automation.<name>`; `name` may itself contain dots (`automation.crm.lead_won`).
    public static func automation(_ name: String) throws(WAError) -> WebhookEventType {
        try WebhookEventType(validating: "automation." + name, field: "name")
    }

    /// Whether `name` follows the grammar.
    public static func isValidName(_ name: String) -> Bool {
        guard name.utf8.count <= 128 else { return false }
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return false }
        return segments.allSatisfy(isValidSegment)
    }

    static func isValidSegment(_ segment: Substring) -> Bool {
        !segment.isEmpty
            && segment.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            }
    }
}
