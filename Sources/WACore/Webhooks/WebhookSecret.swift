import Crypto

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
    /// The HMAC-SHA256 key with its padded blocks already hashed, built once so signing starts from copies of
    /// those two states instead of re-deriving them per message.
    let key: HMACSHA256Key

    /// Wraps raw key bytes (at least one byte), or throws ``WAError/Code-swift.enum/invalidWebhookSecret``.
    public init(bytes: [UInt8]) throws(WAError) {
        guard !bytes.isEmpty else { throw WAError(.invalidWebhookSecret, "webhook secret may not be empty", field: "secret") }
        self.bytes = bytes
        self.key = HMACSHA256Key(bytes)
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
        guard let bytes = Base64.decode(encoded) else {
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
    public var text: String { Self.prefix + Base64.encode(bytes) }

    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool {
        ConstantTime.equals(lhs.bytes, rhs.bytes)
    }

    public var description: String { "WebhookSecret(<redacted>, \(bytes.count) bytes)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["bytes": "<redacted>"]) }
}

/// An HMAC-SHA256 (RFC 2104) key in precomputed form: the SHA-256 states after absorbing `K ⊕ ipad` and `K ⊕ opad`.
///
/// `HMAC<SHA256>(key:)` derives both padded key blocks, allocates them, and hashes them again for every message;
/// doing it once per key and copying the two states per message (what OpenSSL and BoringSSL do internally when a
/// key is reused) saves two of the twenty compression-function calls for a 1 KiB Standard Webhooks message and
/// all of the per-message key handling and allocations. The result is bit-for-bit HMAC-SHA256: the test vectors
/// in `Tests/WACoreTests/Webhooks` check it against the reference libraries.
struct HMACSHA256Key: Sendable {
    /// SHA-256 state after `K' ⊕ 0x36…` (64 bytes), where `K'` is the key zero-padded to the block size, or its
    /// SHA-256 when longer than a block.
    private let inner: SHA256
    /// SHA-256 state after `K' ⊕ 0x5C…`.
    private let outer: SHA256

    init(_ key: [UInt8]) {
        var inner = SHA256()
        var outer = SHA256()
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: SHA256.blockByteCount) { block in
            block.initialize(repeating: 0)
            if key.count > SHA256.blockByteCount {
                var hasher = SHA256()
                key.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                hasher.finalize().withUnsafeBytes { digest in
                    for index in digest.indices { block[index] = digest[index] }
                }
            } else {
                for index in key.indices { block[index] = key[index] }
            }
            for index in block.indices { block[index] ^= 0x36 }
            inner.update(bufferPointer: UnsafeRawBufferPointer(block))
            for index in block.indices { block[index] ^= 0x36 ^ 0x5C }
            outer.update(bufferPointer: UnsafeRawBufferPointer(block))
            // The padded key is as sensitive as the key: do not leave it on the stack.
            block.update(repeating: 0)
        }
        self.inner = inner
        self.outer = outer
    }

    /// The MAC of the message that `feed` passes to the hasher it is given (in one or more `update` calls).
    @inline(__always)
    func authenticationCode(_ feed: (inout SHA256) -> Void) -> SHA256Digest {
        var hasher = inner
        feed(&hasher)
        let innerDigest = hasher.finalize()
        var outerHasher = outer
        innerDigest.withUnsafeBytes { outerHasher.update(bufferPointer: $0) }
        return outerHasher.finalize()
    }

    /// The MAC of `message`.
    func authenticationCode(for message: UnsafeRawBufferPointer) -> SHA256Digest {
        authenticationCode { $0.update(bufferPointer: message) }
    }
}
