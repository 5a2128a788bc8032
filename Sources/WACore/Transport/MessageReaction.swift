public import Foundation

/// A reaction put on (or taken off) a message, as a ``WhatsAppSession`` reports it
/// (``SessionEvent/reaction(_:)``).
///
/// Each person has at most one reaction per message: a new one replaces theirs, and an empty ``emoji`` removes it.
public struct MessageReaction: Sendable, Hashable {
    /// The WhatsApp id of the message reacted to, as this account knows it (`true_…` for its own messages,
    /// `false_…` for received ones).
    public var whatsappID: String
    /// The chat of that message.
    public var chat: JID
    /// Who reacted (in groups, the participant; this account's own JID when ``fromMe``).
    public var sender: JID
    /// True when this account reacted (from the phone, another linked device, or the gateway).
    public var fromMe: Bool
    /// The emoji; empty when the reaction was removed.
    public var emoji: String
    public var timestamp: Date

    public init(whatsappID: String, chat: JID, sender: JID, fromMe: Bool = false, emoji: String, timestamp: Date) {
        self.whatsappID = whatsappID
        self.chat = chat
        self.sender = sender
        self.fromMe = fromMe
        self.emoji = emoji
        self.timestamp = timestamp
    }

    /// Whether this takes a reaction off rather than putting one on.
    public var isRemoval: Bool { emoji.isEmpty }
}
