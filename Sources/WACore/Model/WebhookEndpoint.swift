public import Foundation

/// A URL that receives signed event deliveries.
///
/// The signing secret is stored sealed (``SecretBox``); it is shown once when created or rotated and never appears
/// in ``description`` or reflection output. Those show the URL redacted (``WebhookURL/redacted(_:)``: no
/// user-info, no query), as a query often carries a token.
public struct WebhookEndpoint: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var id: WebhookEndpointID
    public var organizationID: OrganizationID
    /// The target URL (https unless private targets are explicitly allowed).
    public var url: String
    public var description: String {
        "WebhookEndpoint(\(id), \(WebhookURL.redacted(url))\(isEnabled ? "" : ", disabled"))"
    }
    public var label: String?
    /// Event names and wildcards (`message.*`); empty means every event.
    public var eventFilters: [String]
    /// The signing secrets, sealed; the first signs, the rest are kept during a rotation window.
    public var sealedSecrets: [[UInt8]]
    public var signatureMode: SignatureMode
    public var isEnabled: Bool
    /// Why the endpoint was disabled (by a user or by the health policy).
    public var disabledReason: String?
    /// Consecutive failed deliveries, for the health policy.
    public var consecutiveFailures: Int
    public var firstFailureAt: Date?
    /// The first number of the organization's event log this endpoint receives: the log's next number when the
    /// endpoint was created, so events logged before it are not delivered to it.
    public var firstEventSequence: UInt64
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: WebhookEndpointID, organizationID: OrganizationID, url: String, label: String? = nil,
        eventFilters: [String] = [], sealedSecrets: [[UInt8]], signatureMode: SignatureMode = .standardWebhooks,
        isEnabled: Bool = true, disabledReason: String? = nil, consecutiveFailures: Int = 0,
        firstFailureAt: Date? = nil, firstEventSequence: UInt64 = 1, createdAt: Date, updatedAt: Date? = nil,
        version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.url = url
        self.label = label
        self.eventFilters = eventFilters
        self.sealedSecrets = sealedSecrets
        self.signatureMode = signatureMode
        self.isEnabled = isEnabled
        self.disabledReason = disabledReason
        self.consecutiveFailures = consecutiveFailures
        self.firstFailureAt = firstFailureAt
        self.firstEventSequence = firstEventSequence
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "organizationID": organizationID, "url": WebhookURL.redacted(url), "eventFilters": eventFilters,
                "sealedSecrets": "<redacted>", "signatureMode": signatureMode, "isEnabled": isEnabled,
                "version": version,
            ])
    }

    /// How deliveries are signed.
    public enum SignatureMode: String, Sendable, Hashable, Codable, CaseIterable {
        /// `webhook-id`, `webhook-timestamp`, `webhook-signature` (Standard Webhooks v1).
        case standardWebhooks = "standard_webhooks"
        /// Standard Webhooks plus GitHub/Meta-style `X-Hub-Signature-256`.
        case standardWebhooksAndHubSignature = "standard_webhooks_and_hub"
    }
}
