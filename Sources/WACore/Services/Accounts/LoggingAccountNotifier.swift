public import Logging

/// The default ``AccountNotifier``: writes each notification, token included, to a log at `notice`, for an operator
/// to pass on to the member.
///
/// This is the zero-configuration choice, and a trade-off to know about: whoever reads this log can use the
/// tokens in it (each is single-use and expires: invitations after 7 days, resets after an hour, by default), so it
/// suits a single operator's deployment, a demo and development. Send it to a log only the operator reads (the
/// logger's label is ``label`` unless another logger is given, so a `LoggingSystem` backend can route it apart),
/// or replace it with a notifier that delivers directly (e-mail, a webhook, a file). Nothing else in WACore ever
/// logs a token.
///
/// Each entry's message names the member and the organization; its metadata holds `kind`, `organization_id`,
/// `organization_slug`, `member_id`, `email`, `expires_at` and `token` (the text to deliver).
public struct LoggingAccountNotifier: AccountNotifier {
    /// The label of the logger used when none is given.
    public static let label = "wa-gateway.account-notifications"

    private let logger: Logger

    /// A notifier that writes to `logger` (by default one labelled ``label``).
    public init(logger: Logger = Logger(label: LoggingAccountNotifier.label)) {
        self.logger = logger
    }

    /// Logs `notification` at `notice`, with the token.
    public func deliver(_ notification: AccountNotification) async throws {
        let what =
            switch notification.kind {
            case .invitation: "invitation"
            case .passwordReset: "password reset"
            }
        logger.notice(
            "\(what) for \(notification.member.email) in \(notification.organization.slug): deliver the token to them",
            metadata: [
                "kind": "\(notification.kind.rawValue)", "organization_id": "\(notification.organization.id)",
                "organization_slug": "\(notification.organization.slug)", "member_id": "\(notification.member.id)",
                "email": "\(notification.member.email)",
                "expires_at": "\(RFC3339Timestamp.string(from: notification.expiresAt))",
                "token": "\(notification.token.reveal())",
            ])
    }
}
