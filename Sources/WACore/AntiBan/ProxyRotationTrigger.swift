/// Why the rotation policy is asked. Rotation happens only at these points, never in the middle of a session.
public enum ProxyRotationTrigger: String, Sendable, Hashable, Codable, CaseIterable {
    /// A session (re)starts: keep the current proxy if it is still usable, otherwise pick one.
    case sessionStart = "session_start"
    /// The current proxy just failed to connect: move to another healthy proxy.
    case connectionFailure = "connection_failure"
    /// The account is being paired again (new fingerprint generation): prefer a different proxy.
    case repair
}
