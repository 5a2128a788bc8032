/// Delivers invitation and password-reset tokens to members (e-mail, a webhook, a chat message, a file an operator
/// reads), so that no API response ever has to carry them.
///
/// ``TeamService`` calls ``deliver(_:)`` once per invitation and reset request, after the transaction that stored
/// the token committed, and outside any transaction. A thrown error is logged by the service (without the token)
/// and changes nothing else: the invitation or reset stands, and the API answer is the same (a reset request must
/// not reveal whether an account exists). Implementations should therefore not block for long; one that must retry
/// queues the notification itself.
///
/// The environment's notifier is ``ServiceEnvironment/accountNotifier``: by default a ``LoggingAccountNotifier``.
/// An adapter provides the real channel (the gateway executable writes a file; SMTP or a webhook plug in the same
/// way).
public protocol AccountNotifier: Sendable {
    /// Delivers `notification` to its member.
    func deliver(_ notification: AccountNotification) async throws
}

/// A notifier that delivers nothing, for applications that take the tokens from ``TeamService``'s return values
/// and deliver them themselves.
public struct DiscardingAccountNotifier: AccountNotifier {
    public init() {}

    /// Does nothing.
    public func deliver(_ notification: AccountNotification) async throws {}
}
