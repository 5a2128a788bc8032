import Foundation

/// A change to a stored message that WhatsApp reports or the gateway makes (deleted for everyone, edited, reacted
/// to, its received media stored or given up), stored with its webhook event in one transaction. Shared by
/// ``MessageEventHandler`` (changes sessions report), ``MessageActionService`` (changes the gateway makes), so a change
/// made here and echoed back by WhatsApp is stored and published once, and ``InboundMedia``.
enum MessageChange {
    /// Applies `apply` to `message`; when it reports a change, stores the message and publishes `type` with `data`
    /// of the stored message. Returns the stored message, or `nil` when there is no message or nothing changed.
    static func record(
        _ message: Message?, publishing type: WebhookEventType, data: (Message) -> JSONValue,
        in tx: any StoreTransaction, webhooks: (any WebhookPublisher)?, ids: IdentifierGenerator, now: Date,
        _ apply: (inout Message, Date) -> Bool
    ) async throws -> Message? {
        guard var message, apply(&message, now) else { return nil }
        message.updatedAt = now
        let stored = try await tx.messages.update(message)
        _ = try await webhooks?.publish(
            WebhookEvent(
                type: type, organizationID: stored.organizationID, instanceID: stored.instanceID, data: data(stored),
                ids: ids),
            in: tx)
        return stored
    }
}
