public import Foundation
import Crypto

/// A single-use, expiring token that proves control of an e-mail address: invitations and password resets.
///
/// The token text names the member it belongs to and carries 256 random bits:
/// `wat_` + base64url(organization id ‖ member id ‖ 32 random bytes) (90 characters). The store keeps only the
/// SHA-256 of the random part (``Member/credentialToken``), so a database leak reveals no usable token; a token is
/// cleared when used, and a new one replaces any earlier one.
public struct CredentialToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What the token is for.
    public enum Purpose: String, Sendable, Hashable, Codable {
        case invitation
        case passwordReset = "password_reset"
    }

    /// What the store keeps about an outstanding token.
    public struct Stored: Sendable, Hashable, Codable, CustomStringConvertible {
        public var purpose: Purpose
        /// SHA-256 of the token's random part.
        public var digest: [UInt8]
        public var expiresAt: Date

        public init(purpose: Purpose, digest: [UInt8], expiresAt: Date) {
            self.purpose = purpose
            self.digest = digest
            self.expiresAt = expiresAt
        }

        public var description: String { "CredentialToken.Stored(\(purpose.rawValue), expires \(expiresAt))" }
    }

    public let organizationID: OrganizationID
    public let memberID: MemberID
    private let secret: [UInt8]

    /// A new token for a member.
    public init(organizationID: OrganizationID, memberID: MemberID, random: any RandomSource) {
        self.organizationID = organizationID
        self.memberID = memberID
        self.secret = random.bytes(32)
    }

    /// Parses a presented token; anything malformed is `invalid_credentials` (the same answer as a wrong token).
    public init(parsing text: String) throws(WAError) {
        let invalid = WAError(.invalidCredentials, "the link is invalid or has expired")
        guard text.hasPrefix("wat_"), let bytes = Self.base64URLDecode(text.dropFirst(4)), bytes.count == 64 else {
            throw invalid
        }
        func id<E>(_ slice: ArraySlice<UInt8>) -> Identifier<E> {
            let b = Array(slice)
            let high = b[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = b[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return Identifier(high: high, low: low)
        }
        organizationID = id(bytes[0..<16])
        memberID = id(bytes[16..<32])
        secret = Array(bytes[32..<64])
    }

    /// The text to send to the user (in a link). Shown once; WACore logs it only through ``LoggingAccountNotifier``,
    /// when that is the environment's notifier (read its trade-off).
    public func reveal() -> String {
        var bytes: [UInt8] = []
        for word in [organizationID.high, organizationID.low, memberID.high, memberID.low] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return "wat_" + Self.base64URLEncode(bytes + secret)
    }

    /// What to store for this token.
    public func stored(purpose: Purpose, expiresAt: Date) -> Stored {
        Stored(purpose: purpose, digest: Array(SHA256.hash(data: secret)), expiresAt: expiresAt)
    }

    /// Whether this token is the one `stored` describes, for `purpose`, and not expired at `now`.
    public func matches(_ stored: Stored, purpose: Purpose, at now: Date) -> Bool {
        let digestMatches = ConstantTime.equals(Array(SHA256.hash(data: secret)), stored.digest)
        return digestMatches && stored.purpose == purpose && now < stored.expiresAt
    }

    public var description: String { "CredentialToken(member \(memberID), <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["organizationID": organizationID, "memberID": memberID, "secret": "<redacted>"])
    }

    private static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
