public import WACore

extension Principal {
    /// `member` acting in a test, through the embedder's way in (``Principal/authenticatedExternally(_:)``).
    ///
    /// Nothing is weakened for tests: every service re-checks the principal inside its transaction, so `member`
    /// must be the stored record (inserted, active, with this role and these instances). A principal for a member
    /// deactivated, demoted or removed since is refused exactly as in production.
    public static func acting(as member: Member) -> Principal {
        .authenticatedExternally(member)
    }
}
