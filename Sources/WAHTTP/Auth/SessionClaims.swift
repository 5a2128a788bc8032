import Foundation
import JWTKit

/// The claims of a session token (a JWT, HS256): the member, their organization and the session epoch the token
/// was issued under, with its issue and expiry times.
///
/// The audience names the token's one use, so no other JWT signed with a key derived for another purpose could
/// pass for a session token (the keys are per purpose as well).
struct SessionClaims: JWTPayload {
    static let audience = "wa-gateway/session"

    /// The member's id.
    var sub: SubjectClaim
    /// The member's organization.
    var org: String
    /// ``WACore/Member/sessionEpoch`` when the token was issued.
    var sep: Int
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    /// Checked by jwt-kit after the signature: the audience. Expiry is checked by ``SessionTokens`` against the
    /// gateway's clock, which jwt-kit does not know.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        try aud.verifyIntendedAudience(includes: Self.audience)
    }
}
