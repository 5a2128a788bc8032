/// Where the services find the running session of an instance, and where the running sessions' events go.
///
/// The instance supervisor implements ``SessionDirectory``; the messaging service implements
/// ``SessionEventHandler``. Keeping both as protocols lets each side be tested alone.
public protocol SessionDirectory: Sendable {
    /// The instance's session if it runs on this node and is ready; `nil` otherwise.
    func readySession(for instance: InstanceID) async -> (any WhatsAppSession)?
}

/// Receives what running sessions report, after the supervisor has handled the lifecycle part (status, QR code,
/// reconnects).
public protocol SessionEventHandler: Sendable {
    /// Called for every event of a session, in order, one at a time per instance.
    func handle(_ event: SessionEvent, from instance: Instance) async
}

/// Hands webhook events to the webhook service. Implementations enqueue one delivery per matching endpoint in the
/// caller's transaction, so events exist exactly when the change that caused them committed.
public protocol WebhookPublisher: Sendable {
    @discardableResult
    func publish(_ event: WebhookEvent, in transaction: any StoreTransaction) async throws -> [Delivery]
}
