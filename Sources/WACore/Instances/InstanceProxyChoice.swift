/// How an instance connects, as ``InstanceProvisioning/proxyChoice(for:pool:assignments:now:trigger:)`` decides
/// from its ``ProxyPolicy``.
public enum InstanceProxyChoice: Sendable, Hashable {
    /// No proxy (policy ``ProxyPolicy/none``).
    case direct
    /// Through this proxy (the fixed one, or the pool's sticky choice).
    case proxy(ProxyServerID)
    /// The policy wants a pool proxy and none is usable now: do not connect (never fall back to direct).
    case unavailable
}
