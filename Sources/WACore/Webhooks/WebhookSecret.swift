import Crypto
import Foundation

/// A symmetric webhook signing secret (Standard Webhooks `whsec_…`).
///
/// The text form is `whsec_` + standard base64 of the raw key bytes. It is shown to the user once; the bytes are
/// kept sealed at rest (``WebhookEndpoint/sealedSecrets``). The secret never appears in `description`, `dump` or
/// string interpolation.
///
/// ```swift
/// let secret = try WebhookSecret.generate(using: SystemRandomSource())
/// show(secret.text)                                  // "whsec_…" (32 random bytes)
/// let same = try WebhookSecret(parsing: secret.text)
/// ```
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The text prefix of the Standard Webhooks symmetric secret form.
    public static let prefix = "whsec_"
    /// Allowed sizes for generated secrets (Standard Webhooks: 24–64 bytes).
    public static let generatedByteCounts = 24...64
    /// The default size of a generated secret.
    public static let defaultByteCount = 32

    /// The raw key bytes.
    public let bytes: [UInt8]
    /// The HMAC-SHA256 key.
    let key: SymmetricKey

    /// Wraps raw key bytes (at least one byte), or throws ``WAError/Code-swift.enum/invalidWebhookSecret``.
    public init(bytes: [UInt8]) throws(WAError) {
        guard !bytes.isEmpty else { throw WAError(.invalidWebhookSecret, "webhook secret may not be empty", field: "secret") }
        self.bytes = bytes
        self.key = SymmetricKey(data: bytes)
    }

    /// Parses the text form: an optional `whsec_` prefix, then base64 with or without `=` padding.
    ///
    /// Any non-empty key length is accepted, as the reference libraries do (so secrets from other providers keep
    /// working); only ``generate(byteCount:using:)`` enforces 24–64 bytes. Throws
    /// ``WAError/Code-swift.enum/invalidWebhookSecret`` for empty input or invalid base64.
    public init(parsing text: String) throws(WAError) {
        let encoded = text.hasPrefix(Self.prefix) ? text.dropFirst(Self.prefix.count) : Substring(text)
        guard !encoded.isEmpty else {
            throw WAError(.invalidWebhookSecret, "webhook secret may not be empty", field: "secret")
        }
        guard let bytes = Self.base64Bytes(encoded) else {
            throw WAError(.invalidWebhookSecret, "webhook secret must be whsec_ followed by base64", field: "secret")
        }
        try self.init(bytes: bytes)
    }

    /// A new random secret of `byteCount` bytes (24–64, default 32) from `random`.
    public static func generate(
        byteCount: Int = defaultByteCount, using random: any RandomSource
    ) throws(WAError) -> WebhookSecret {
        guard generatedByteCounts.contains(byteCount) else {
            throw WAError(.invalidWebhookSecret, "webhook secrets must have 24 to 64 bytes", field: "byteCount")
        }
        return try WebhookSecret(bytes: random.bytes(byteCount))
    }

    /// The text form, `whsec_` + padded base64. Show it once; never log it.
    public var text: String { Self.prefix + Data(bytes).base64EncodedString() }

    /// The bytes of standard base64 text with or without its `=` padding (the reference libraries accept both);
    /// `nil` for anything else, including misplaced padding and non-zero trailing bits, so every secret has exactly
    /// one text form.
    private static func base64Bytes(_ text: Substring) -> [UInt8]? {
        var body = text
        var padding = 0
        while body.last == "=" {
            body.removeLast()
            padding += 1
        }
        guard padding <= 2, padding == 0 || (body.utf8.count + padding) % 4 == 0 else { return nil }
        let padded = String(body) + String(repeating: "=", count: (4 - body.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded), data.base64EncodedString() == padded else { return nil }
        return Array(data)
    }

    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool {
        ConstantTime.equals(lhs.bytes, rhs.bytes)
    }

    public var description: String { "WebhookSecret(<redacted>, \(bytes.count) bytes)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["bytes": "<redacted>"]) }
}
