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
        // Every entry is "v1," + 44 base64 characters, entries separated by one space: the exact length is known,
        // so the header is written straight into the string's storage (one allocation, no intermediate arrays).
        let entryLength = 3 + Base64.encodedCount(SHA256.byteCount)
        let length = max(0, secrets.count * (entryLength + 1) - 1)
        return String(unsafeUninitializedCapacity: length) { out in
            var position = 0
            for secret in secrets {
                if position > 0 {
                    out[position] = UInt8(ascii: " ")
                    position += 1
                }
                out[position] = UInt8(ascii: "v")
                out[position + 1] = UInt8(ascii: "1")
                out[position + 2] = UInt8(ascii: ",")
                position += 3
                let mac = Self.mac(key: secret.key, id: id, timestamp: timestamp, payload: payload)
                position += mac.withUnsafeBytes { bytes in
                    Base64.encode(bytes, into: UnsafeMutableBufferPointer(rebasing: out[position...]))
                }
            }
            return position
        }
    }

    /// The three Standard Webhooks headers for an attempt made at `timestamp`.
    public func headers(id: String, timestamp date: Date, payload: [UInt8]) -> StandardWebhookHeaders {
        let timestamp = Self.timestamp(for: date)
        return StandardWebhookHeaders(
            id: id, timestamp: String(timestamp), signature: signature(id: id, timestamp: timestamp, payload: payload))
    }

    /// The raw 32-byte HMAC-SHA256 of `id.timestamp.payload` under `key`.
    static func mac(key: HMACSHA256Key, id: String, timestamp: Int64, payload: UnsafeRawBufferPointer) -> SHA256Digest {
        // "id.timestamp." is assembled in a stack buffer (the timestamp formatted right to left) so the hasher sees
        // two updates, the prefix and the payload; nothing is concatenated on the heap.
        var id = id
        return id.withUTF8 { idBytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: idBytes.count + 22) { buffer in
                var end = buffer.count
                end -= 1
                buffer[end] = UInt8(ascii: ".")
                var value = timestamp.magnitude
                repeat {
                    end -= 1
                    buffer[end] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                } while value > 0
                if timestamp < 0 {
                    end -= 1
                    buffer[end] = UInt8(ascii: "-")
                }
                end -= 1
                buffer[end] = UInt8(ascii: ".")
                let start = end - idBytes.count
                if let base = idBytes.baseAddress {
                    (buffer.baseAddress! + start).update(from: base, count: idBytes.count)
                }
                let prefix = UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[start...]))
                return key.authenticationCode { hasher in
                    hasher.update(bufferPointer: prefix)
                    hasher.update(bufferPointer: payload)
                }
            }
        }
    }
}
