import Foundation

/// Turns stored messages into analytics facts: every milestone a message reached (``MessageEvent/events(for:)``)
/// and, once all messages are in, the `replied` milestones (``ReplyAttribution``).
///
/// Reply attribution replays the inbound messages in arrival order (`createdAt`, then id) and, for each, offers
/// the rule the chat's outbound messages not yet replied to: exactly what the live system decides when each
/// inbound message arrives. Candidates are kept per instance and chat, sorted by send time; those sent more than
/// the attribution window before the current arrival are dropped for good (later arrivals are later still), so
/// each inbound message looks only at its chat's recent outbound messages. Messages are kept without their
/// content (body, media, location, card), only what attribution needs.
struct MessageEventScan {
    private struct ChatKey: Hashable {
        var instanceID: InstanceID
        var chatJID: JID
    }

    private struct ChatCandidates {
        var messages: [Message] = []
        var isSorted = true
        /// Messages before this index were sent too long ago to be replied to by the arrivals still to come.
        var start = 0
    }

    let attribution: ReplyAttribution
    private var outbound: [ChatKey: ChatCandidates] = [:]
    private var inbound: [Message] = []

    init(attribution: ReplyAttribution) {
        self.attribution = attribution
    }

    /// Remembers `message` for reply attribution and returns its milestone events.
    mutating func add(_ message: Message) -> [MessageEvent] {
        remember(message)
        return MessageEvent.events(for: message)
    }

    /// Remembers `message` for reply attribution only.
    mutating func remember(_ message: Message) {
        var slim = message
        slim.body = nil
        slim.media = nil
        slim.location = nil
        slim.contactCard = nil
        slim.error = nil
        switch message.direction {
        case .inbound:
            inbound.append(slim)
        case .outbound:
            guard let sentAt = message.timestamps.sentAt else { return }
            let key = ChatKey(instanceID: message.instanceID, chatJID: message.chatJID)
            var chat = outbound[key, default: ChatCandidates()]
            if let last = chat.messages.last, Self.order(last, sentAt, message) { chat.isSorted = false }
            chat.messages.append(slim)
            outbound[key] = chat
        }
    }

    /// The `replied` events of everything added, one per outbound message that got a reply.
    mutating func replyEvents() -> [MessageEvent] {
        inbound.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        var events: [MessageEvent] = []
        for message in inbound {
            let key = ChatKey(instanceID: message.instanceID, chatJID: message.chatJID)
            guard var chat = outbound[key] else { continue }
            if !chat.isSorted {
                chat.messages.sort { ($0.timestamps.sentAt!, $0.id) < ($1.timestamps.sentAt!, $1.id) }
                chat.isSorted = true
            }
            let arrival = message.createdAt
            let oldest = arrival.subtracting(attribution.window)
            while chat.start < chat.messages.count, chat.messages[chat.start].timestamps.sentAt! < oldest {
                chat.start += 1
            }
            // Candidates sent after the arrival cannot be replied to yet: offer the rule only the ones before.
            var end = chat.start
            while end < chat.messages.count, chat.messages[end].timestamps.sentAt! <= arrival { end += 1 }
            if let replied = attribution.repliedMessage(for: message, among: chat.messages[chat.start..<end]),
                let index = chat.messages[chat.start..<end].firstIndex(where: { $0.id == replied.id })
            {
                chat.messages.remove(at: index)
                events.append(MessageEvent.reply(to: replied, at: arrival))
            }
            outbound[key] = chat
        }
        inbound = []
        outbound = [:]
        return events
    }

    /// Whether `last` sorts after a message sent at `sentAt` with `message`'s id.
    private static func order(_ last: Message, _ sentAt: Date, _ message: Message) -> Bool {
        (last.timestamps.sentAt!, last.id) > (sentAt, message.id)
    }
}
