import Crypto

/// The GitHub/Meta-style `X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256(key, body)>` signature.
///
/// It signs only the body (no id, no timestamp, so no replay protection): WACore sends it *in addition to* the
/// Standard Webhooks headers when an endpoint's mode is
/// ``WebhookEndpoint/SignatureMode-swift.enum/standardWebhooksAndHubSignature``, for receivers that already
/// verify GitHub or Meta webhooks. The key there is the UTF-8 text of the endpoint's current secret exactly as
/// shown to the user (`whsec_…`), because GitHub-style verifiers use the configured secret *string* as the HMAC
/// key (``init(webhookSecret:)``).
public struct HubSignature256: Sendable {
    /// The header name, `X-Hub-Signature-256`.
    public static let headerName = "X-Hub-Signature-256"
    /// The value prefix, `sha256=`.
    public static let valuePrefix = "sha256="

    /// The keys in precomputed HMAC form (see ``HMACSHA256Key``).
    private let keys: [HMACSHA256Key]

    /// A signer/verifier keyed with the UTF-8 bytes of `secret` (GitHub: the webhook secret; Meta: the App Secret).
    public init(secret: String) {
        keys = [HMACSHA256Key(Array(secret.utf8))]
    }

    /// A signer/verifier keyed with raw bytes.
    public init(key: [UInt8]) {
        keys = [HMACSHA256Key(key)]
    }

    /// Keyed with the text form (`whsec_…`) of a webhook secret; with several secrets (a rotation), signing uses
    /// the first and verification accepts any.
    public init(webhookSecrets: [WebhookSecret]) {
        keys = webhookSecrets.map { HMACSHA256Key(Array($0.text.utf8)) }
    }

    /// Keyed with the text form (`whsec_…`) of `webhookSecret`.
    public init(webhookSecret: WebhookSecret) {
        self.init(webhookSecrets: [webhookSecret])
    }

    /// The header value for `payload`: `sha256=` + 64 lowercase hex digits (signed with the first key).
    public func signature(payload: [UInt8]) -> String {
        guard let key = keys.first else { return Self.valuePrefix }
        let mac = payload.withUnsafeBytes { key.authenticationCode(for: $0) }
        let prefix: StaticString = "sha256="
        let prefixLength = prefix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: prefixLength + 2 * SHA256.byteCount) { out in
            for index in 0..<prefixLength { out[index] = prefix.utf8Start[index] }
            return mac.withUnsafeBytes { bytes in
                prefixLength + HexCoding.encode(bytes, into: UnsafeMutableBufferPointer(rebasing: out[prefixLength...]))
            }
        }
    }

    /// The header, ready to send.
    public func header(payload: [UInt8]) -> HTTPHeaderField {
        HTTPHeaderField(name: Self.headerName, value: signature(payload: payload))
    }

    /// Whether `headerValue` (`sha256=<hex>`, hex in either case) is a valid signature of `payload` under any key.
    /// Missing prefix, wrong length or non-hex text is `false`. Comparison is constant-time.
    public func isValid(headerValue: String?, payload: [UInt8]) -> Bool {
        guard let headerValue, headerValue.hasPrefix(Self.valuePrefix) else { return false }
        let hex = headerValue.dropFirst(Self.valuePrefix.count).utf8
        guard hex.count == 2 * SHA256.byteCount else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: SHA256.byteCount) { presented in
            guard HexCoding.decode(hex, into: presented) else { return false }
            let presentedBytes = UnsafeRawBufferPointer(presented)
            return payload.withUnsafeBytes { body in
                var matched = false
                // Every key is tried, without stopping at a match, so timing does not reveal which key matched.
                for key in keys where key.authenticationCode(for: body).withUnsafeBytes({
                    ConstantTime.equals($0, presentedBytes)
                }) {
                    matched = true
                }
                return matched
            }
        }
    }
}
