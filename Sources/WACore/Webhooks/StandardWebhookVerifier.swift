public import Foundation
import Crypto

/// Verifies Standard Webhooks v1 signatures on received requests (for inbound webhooks from other Standard
/// Webhooks senders, for tests, and for users who run WACore on the receiving side).
///
/// Checks, in order: the three headers are present and non-empty (``WAError/Code-swift.enum/webhookMissingHeader``,
/// field = header name); `webhook-timestamp` is an integer (``WAError/Code-swift.enum/webhookInvalidTimestamp``)
/// within ``tolerance`` of `now` both ways (``WAError/Code-swift.enum/webhookTimestampTooOld`` /
/// ``WAError/Code-swift.enum/webhookTimestampTooNew``); then at least one `v1,` entry of `webhook-signature`
/// equals the expected HMAC under at least one secret (constant-time compare), else
/// ``WAError/Code-swift.enum/webhookSignatureMismatch``. Entries with another version (`v1a`, `v2`), malformed
/// entries and undecodable base64 are skipped, never fatal.
///
/// Verify the raw body bytes exactly as received, before any JSON parsing.
public struct StandardWebhookVerifier: Sendable {
    /// The accepted secrets (several during a rotation window).
    public let secrets: [WebhookSecret]
    /// How far the timestamp may be from `now` in either direction (default 5 minutes, as the reference
    /// libraries use).
    public let tolerance: Duration

    /// A verifier accepting a signature by any of `secrets` (empty: nothing verifies).
    public init(secrets: [WebhookSecret], tolerance: Duration = .seconds(300)) {
        self.secrets = secrets
        self.tolerance = tolerance
    }

    /// A verifier for one secret.
    public init(secret: WebhookSecret, tolerance: Duration = .seconds(300)) {
        self.init(secrets: [secret], tolerance: tolerance)
    }

    /// Verifies `payload` against request headers given as name → value (names matched case-insensitively).
    public func verify(payload: [UInt8], headers: [String: String], now: Date) throws(WAError) {
        var lowercased: [String: String] = [:]
        for (name, value) in headers { lowercased[name.lowercased()] = value }
        try verify(
            payload: payload, id: lowercased[StandardWebhookHeaders.idName],
            timestamp: lowercased[StandardWebhookHeaders.timestampName],
            signature: lowercased[StandardWebhookHeaders.signatureName], now: now)
    }

    /// Verifies `payload` against the three header values (nil when absent).
    public func verify(
        payload: [UInt8], id: String?, timestamp: String?, signature: String?, now: Date
    ) throws(WAError) {
        guard let id, !id.isEmpty else { throw Self.missing(StandardWebhookHeaders.idName) }
        guard let timestamp, !timestamp.isEmpty else { throw Self.missing(StandardWebhookHeaders.timestampName) }
        guard let signature, !signature.isEmpty else { throw Self.missing(StandardWebhookHeaders.signatureName) }

        guard timestamp.utf8.count <= 18, timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let seconds = Int64(timestamp)
        else {
            throw WAError(
                .webhookInvalidTimestamp, "webhook-timestamp must be Unix seconds",
                field: StandardWebhookHeaders.timestampName)
        }
        let toleranceSeconds = tolerance.timeInterval
        let nowSeconds = now.timeIntervalSince1970
        if Double(seconds) < nowSeconds - toleranceSeconds {
            throw WAError(
                .webhookTimestampTooOld, "webhook timestamp too old", field: StandardWebhookHeaders.timestampName)
        }
        if Double(seconds) > nowSeconds + toleranceSeconds {
            throw WAError(
                .webhookTimestampTooNew, "webhook timestamp too new", field: StandardWebhookHeaders.timestampName)
        }

        let candidates = Self.v1Signatures(in: signature)
        let matched = payload.withUnsafeBytes { body in
            var matched = false
            for secret in secrets {
                let expected = StandardWebhookSigner.mac(key: secret.key, id: id, timestamp: seconds, payload: body)
                // swift-crypto compares a MAC in constant time; every candidate is compared without stopping early,
                // so timing does not reveal which one matched.
                for candidate in candidates where expected == candidate { matched = true }
            }
            return matched
        }
        guard matched else {
            throw WAError(
                .webhookSignatureMismatch, "no matching webhook signature",
                field: StandardWebhookHeaders.signatureName)
        }
    }

    /// The decoded `v1` signatures of a `webhook-signature` value; other versions and malformed entries dropped.
    static func v1Signatures(in header: String) -> [[UInt8]] {
        header.split(separator: " ").compactMap { entry -> [UInt8]? in
            guard let comma = entry.firstIndex(of: ","), entry[..<comma] == "v1" else { return nil }
            let encoded = entry[entry.index(after: comma)...]
            guard !encoded.isEmpty else { return nil }
            return Data(base64Encoded: String(encoded)).map(Array.init)
        }
    }

    private static func missing(_ name: String) -> WAError {
        WAError(.webhookMissingHeader, "missing \(name) header", field: name)
    }
}
