extension Instance {
    /// The error for a live command (presence, number lookup) that needs a ready session this node does not have.
    ///
    /// An instance that is not running at all — never started, stopped, logged out or failed — is
    /// `invalid_instance_state` (409): the request can only succeed after someone starts or links it, so retrying
    /// it unchanged is pointless. An instance on its way to `ready` (starting, showing a QR or pairing code,
    /// syncing, reconnecting) or run by another node is `session_not_ready` (503, retryable).
    func noReadySessionError(for action: String) -> WAError {
        switch status {
        case .created, .stopped, .loggedOut, .failed:
            WAError(
                .invalidInstanceState,
                "the instance is \(status.rawValue); start and link it before \(action)",
                field: "instance_id")
        case .starting, .awaitingQR, .awaitingPairingCode, .authenticated, .ready, .reconnecting:
            WAError(.sessionNotReady, "the instance has no ready session on this node yet; \(action) waits for it")
        }
    }
}
