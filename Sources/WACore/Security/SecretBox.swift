import Crypto
import Foundation

/// Encrypts secrets at rest (webhook signing secrets, WhatsApp session keys, third-party tokens) with
/// AES-256-GCM, bound to the tenant and purpose they belong to.
///
/// ## Envelope (version 1)
/// ```text
/// 0x01 | key id (4 bytes, big-endian) | nonce (12 bytes) | ciphertext (= plaintext length) | tag (16 bytes)
/// ```
/// After the 5-byte header this is exactly swift-crypto's `AES.GCM.SealedBox.combined`. Overhead: 33 bytes.
///
/// ## Associated data
/// The header is not secret and, on its own, not authenticated, so the associated data binds it together with
/// the ``Context``:
/// ```text
/// header (5 bytes) | "wa.secretbox.v1" | u32be(len org) | org UTF-8 | u32be(len purpose) | purpose UTF-8
/// ```
/// Length prefixes make the encoding unambiguous. A value sealed for organization A / purpose
/// `webhook-secret` therefore fails to open as organization B, as another purpose, or under a rewritten key id.
///
/// ## Nonces
/// Nonces are 12 bytes from the injected ``RandomSource``. Production **must** pass ``SystemRandomSource``;
/// a seeded source repeats nonces across runs, which breaks GCM completely. With random nonces NIST SP 800-38D
/// caps one key at 2³² seals: rotate long before that.
///
/// ## Errors
/// ``WAError/Code-swift.enum/unknownKey`` when the header names a key the keyring does not hold;
/// ``WAError/Code-swift.enum/decryptionFailed`` for anything else that does not open (truncated, unknown
/// version, tampered, wrong context, wrong key).
public struct SecretBox: Sendable {
    /// What a sealed value belongs to. Both parts must match exactly (no normalisation) to open it.
    public struct Context: Sendable, Hashable, CustomStringConvertible {
        /// The owning organization's id, e.g. its UUID string.
        public var organization: String
        /// What the value is, e.g. `"webhook-secret"` or `"whatsapp-session"`. Use a fixed constant per use.
        public var purpose: String

        /// A context. Both parts must be non-empty when sealing or opening.
        public init(organization: String, purpose: String) {
            self.organization = organization
            self.purpose = purpose
        }

        /// `organization/purpose`.
        public var description: String { "\(organization)/\(purpose)" }
    }

    /// The envelope format version byte.
    public static let formatVersion: UInt8 = 0x01
    /// Version byte plus key id.
    public static let headerLength = 5
    /// AES-GCM nonce length.
    public static let nonceLength = 12
    /// AES-GCM tag length.
    public static let tagLength = 16
    /// Bytes an envelope adds to its plaintext.
    public static let overhead = headerLength + nonceLength + tagLength

    private static let domain = Array("wa.secretbox.v1".utf8)

    /// The keys used for sealing (current) and opening (current and retired).
    public let keyring: SecretKeyring
    private let random: any RandomSource

    /// A box sealing with `keyring.current` and drawing nonces from `random` (``SystemRandomSource`` in
    /// production).
    public init(keyring: SecretKeyring, random: any RandomSource) {
        self.keyring = keyring
        self.random = random
    }

    /// The same box with `keyring` rotated to `newCurrent` (see ``SecretKeyring/rotated(to:)``).
    public func rotated(to newCurrent: SecretKeyring.Key) throws(WAError) -> SecretBox {
        SecretBox(keyring: try keyring.rotated(to: newCurrent), random: random)
    }

