public import Foundation
import Crypto

/// Signs webhook payloads per Standard Webhooks v1 (symmetric, `v1`): HMAC-SHA256 over
/// `"{webhook-id}.{webhook-timestamp}.{payload}"`, sent as `webhook-signature: v1,<base64>`.
///
/// During a secret rotation the signer holds several secrets and signs with each, producing a space-separated list
/// (`v1,<sig-new> v1,<sig-old>`), so receivers configured with either secret accept the delivery.
///
/// ```swift
/// let signer = StandardWebhookSigner(secret: secret)
/// let headers = signer.headers(id: event.id.description, timestamp: clock.now(), payload: delivery.payload)
/// ```
///
/// The HMAC is swift-crypto's `HMAC<SHA256>`; the payload is hashed in place, never copied.
public struct StandardWebhookSigner: Sendable {
    /// The secrets signed with, in the order their signatures appear (put the newest first).
    public let secrets: [WebhookSecret]

    /// A signer for one secret.
    public init(secret: WebhookSecret) {
        self.secrets = [secret]
    }

    /// A signer for a rotation window, or throws ``WAError/Code-swift.enum/invalidWebhookSecret`` when
    /// `secrets` is empty.
    public init(secrets: [WebhookSecret]) throws(WAError) {
        guard !secrets.isEmpty else {
            throw WAError(.invalidWebhookSecret, "at least one webhook secret is required", field: "secrets")
        }
        self.secrets = secrets
    }

    /// The `webhook-timestamp` value for `date`: whole Unix seconds, rounded down.
    public static func timestamp(for date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }

    /// The `webhook-signature` header value for one attempt.
    public func signature(id: String, timestamp: Int64, payload: [UInt8]) -> String {
        payload.withUnsafeBytes { signature(id: id, timestamp: timestamp, payload: $0) }
    }

    /// The `webhook-signature` header value for a payload held in any contiguous byte buffer.
    public func signature(id: String, timestamp: Int64, payload: UnsafeRawBufferPointer) -> String {
        secrets.map { secret in
            "v1," + Data(Self.mac(key: secret.key, id: id, timestamp: timestamp, payload: payload)).base64EncodedString()
        }.joined(separator: " ")
    }

    /// The three Standard Webhooks headers for an attempt made at `timestamp`.
    public func headers(id: String, timestamp date: Date, payload: [UInt8]) -> StandardWebhookHeaders {
        let timestamp = Self.timestamp(for: date)
        return StandardWebhookHeaders(
            id: id, timestamp: String(timestamp), signature: signature(id: id, timestamp: timestamp, payload: payload))
    }

    /// The HMAC-SHA256 of `id.timestamp.payload` under `key`.
    static func mac(
        key: SymmetricKey, id: String, timestamp: Int64, payload: UnsafeRawBufferPointer
    ) -> HashedAuthenticationCode<SHA256> {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: payload)
        return hmac.finalize()
    }
}
