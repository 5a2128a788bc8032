import Crypto
import Foundation

extension SecretKeyring.Key {
    /// A 32-byte secret for one `purpose` derived from this key (HKDF-SHA256, RFC 5869, with the purpose as `info`),
    /// so that one persistent keyring can also key other mechanisms (the REST API's session-token signatures)
    /// without any of them sharing key material with the envelopes ``SecretBox`` seals.
    ///
    /// The same key and purpose always give the same bytes; different purposes give independent ones. Name a
    /// purpose with its version (`"wa-gateway/session-token/v1"`), so that a change of scheme is a change of key.
    /// The result is secret: hand it to the mechanism it is for and never log it.
    public func derivedSecret(purpose: String) -> [UInt8] {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: material, info: Data(purpose.utf8), outputByteCount: Self.byteCount)
        return derived.withUnsafeBytes { Array($0) }
    }
}
