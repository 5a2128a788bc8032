/// Hands webhook events to the webhook service. Implementations enqueue one delivery per matching endpoint in the
/// caller's transaction, so events exist exactly when the change that caused them committed.
public protocol WebhookPublisher: Sendable {
    @discardableResult
    func publish(_ event: WebhookEvent, in transaction: any StoreTransaction) async throws -> [Delivery]
}
