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

    /// The HMAC-SHA256 keys; the first signs, any verifies.
    private let keys: [SymmetricKey]

    /// A signer/verifier keyed with the UTF-8 bytes of `secret` (GitHub: the webhook secret; Meta: the App Secret).
    public init(secret: String) {
        keys = [SymmetricKey(data: Array(secret.utf8))]
    }

    /// A signer/verifier keyed with raw bytes.
    public init(key: [UInt8]) {
        keys = [SymmetricKey(data: key)]
    }

    /// Keyed with the text form (`whsec_…`) of a webhook secret; with several secrets (a rotation), signing uses
    /// the first and verification accepts any.
    public init(webhookSecrets: [WebhookSecret]) {
        keys = webhookSecrets.map { SymmetricKey(data: Array($0.text.utf8)) }
    }

    /// Keyed with the text form (`whsec_…`) of `webhookSecret`.
    public init(webhookSecret: WebhookSecret) {
        self.init(webhookSecrets: [webhookSecret])
    }

    /// The header value for `payload`: `sha256=` + 64 lowercase hex digits (signed with the first key).
    public func signature(payload: [UInt8]) -> String {
        guard let key = keys.first else { return Self.valuePrefix }
        return Self.valuePrefix + HexCoding.encode(HMAC<SHA256>.authenticationCode(for: payload, using: key))
    }

    /// The header, ready to send.
    public func header(payload: [UInt8]) -> HTTPHeaderField {
        HTTPHeaderField(name: Self.headerName, value: signature(payload: payload))
    }

    /// Whether `headerValue` (`sha256=<hex>`, hex in either case) is a valid signature of `payload` under any key.
    /// Missing prefix, wrong length or non-hex text is `false`. Comparison is constant-time (swift-crypto's).
    public func isValid(headerValue: String?, payload: [UInt8]) -> Bool {
        guard let headerValue, headerValue.hasPrefix(Self.valuePrefix),
            let presented = HexCoding.decode(headerValue.dropFirst(Self.valuePrefix.count)),
            presented.count == SHA256.byteCount
        else { return false }
        var matched = false
        // Every key is tried, without stopping at a match, so timing does not reveal which key matched.
        for key in keys where HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: payload, using: key) {
            matched = true
        }
        return matched
    }
}
