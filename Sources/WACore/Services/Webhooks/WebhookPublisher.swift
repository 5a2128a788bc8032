/// Hands webhook events to the webhook service. ``WebhookService`` appends each event to its organization's event
/// log in the caller's transaction, so an event exists exactly when the change that caused it committed; its
/// deliveries follow from the log.
public protocol WebhookPublisher: Sendable {
    /// Publishes `event` in `transaction` and returns it with its number in the event log.
    @discardableResult
    func publish(_ event: WebhookEvent, in transaction: any StoreTransaction) async throws -> LoggedEvent
}
