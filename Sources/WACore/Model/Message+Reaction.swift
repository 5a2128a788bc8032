public import Foundation

extension Message {
    /// A reaction on a message: one per person, the newest one kept.
    public struct Reaction: Sendable, Hashable, Codable {
        /// Who reacted: a contact (in groups, the participant), or the linked account itself.
        public var sender: JID
        /// True when the linked account reacted (through the gateway, the phone or another linked device).
        public var fromMe: Bool
        /// The emoji (never empty: a removed reaction is not kept).
        public var emoji: String
        public var reactedAt: Date

        public init(sender: JID, fromMe: Bool, emoji: String, reactedAt: Date) {
            self.sender = sender
            self.fromMe = fromMe
            self.emoji = emoji
            self.reactedAt = reactedAt
        }

        /// Whether `text` is exactly one emoji: one extended grapheme cluster drawn as an emoji (an emoji presentation
        /// character, or a sequence such as `❤️`, `👍🏽`, a flag or a family).
        public static func isSingleEmoji(_ text: String) -> Bool {
            guard text.count == 1, let first = text.unicodeScalars.first else { return false }
            let scalars = text.unicodeScalars
            if first.properties.isEmojiPresentation { return true }
            // A text-default emoji (❤, ☺) counts with the emoji variation selector or as part of a longer sequence;
            // a keycap (1️⃣) starts with a digit, which alone is not an emoji.
            return first.properties.isEmoji && scalars.count > 1
                && scalars.contains { $0.value == 0xFE0F || $0.value == 0x20E3 || $0.value == 0x200D }
        }

        /// Whether two reactions come from the same person: the account's own reactions are one person whichever
        /// JID (phone number or LID) they were reported with.
        func isSameSender(as other: Reaction) -> Bool {
            fromMe ? other.fromMe : !other.fromMe && sender.withoutDevice == other.sender.withoutDevice
        }
    }

    /// Puts `reaction` on the message in place of the sender's earlier one, or takes the sender's reaction off when
    /// its emoji is empty. Returns whether anything changed: the same reaction reported again (WhatsApp Web echoes
    /// the gateway's own reactions) changes nothing, and nor does a reaction older than the one kept.
    @discardableResult
    public mutating func applyReaction(_ reaction: Reaction) -> Bool {
        let index = reactions.firstIndex { $0.isSameSender(as: reaction) }
        if let index {
            let kept = reactions[index]
            if kept.reactedAt > reaction.reactedAt || kept.emoji == reaction.emoji { return false }
            if reaction.emoji.isEmpty {
                reactions.remove(at: index)
            } else {
                reactions[index] = reaction
            }
            return true
        }
        guard !reaction.emoji.isEmpty else { return false }
        reactions.append(reaction)
        return true
    }
}
