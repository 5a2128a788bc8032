extension Instance {
    /// The error for a live command (presence, number lookup) that needs a ready session this node does not have.
    ///
    /// An instance that waits for a person — never started, stopped, logged out, failed, or showing a QR or pairing
    /// code that nobody has used yet — is `invalid_instance_state` (409): retrying the request unchanged is pointless
    /// until someone starts or links it. An instance on its way to `ready` by itself (starting, syncing after the
    /// link, reconnecting) or run by another node is `session_not_ready` (503, retryable after a few seconds).
    func noReadySessionError(for action: String) -> WAError {
        switch status {
        case .created, .stopped, .loggedOut, .failed:
            WAError(
                .invalidInstanceState, "the instance is \(status.rawValue); start and link it before \(action)",
                field: "instance_id")
        case .awaitingQR, .awaitingPairingCode:
            WAError(
                .invalidInstanceState, "the instance is not linked yet; link it to a phone before \(action)",
                field: "instance_id")
        case .starting, .authenticated, .ready, .reconnecting:
            WAError(
                .sessionNotReady, "the instance has no ready session on this node yet; \(action) waits for it",
                retryAfter: .seconds(5))
        }
    }
}
