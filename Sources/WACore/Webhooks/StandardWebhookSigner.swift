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
/// The HMAC is fed the three parts and the two dots in place; the signed content is never concatenated into a
/// new buffer.
public struct StandardWebhookSigner: Sendable {
    /// The secrets signed with, in the order their signatures appear (put the newest first).
    public let secrets: [WebhookSecret]

    /// A signer for one secret.
    public init(secret: WebhookSecret) {
        self.secrets = [secret]
    }

    /// A signer for a rotation window, or throws ``WAError/Code-swift.struct/invalidWebhookSecret`` when
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
        var header = ""
        header.reserveCapacity(secrets.count * 48)
        for (index, secret) in secrets.enumerated() {
            if index > 0 { header.append(" ") }
            header.append("v1,")
            header.append(Base64.encode(Self.mac(key: secret.key, id: id, timestamp: timestamp, payload: payload)))
        }
        return header
    }

    /// The three Standard Webhooks headers for an attempt made at `timestamp`.
    public func headers(id: String, timestamp date: Date, payload: [UInt8]) -> StandardWebhookHeaders {
        let timestamp = Self.timestamp(for: date)
        return StandardWebhookHeaders(
            id: id, timestamp: String(timestamp), signature: signature(id: id, timestamp: timestamp, payload: payload))
    }

    /// The raw 32-byte HMAC-SHA256 of `id.timestamp.payload` under `key`.
    static func mac(key: SymmetricKey, id: String, timestamp: Int64, payload: UnsafeRawBufferPointer) -> HMAC<SHA256>.MAC {
        var hmac = HMAC<SHA256>(key: key)
        var id = id
        id.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        // "." + decimal timestamp + ".", formatted right to left in a small stack buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var start = buffer.count
            start -= 1
            buffer[start] = UInt8(ascii: ".")
            var value = timestamp.magnitude
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            if timestamp < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            start -= 1
            buffer[start] = UInt8(ascii: ".")
            let raw = UnsafeRawBufferPointer(buffer)
            hmac.update(data: UnsafeRawBufferPointer(rebasing: raw[start..<raw.count]))
        }
        hmac.update(data: payload)
        return hmac.finalize()
    }
}