    /// Encrypts `plaintext` with the current key for `context`. Sealing the same plaintext twice gives different
    /// envelopes (fresh nonce).
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` for an empty organization or purpose.
    public func seal(_ plaintext: [UInt8], context: Context) throws(WAError) -> [UInt8] {
        try Self.validate(context)
        let key = keyring.current
        let header = Self.header(keyID: key.id)
        let sealed: AES.GCM.SealedBox
        do {
            let nonce = try AES.GCM.Nonce(data: random.bytes(Self.nonceLength))
            sealed = try AES.GCM.seal(
                plaintext, using: key.material, nonce: nonce,
                authenticating: Self.associatedData(header: header, context: context))
        } catch {
            throw WAError(.internalError, "encryption failed")
        }
        var envelope = header
        envelope.reserveCapacity(plaintext.count + Self.overhead)
        envelope += Array(sealed.nonce)
        envelope += Array(sealed.ciphertext)
        envelope += Array(sealed.tag)
        return envelope
    }

    /// Encrypts the UTF-8 bytes of `plaintext`.
    public func seal(_ plaintext: String, context: Context) throws(WAError) -> [UInt8] {
        try seal(Array(plaintext.utf8), context: context)
    }

    /// Decrypts an envelope sealed for `context` with any key in the keyring.
    ///
    /// - Throws: ``WAError/Code-swift.enum/unknownKey`` or ``WAError/Code-swift.enum/decryptionFailed``
    ///   (see the type documentation); ``WAError/Code-swift.enum/invalidArgument`` for an empty context part.
    public func open(_ envelope: [UInt8], context: Context) throws(WAError) -> [UInt8] {
        try Self.validate(context)
        let keyID = try Self.keyID(of: envelope)
        guard let key = keyring.key(id: keyID) else {
            throw WAError(.unknownKey, "the secret was sealed with a key that is no longer available")
        }
        let nonceEnd = Self.headerLength + Self.nonceLength
        let tagStart = envelope.count - Self.tagLength
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: envelope[Self.headerLength..<nonceEnd]),
                ciphertext: envelope[nonceEnd..<tagStart],
                tag: envelope[tagStart...])
            let plaintext = try AES.GCM.open(
                box, using: key.material,
                authenticating: Self.associatedData(header: Array(envelope[..<Self.headerLength]), context: context))
            return Array(plaintext)
        } catch {
            throw Self.decryptionFailed
        }
    }

    /// Decrypts an envelope whose plaintext is UTF-8 text.
    ///
    /// - Throws: as ``open(_:context:)``, and ``WAError/Code-swift.enum/decryptionFailed`` when the plaintext is
    ///   not valid UTF-8.
    public func openString(_ envelope: [UInt8], context: Context) throws(WAError) -> String {
        let bytes = try open(envelope, context: context)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Self.decryptionFailed }
        return text
    }

    /// Re-encrypts `envelope` with the current key.
    ///
    /// An envelope already sealed with the current key is authenticated (it must open for `context`) and returned
    /// **unchanged**, byte for byte, so callers can skip the write-back when `resealed == envelope`. Otherwise it
    /// is opened with its (retired) key and sealed again with a fresh nonce.
    ///
    /// - Throws: as ``open(_:context:)``.
    public func reseal(_ envelope: [UInt8], context: Context) throws(WAError) -> [UInt8] {
        let plaintext = try open(envelope, context: context)
        if try Self.keyID(of: envelope) == keyring.current.id { return envelope }
        return try seal(plaintext, context: context)
    }

    /// Whether `envelope` names the current key in its header (unauthenticated: a hint for re-encryption jobs).
    public func isSealedWithCurrentKey(_ envelope: [UInt8]) -> Bool {
        (try? Self.keyID(of: envelope)) == keyring.current.id
    }

    /// The key id in an envelope's header (unauthenticated until the envelope is opened).
    ///
    /// - Throws: ``WAError/Code-swift.enum/decryptionFailed`` when the envelope is shorter than the overhead or
    ///   has an unknown version byte.
    public static func keyID(of envelope: [UInt8]) throws(WAError) -> UInt32 {
        guard envelope.count >= overhead, envelope[0] == formatVersion else { throw decryptionFailed }
        return envelope[1..<headerLength].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    private static let decryptionFailed = WAError(.decryptionFailed, "the secret could not be decrypted")

    private static func validate(_ context: Context) throws(WAError) {
        guard !context.organization.isEmpty, !context.purpose.isEmpty else {
            throw WAError(.invalidArgument, "a secret's context needs an organization and a purpose", field: "context")
        }
    }

    private static func header(keyID: UInt32) -> [UInt8] {
        [formatVersion] + bigEndian(keyID)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    static func associatedData(header: [UInt8], context: Context) -> [UInt8] {
        let organization = Array(context.organization.utf8)
        let purpose = Array(context.purpose.utf8)
        var data = header + domain
        data += bigEndian(UInt32(truncatingIfNeeded: organization.count)) + organization
        data += bigEndian(UInt32(truncatingIfNeeded: purpose.count)) + purpose
        return data
    }
}
