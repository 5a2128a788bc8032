/// A named readiness check (the store reachable, the workers running …) that `GET /ready` runs.
public struct HealthCheck: Sendable {
    /// The name `GET /ready` reports when the check fails.
    public var name: String
    /// Whether the part is ready now.
    public var isReady: @Sendable () async -> Bool

    /// A check called `name`.
    public init(name: String, isReady: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.isReady = isReady
    }
}
