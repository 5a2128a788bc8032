public import Foundation

/// A message to send.
public struct OutgoingMessage: Sendable, Hashable {
    /// The chat to send to.
    public var chat: JID
    public var content: Content
    /// The WhatsApp message id to give the message (`3EB0…`), chosen by the gateway so that a retried send is
    /// recognised (see ``WhatsAppSession/send(_:)``). ``clientMessageID(for:)`` derives it from the message's id.
    public var clientMessageID: String
    /// Reply to this message.
    public var quotedWhatsappID: String?

    public init(chat: JID, content: Content, clientMessageID: String, quotedWhatsappID: String? = nil) {
        self.chat = chat
        self.content = content
        self.clientMessageID = clientMessageID
        self.quotedWhatsappID = quotedWhatsappID
    }

    /// What the message carries.
    public enum Content: Sendable, Hashable {
        case text(String)
        case media(MediaPayload)
        case location(Message.Location)
        /// A contact card: display name and vCard text.
        case contactCard(name: String, vCard: String)
    }

    /// A stable WhatsApp-style message id for one of our messages: `3EB0` followed by 16 upper-case hex digits
    /// taken from the message id, so every retry of the same message uses the same id.
    public static func clientMessageID(for id: MessageID) -> String {
        let bits = id.low ^ (id.high &* 0x9E37_79B9_7F4A_7C15)
        let hex = String(bits, radix: 16, uppercase: true)
        return "3EB0" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Media to send, with its bytes.
public struct MediaPayload: Sendable, Hashable, CustomStringConvertible {
    public var kind: Message.Kind
    public var mimeType: String
    public var fileName: String?
    public var caption: String?
    public var bytes: [UInt8]
    /// Voice notes and videos: duration in seconds, when known.
    public var durationSeconds: Double?

    public init(
        kind: Message.Kind, mimeType: String, fileName: String? = nil, caption: String? = nil, bytes: [UInt8],
        durationSeconds: Double? = nil
    ) {
        self.kind = kind
        self.mimeType = mimeType
        self.fileName = fileName
        self.caption = caption
        self.bytes = bytes
        self.durationSeconds = durationSeconds
    }

    public var description: String { "MediaPayload(\(kind.rawValue), \(mimeType), \(bytes.count) bytes)" }
}

/// WhatsApp's answer to a send.
public struct SendReceipt: Sendable, Hashable {
    /// WhatsApp's full message id (`true_<chat>_<id>`).
    public var whatsappID: String
    /// The chat the message landed in (WhatsApp may have moved a phone-number chat to a LID chat).
    public var chat: JID
    public var status: MessageStatus
    public var timestamp: Date
    /// Whether this was an earlier send of the same client message id (nothing was sent this time).
    public var wasAlreadySent: Bool

    public init(whatsappID: String, chat: JID, status: MessageStatus, timestamp: Date, wasAlreadySent: Bool = false) {
        self.whatsappID = whatsappID
        self.chat = chat
        self.status = status
        self.timestamp = timestamp
        self.wasAlreadySent = wasAlreadySent
    }
}

/// A message received by (or sent from the phone of) the linked account.
public struct IncomingMessage: Sendable, Hashable {
    public var whatsappID: String
    public var chat: JID
    /// The sender (in groups, the participant; may be a LID).
    public var sender: JID
    /// The sender's phone-number JID when WhatsApp revealed it alongside a LID.
    public var senderPhoneJID: JID?
    /// True for messages sent from the phone (or another linked device) of this account.
    public var fromMe: Bool
    public var kind: Message.Kind
    /// The text, or a media message's caption.
    public var body: String?
    /// The media, without its bytes (``WhatsAppSession/downloadMedia(_:)`` fetches them).
    public var media: IncomingMedia?
    public var location: Message.Location?
    public var quotedWhatsappID: String?
    /// The sender's display name ("push name").
    public var pushName: String?
    public var timestamp: Date

    public init(
        whatsappID: String, chat: JID, sender: JID, senderPhoneJID: JID? = nil, fromMe: Bool = false,
        kind: Message.Kind, body: String? = nil, media: IncomingMedia? = nil, location: Message.Location? = nil,
        quotedWhatsappID: String? = nil, pushName: String? = nil, timestamp: Date
    ) {
        self.whatsappID = whatsappID
        self.chat = chat
        self.sender = sender
        self.senderPhoneJID = senderPhoneJID
        self.fromMe = fromMe
        self.kind = kind
        self.body = body
        self.media = media
        self.location = location
        self.quotedWhatsappID = quotedWhatsappID
        self.pushName = pushName
        self.timestamp = timestamp
    }
}

/// The result of looking a number up on WhatsApp.
public struct NumberLookup: Sendable, Hashable {
    /// The phone-number JID (`…@c.us`).
    public var jid: JID
    /// The LID, when WhatsApp revealed it.
    public var lid: JID?
    public var isBusiness: Bool

    public init(jid: JID, lid: JID? = nil, isBusiness: Bool = false) {
        self.jid = jid
        self.lid = lid
        self.isBusiness = isBusiness
    }
}
