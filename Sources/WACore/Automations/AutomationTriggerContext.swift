public import Foundation

/// The facts about one inbound message that an automation's trigger is decided on.
///
/// The engine builds it from stored records; tests and callers can build it directly to ask
/// ``Automation/Trigger/matches(_:)`` without a store.
public struct AutomationTriggerContext: Sendable, Hashable {
    /// The message text, or a media message's caption; `nil` for messages without text (keyword and regex
    /// triggers never match those).
    public var body: String?
    /// Whether this is the first inbound message the organization ever stored from the contact.
    public var isFirstInboundFromContact: Bool
    /// When the message arrived (the gateway's clock when it was stored).
    public var receivedAt: Date

    /// Facts for one message.
    public init(body: String?, isFirstInboundFromContact: Bool, receivedAt: Date) {
        self.body = body
        self.isFirstInboundFromContact = isFirstInboundFromContact
        self.receivedAt = receivedAt
    }
}
