public import Foundation

/// The code a person uses right now to link an instance to their phone: a QR code to scan or a pairing code to
/// type. The supervisor that runs the instance holds it and writes it with the instance (``Instance/linkCode``), so
/// every node can serve it (``Instance/currentLinkCode(at:)``).
public struct LinkCode: Sendable, Hashable, Codable {
    /// Which kind of code.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The text to render as a QR code.
        case qrCode = "qr_code"
        /// The 8-character code (`ABCD-EFGH`) to type on the phone.
        case pairingCode = "pairing_code"
    }

    public var kind: Kind
    /// The QR text or the pairing code.
    public var value: String
    /// When the session reported it.
    public var issuedAt: Date
    /// When it is expected to be replaced or to expire.
    public var expiresAt: Date

    public init(kind: Kind, value: String, issuedAt: Date, expiresAt: Date) {
        self.kind = kind
        self.value = value
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}
