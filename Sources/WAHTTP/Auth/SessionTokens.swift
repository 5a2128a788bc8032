public import Foundation
import JWTKit
import Synchronization
public import WACore

/// Issues and checks the REST API's session tokens: JWTs (HS256, jwt-kit) that name a member, their organization
/// and their session epoch, and expire after ``lifetime``.
///
/// The signing keys come from the gateway's persistent secret keyring (the one that seals secrets at rest): each
/// keyring key gives a 32-byte HMAC key of its own (``WACore/SecretKeyring/Key/derivedSecret(purpose:)``, HKDF with
/// purpose `wa-gateway/session-token/v1`), named by the keyring key's id in the token's `kid`. New tokens are signed
/// with the current key; tokens signed with a retired key still verify until the key leaves the keyring. So tokens
/// survive restarts and work on every node that shares the keyring, and there is no second secret to manage.
///
/// A valid signature and expiry are not enough: the member must still be active and the token's epoch must still
/// be theirs (``WACore/TeamService/principal(for:in:epoch:)``), which ends tokens on sign-out, password changes,
/// role changes, deactivation and removal.
public final class SessionTokens: Sendable {
    /// The purpose the signing keys are derived for; changing the scheme changes it (and so every key).
    static let keyPurpose = "wa-gateway/session-token/v1"

    /// The default lifetime of a token: one hour.
    public static let defaultLifetime: Duration = .seconds(3600)

    /// How long a token is valid after it was issued.
    public let lifetime: Duration
    private let keyring: SecretKeyring
    private let clock: any WallClock
    private let keys = JWTKeyCollection()
    private let keysLoaded = Mutex(false)

    /// Tokens signed with keys derived from `keyring`, valid for `lifetime` by `clock`.
    ///
    /// - Precondition: `lifetime` is positive.
    public init(keyring: SecretKeyring, lifetime: Duration = SessionTokens.defaultLifetime, clock: any WallClock) {
        precondition(lifetime > .zero, "a session token's lifetime must be positive")
        self.keyring = keyring
        self.lifetime = lifetime
        self.clock = clock
    }

    /// A new token for `member`, under their current session epoch.
    public func issue(for member: Member) async throws -> IssuedSessionToken {
        let now = clock.now()
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        // JWT times are whole seconds; the expiry is rounded down so the token never lives longer than promised.
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let expiresAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + seconds).rounded(.down))
        let claims = SessionClaims(
            sub: SubjectClaim(value: member.id.description), org: member.organizationID.description,
            sep: member.sessionEpoch, aud: AudienceClaim(value: SessionClaims.audience),
            iat: IssuedAtClaim(value: issuedAt), exp: ExpirationClaim(value: expiresAt))
        let token = try await loadedKeys().sign(claims, kid: Self.kid(keyring.current))
        return IssuedSessionToken(token: token, expiresAt: expiresAt, member: member)
    }

    /// The member, organization and session epoch a token names, when its signature, audience and expiry hold.
    ///
    /// - Throws: `unauthenticated` for anything else (malformed, forged, signed with a key the keyring no longer
    ///   holds, expired), with the same message each time.
    func verify(_ token: String) async throws -> (member: MemberID, organization: OrganizationID, epoch: Int) {
        let claims: SessionClaims
        do {
            claims = try await loadedKeys().verify(token, as: SessionClaims.self)
        } catch {
            throw Credential.rejected
        }
        guard (try? claims.exp.verifyNotExpired(currentDate: clock.now())) != nil,
            let member = try? MemberID(parsing: claims.sub.value, field: "sub"),
            let organization = try? OrganizationID(parsing: claims.org, field: "org")
        else { throw Credential.rejected }
        return (member, organization, claims.sep)
    }

    /// The key collection, with the keyring's keys added on first use (jwt-kit adds keys asynchronously).
    private func loadedKeys() async -> JWTKeyCollection {
        if keysLoaded.withLock({ $0 }) { return keys }
        for key in [keyring.current] + keyring.retired {
            await keys.add(
                hmac: HMACKey(from: key.derivedSecret(purpose: Self.keyPurpose)), digestAlgorithm: .sha256,
                kid: Self.kid(key))
        }
        keysLoaded.withLock { $0 = true }
        return keys
    }

    private static func kid(_ key: SecretKeyring.Key) -> JWKIdentifier {
        JWKIdentifier(string: String(key.id))
    }
}

/// A session token as issued: the token, when it expires, and the member it is for.
public struct IssuedSessionToken: Sendable {
    /// The token; clients send it as `Authorization: Bearer <token>`. Secret: never log it.
    public let token: String
    /// When it stops working (whole seconds).
    public let expiresAt: Date
    /// The member it was issued to, as read when it was issued.
    public let member: Member
}
