import Synchronization
public import WACore

/// An ``AccountNotifier`` that delivers nothing: it keeps every notification, so that a test can take the token a
/// member would have received (``ServiceEnvironment/testing(clock:seed:wakeUps:)`` installs one).
///
/// ```swift
/// let notifier = RecordingAccountNotifier()
/// environment.accountNotifier = notifier
/// _ = try await team.invite(email: "ana@example.com", displayName: "Ana", role: .agent, by: admin)
/// let token = try #require(notifier.last(for: "ana@example.com")).token.reveal()
/// ```
public final class RecordingAccountNotifier: AccountNotifier {
    private let state = Mutex<(notifications: [AccountNotification], failure: WAError?)>(([], nil))

    /// A notifier that records; `failure`, when set, is thrown (after recording) by every delivery.
    public init(failingWith failure: WAError? = nil) {
        state.withLock { $0.failure = failure }
    }

    /// Records `notification`, then throws the configured failure, if any.
    public func deliver(_ notification: AccountNotification) async throws {
        let failure = state.withLock { state in
            state.notifications.append(notification)
            return state.failure
        }
        if let failure { throw failure }
    }

    /// Every notification so far, oldest first.
    public var notifications: [AccountNotification] { state.withLock { $0.notifications } }

    /// The latest notification for the member with `email` (as stored: lower-cased), if any.
    public func last(for email: String) -> AccountNotification? {
        state.withLock { $0.notifications.last { $0.member.email == email } }
    }
}
