extension WAError.Code {
    /// Another gateway node runs the instance (holds its lease); the request must go to that node, or wait until
    /// it lets the instance go.
    public static let instanceOwnedElsewhere: WAError.Code = "instance_owned_elsewhere"
    /// The instance is not in a state that allows the request (a pairing code for an instance that is already
    /// linked, for example).
    public static let invalidInstanceState: WAError.Code = "invalid_instance_state"
    /// The instance's proxy policy asks for a proxy from the pool and none can take it now (all disabled, cooling
    /// down, unhealthy or full). The instance never falls back to a direct connection.
    public static let noProxyAvailable: WAError.Code = "no_proxy_available"
}
