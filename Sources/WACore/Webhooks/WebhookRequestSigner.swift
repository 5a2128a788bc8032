public import Foundation

/// Produces the signature headers of one delivery attempt for an endpoint's ``WebhookEndpoint/SignatureMode``.
///
/// WACore decides what is signed and how; the HTTP adapter adds these headers (plus `content-type:
/// application/json`) to a POST of the exact payload bytes. The `webhook-timestamp` is the attempt's time, so a
/// retry gets a fresh timestamp and signature while `webhook-id` and the body stay the same.
public struct WebhookRequestSigner: Sendable {
    public let mode: WebhookEndpoint.SignatureMode
    private let standard: StandardWebhookSigner
    private let hub: HubSignature256?

    /// A signer for an endpoint's unsealed secrets (newest first; all of them sign during a rotation window).
    /// Throws ``WAError/Code-swift.enum/invalidWebhookSecret`` when `secrets` is empty.
    public init(mode: WebhookEndpoint.SignatureMode, secrets: [WebhookSecret]) throws(WAError) {
        self.mode = mode
        standard = try StandardWebhookSigner(secrets: secrets)
        switch mode {
        case .standardWebhooks: hub = nil
        case .standardWebhooksAndHubSignature: hub = HubSignature256(webhookSecrets: secrets)
        }
    }

    /// The headers for sending `payload` as event `eventID` at `date`.
    public func headers(eventID: WebhookEventID, payload: [UInt8], at date: Date) -> [HTTPHeaderField] {
        headers(id: eventID.description, payload: payload, at: date)
    }

    /// The headers for sending `payload` with `webhook-id: id` at `date`.
    public func headers(id: String, payload: [UInt8], at date: Date) -> [HTTPHeaderField] {
        var fields = standard.headers(id: id, timestamp: date, payload: payload).fields
        if let hub { fields.append(hub.header(payload: payload)) }
        return fields
    }
}
