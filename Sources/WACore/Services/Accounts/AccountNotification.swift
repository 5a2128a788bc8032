public import Foundation

/// A message a member must receive to get into their account: an invitation or a password-reset link, with the
/// single-use token it carries. ``TeamService`` hands it to an ``AccountNotifier`` after the transaction that made
/// the token has committed.
///
/// The token is the only secret here: ``description`` and reflection never show it; ``CredentialToken/reveal()``
/// gives its text, for the notifier to put in a link.
public struct AccountNotification: Sendable, CustomStringConvertible {
    /// What the notification is for.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A new member was invited; the token sets their first password (``TeamService/acceptInvitation(token:password:)``).
        case invitation
        /// A member asked to reset their password; the token sets a new one (``TeamService/resetPassword(token:newPassword:)``).
        case passwordReset = "password_reset"
    }

    public var kind: Kind
    /// The organization the member belongs to (its name and slug, for the message and the sign-in link).
    public var organization: Organization
    /// The member to notify, as stored (e-mail address and display name).
    public var member: Member
    /// The single-use token. Deliver ``CredentialToken/reveal()`` to the member only.
    public var token: CredentialToken
    /// When the token stops working.
    public var expiresAt: Date
    /// Who caused it: the inviting principal for an invitation; `nil` for a reset, which anyone may request.
    public var requestedBy: AuditEvent.Actor?

    /// A notification; ``TeamService`` builds them.
    public init(
        kind: Kind, organization: Organization, member: Member, token: CredentialToken, expiresAt: Date,
        requestedBy: AuditEvent.Actor?
    ) {
        self.kind = kind
        self.organization = organization
        self.member = member
        self.token = token
        self.expiresAt = expiresAt
        self.requestedBy = requestedBy
    }

    public var description: String {
        "AccountNotification(\(kind.rawValue), \(member.id) in \(organization.slug), <redacted>)"
    }
}
