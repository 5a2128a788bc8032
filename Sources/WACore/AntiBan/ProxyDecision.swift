/// What ``ProxyRotation`` decided for an instance.
public enum ProxyDecision: Sendable, Hashable, Codable {
    /// Keep the current proxy (sticky assignment).
    case keep
    /// Switch to (or start with) this proxy.
    case assign(ProxyServerID)
    /// No proxy in the pool can take the instance now (all disabled, cooling down, unhealthy or full). The
    /// caller should not connect directly: it waits and asks again (the earliest cool-down end is a good time).
    case noneAvailable
}
