public import Foundation

/// What a client asks to send.
public struct SendMessageRequest: Sendable, Hashable {
    /// Who receives the message.
    public enum Recipient: Sendable, Hashable {
        /// A phone number (must be on WhatsApp).
        case phone(PhoneNumber)
        /// A chat JID: a user (`…@c.us`, `…@lid`) or a group (`…@g.us`).
        case jid(JID)
        /// A stored contact.
        case contact(ContactID)
    }

    /// What the message carries.
    public enum Content: Sendable, Hashable {
        case text(String)
        /// Stored media (uploaded and checked before), with an optional caption and the kind to send it as.
        case media(MediaObjectID, kind: Message.Kind, caption: String?)
        case location(Message.Location)
        case contactCard(name: String, vCard: String)
        /// A stored template rendered for the recipient. The built-in variables (`name`, `first_name`, `phone`,
        /// see ``CampaignVariables``) come from the recipient's contact; `variables` supplies the rest and wins over
        /// the built-ins. A variable the template uses that nobody supplies is `template_variable_missing`; a
        /// supplied variable the template does not use is `template_variable_unknown`.
        case template(TemplateID, variables: [String: String] = [:])
    }

    public var instanceID: InstanceID
    public var recipient: Recipient
    public var content: Content
    /// A client key that makes retries of the same request safe: a second request with the key returns the first
    /// message and sends nothing.
    public var idempotencyKey: String?
    /// Reply to this WhatsApp message id.
    public var quotedWhatsappID: String?
    /// Send at this instant instead of now: the message waits in the queue until then (``Message/scheduledAt``),
    /// at most ``MessagingService/maximumScheduleAhead`` ahead. `nil`, or an instant that passed less than
    /// ``MessagingService/scheduleTolerance`` ago (clock skew), sends now.
    public var scheduledAt: Date?
    /// The campaign the message belongs to. Only the campaign worker sets it, so that the message is tagged in the
    /// transaction that queues it; campaign figures count these messages, so clients cannot.
    public internal(set) var campaignID: CampaignID?

    public init(
        instanceID: InstanceID, recipient: Recipient, content: Content, idempotencyKey: String? = nil,
        quotedWhatsappID: String? = nil, scheduledAt: Date? = nil
    ) {
        self.instanceID = instanceID
        self.recipient = recipient
        self.content = content
        self.idempotencyKey = idempotencyKey
        self.quotedWhatsappID = quotedWhatsappID
        self.scheduledAt = scheduledAt
    }

    /// A text message to a phone number.
    public static func text(_ text: String, to phone: PhoneNumber, from instance: InstanceID, idempotencyKey: String? = nil)
        -> SendMessageRequest
    {
        SendMessageRequest(instanceID: instance, recipient: .phone(phone), content: .text(text), idempotencyKey: idempotencyKey)
    }
}

/// The payload of a `chat.seen` job: send the read receipts of `chat` from `instance`.
struct SeenJobPayload: Codable, Sendable {
    var instance: InstanceID
    var chat: JID
}

/// What the dispatcher needs to put a job in its instance's lane (both payloads carry it).
struct LanePayload: Decodable, Sendable {
    var instance: InstanceID?
}

/// The payload of a `message.send` job.
struct SendJobPayload: Codable, Sendable {
    var message: MessageID
    /// Lets the dispatcher run different instances' sends in parallel without loading the message first.
    var instance: InstanceID?
}
