public import Foundation

/// One message that travelled (or was meant to travel) through a ``SimulatedWhatsApp`` network, as the network
/// sees it: tests inspect these through ``SimulatedPhone/inbox``, ``SimulatedPhone/sentMessages`` and
/// ``SimulatedWhatsApp/deliveries(to:)``.
public struct SimulatedMessage: Sendable, Hashable {
    /// The WhatsApp message id the sender gave the message (`3EB0…` from the gateway, `3A…` from a phone).
    public var clientMessageID: String
    public var from: PhoneNumber
    /// The recipient; a group message has one copy per member (``SimulatedPhone/inbox`` holds each member's,
    /// ``SimulatedPhone/sentMessages`` the first).
    public var to: PhoneNumber
    /// The chat as the sender addressed it (a `c.us` JID, the recipient's LID, or a group).
    public var chat: JID
    public var content: OutgoingMessage.Content
    public var quotedWhatsappID: String?
    public var sentAt: Date
    /// When the recipient's phone got it; `nil` while in flight or when dropped.
    public var deliveredAt: Date?
    /// When the recipient read it.
    public var readAt: Date?
    /// The status of this copy (for a group message, of this member's copy; the sender's sessions report the
    /// group's status, reached once every member's copy reached it).
    public var status: MessageStatus
    /// Whether a fault injection lost the message (it stays `sent` forever).
    public var isDropped: Bool
    /// The reactions on the message: each account's emoji.
    public var reactions: [PhoneNumber: String] = [:]
    /// When its sender deleted it for everyone.
    public var revokedAt: Date?
    /// When its sender last edited it (``content`` holds the edited text or caption).
    public var editedAt: Date?

    /// A message record (the network creates these; tests may build expected values).
    public init(
        clientMessageID: String, from: PhoneNumber, to: PhoneNumber, chat: JID, content: OutgoingMessage.Content,
        quotedWhatsappID: String? = nil, sentAt: Date, deliveredAt: Date? = nil, readAt: Date? = nil,
        status: MessageStatus = .pending, isDropped: Bool = false
    ) {
        self.clientMessageID = clientMessageID
        self.from = from
        self.to = to
        self.chat = chat
        self.content = content
        self.quotedWhatsappID = quotedWhatsappID
        self.sentAt = sentAt
        self.deliveredAt = deliveredAt
        self.readAt = readAt
        self.status = status
        self.isDropped = isDropped
    }

    /// The text, or a media caption; `nil` for locations and contact cards (named as ``Message/body`` and
    /// ``IncomingMessage/body`` are).
    public var body: String? {
        switch content {
        case .text(let text): text
        case .media(let media): media.caption
        case .location, .contactCard: nil
        }
    }

    /// What kind of message this is.
    public var kind: Message.Kind {
        switch content {
        case .text: .text
        case .media(let media): media.kind
        case .location: .location
        case .contactCard: .contact
        }
    }

    /// The id the sender's devices know the message by: `true_<chat>_<id>`.
    public var senderWhatsappID: String { "true_\(chat)_\(clientMessageID)" }

    /// The id the recipient's devices know the message by: `false_<sender>_<id>`, or in a group
    /// `false_<group>_<id>_<sender>`.
    public var recipientWhatsappID: String {
        chat.isGroup ? "false_\(chat)_\(clientMessageID)_\(from.jid)" : "false_\(from.jid)_\(clientMessageID)"
    }

    /// The id `phone`'s devices know the message by (the sender's or the recipient's).
    func whatsappID(seenBy phone: PhoneNumber) -> String {
        phone == from ? senderWhatsappID : recipientWhatsappID
    }

    /// The chat the message is in for `phone`.
    func chat(seenBy phone: PhoneNumber) -> JID { phone == from || chat.isGroup ? chat : from.jid }

    /// The message as the recipient's linked sessions report it.
    func incoming(pushName: String?) -> IncomingMessage {
        var message = IncomingMessage(
            whatsappID: recipientWhatsappID, chat: chat.isGroup ? chat : from.jid, sender: from.jid, kind: kind, body: body,
            quotedWhatsappID: quotedWhatsappID, pushName: pushName, timestamp: sentAt)
        switch content {
        case .text: break
        case .media(let media):
            message.media = IncomingMedia(
                kind: media.kind, mimeType: media.mimeType, fileName: media.fileName,
                byteCount: Int64(media.bytes.count), durationSeconds: media.durationSeconds,
                handle: recipientWhatsappID)
        case .location(let location): message.location = location
        case .contactCard(_, let vCard): message.body = vCard
        }
        return message
    }

    /// The message as the sender's other linked sessions report it (`fromMe`).
    func outgoingEcho(pushName: String?) -> IncomingMessage {
        var message = incoming(pushName: pushName)
        message.whatsappID = senderWhatsappID
        message.media?.handle = senderWhatsappID
        message.chat = chat
        message.fromMe = true
        return message
    }
}
