import Synchronization
public import WACore

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

extension HealthCheck {
    /// The store answers: an empty system-scope transaction commits within `timeout` (default 2 s). On PostgreSQL
    /// that is a connection from the pool and a round trip to the server; a database that does not answer makes
    /// `GET /ready` say `store` after `timeout` instead of hanging with it.
    public static func store(_ store: any Store, timeout: Duration = .seconds(2)) -> HealthCheck {
        HealthCheck(name: "store") {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let once = ResumeOnce()
                let probe = Task { (try? await store.transaction(.system) { _ in }) != nil }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    if once.claim() {
                        probe.cancel()
                        continuation.resume(returning: false)
                    }
                }
                Task {
                    let answered = await probe.value
                    timer.cancel()
                    if once.claim() { continuation.resume(returning: answered) }
                }
            }
        }
    }
}

/// Lets the first of several racing tasks resume a continuation.
private final class ResumeOnce: Sendable {
    private let claimed = Mutex(false)

    /// `true` for the first caller only.
    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
