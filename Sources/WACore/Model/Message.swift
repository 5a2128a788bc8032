public import Foundation

/// One WhatsApp message, inbound or outbound.
public struct Message: Sendable, Hashable, Codable {
    public var id: MessageID
    public var organizationID: OrganizationID
    public var instanceID: InstanceID
    /// The chat the message belongs to.
    public var chatJID: JID
    /// The other party, when it is a known contact: in a group, the member who wrote an inbound message.
    public var contactID: ContactID?
    /// In a group chat, the member who wrote the message (a phone-number JID, or a LID in groups that hide numbers);
    /// `nil` for the linked account's own messages and outside groups.
    public var author: JID?
    public var direction: Direction
    public var kind: Kind
    /// Text, or the caption of a media message.
    public var body: String?
    /// The attached media, for image, video, audio, voice, document and sticker messages.
    public var media: MediaReference?
    /// A received message's media while its bytes are not stored yet (``MediaDownload``); `nil` once ``media`` is
    /// set, and for messages without media.
    public var mediaDownload: MediaDownload?
    public var location: Location?
    /// A shared contact card (vCard text).
    public var contactCard: String?
    public var status: MessageStatus
    public var timestamps: StatusTimestamps
    /// WhatsApp's own message id (`true_123@c.us_3EB0…`), once known; unique per instance.
    public var whatsappID: String?
    /// The client's idempotency key for outbound sends; unique per instance (the same key on two instances names
    /// two messages).
    public var idempotencyKey: String?
    public var campaignID: CampaignID?
    /// Why the message failed.
    public var error: MessageError?
    /// When the sender deleted it for everyone (the text is kept, as received).
    public var revokedAt: Date?
    /// When its text was last edited (``body`` holds the edited text).
    public var editedAt: Date?
    /// The reactions on the message, one per person, in the order they were first put on
    /// (``applyReaction(_:)``).
    public var reactions: [Reaction]
    /// For an outbound message sent at a chosen time (``SendMessageRequest/scheduledAt``): not sent before this
    /// instant. `nil` for a message sent as soon as pacing allows.
    public var scheduledAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: MessageID, organizationID: OrganizationID, instanceID: InstanceID, chatJID: JID,
        contactID: ContactID? = nil, direction: Direction, kind: Kind, body: String? = nil,
        media: MediaReference? = nil, location: Location? = nil, contactCard: String? = nil,
        status: MessageStatus, timestamps: StatusTimestamps = StatusTimestamps(), whatsappID: String? = nil,
        idempotencyKey: String? = nil, campaignID: CampaignID? = nil, error: MessageError? = nil,
        reactions: [Reaction] = [], createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.instanceID = instanceID
        self.chatJID = chatJID
        self.contactID = contactID
        self.direction = direction
        self.kind = kind
        self.body = body
        self.media = media
        self.location = location
        self.contactCard = contactCard
        self.status = status
        self.timestamps = timestamps
        self.whatsappID = whatsappID
        self.idempotencyKey = idempotencyKey
        self.campaignID = campaignID
        self.error = error
        self.reactions = reactions
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// Moves the message to `status` at `date` if that is a forward move; returns whether it changed.
    /// A late or repeated report leaves the message untouched.
    @discardableResult
    public mutating func advance(to status: MessageStatus, at date: Date) -> Bool {
        guard self.status.canAdvance(to: status) else { return false }
        self.status = status
        timestamps.record(status, at: date)
        updatedAt = date
        return true
    }

    /// Inbound or outbound.
    public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
        case inbound
        case outbound
    }

    /// What the message carries.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case text
        case image
        case video
        case audio
        /// A push-to-talk voice note.
        case voice
        case document
        case sticker
        case location
        /// A shared contact card.
        case contact
    }

    /// A pointer to stored media with what the recipient sees of it.
    public struct MediaReference: Sendable, Hashable, Codable {
        public var mediaID: MediaObjectID
        public var mimeType: String
        public var fileName: String?
        public var byteCount: Int64
        public init(mediaID: MediaObjectID, mimeType: String, fileName: String? = nil, byteCount: Int64) {
            self.mediaID = mediaID
            self.mimeType = mimeType
            self.fileName = fileName
            self.byteCount = byteCount
        }
    }

    /// A shared location.
    public struct Location: Sendable, Hashable, Codable {
        public var latitude: Double
        public var longitude: Double
        public var name: String?
        public var address: String?
        public init(latitude: Double, longitude: Double, name: String? = nil, address: String? = nil) {
            self.latitude = latitude
            self.longitude = longitude
            self.name = name
            self.address = address
        }
    }

    /// When the message reached each status.
    public struct StatusTimestamps: Sendable, Hashable, Codable {
        public var queuedAt: Date?
        public var pendingAt: Date?
        public var sentAt: Date?
        public var deliveredAt: Date?
        public var readAt: Date?
        public var playedAt: Date?
        public var failedAt: Date?
        /// When the first inbound message attributed to this outbound message as its reply arrived
        /// (``ReplyAttribution``). Not a status: a message is replied to whatever its receipts say.
        public var repliedAt: Date?

        public init(
            queuedAt: Date? = nil, pendingAt: Date? = nil, sentAt: Date? = nil, deliveredAt: Date? = nil,
            readAt: Date? = nil, playedAt: Date? = nil, failedAt: Date? = nil, repliedAt: Date? = nil
        ) {
            self.queuedAt = queuedAt
            self.pendingAt = pendingAt
            self.sentAt = sentAt
            self.deliveredAt = deliveredAt
            self.readAt = readAt
            self.playedAt = playedAt
            self.failedAt = failedAt
            self.repliedAt = repliedAt
        }

        /// Records `status` at `date`, filling earlier steps that were skipped (a `read` implies `delivered`).
        public mutating func record(_ status: MessageStatus, at date: Date) {
            switch status {
            case .queued: queuedAt = queuedAt ?? date
            case .pending: pendingAt = pendingAt ?? date
            case .sent: sentAt = sentAt ?? date
            case .delivered:
                sentAt = sentAt ?? date
                deliveredAt = deliveredAt ?? date
            case .read:
                record(.delivered, at: date)
                readAt = readAt ?? date
            case .played:
                record(.read, at: date)
                playedAt = playedAt ?? date
            case .failed: failedAt = failedAt ?? date
            }
        }
    }
}

/// Why a message failed, in a form safe to show to API clients.
public struct MessageError: Sendable, Hashable, Codable {
    /// A stable code (`recipient_not_on_whatsapp`, `rate_limited`, `instance_logged_out`, `transport_error` …).
    public var code: String
    public var message: String
    /// Whether another attempt may succeed.
    public var isRetryable: Bool

    public init(code: String, message: String, isRetryable: Bool) {
        self.code = code
        self.message = message
        self.isRetryable = isRetryable
    }
}

extension Message {
    enum CodingKeys: String, CodingKey {
        case id, organizationID, instanceID, chatJID, contactID, author, direction, kind, body, media, mediaDownload, location
        case contactCard
        case status, timestamps, whatsappID, idempotencyKey, campaignID, error, revokedAt, editedAt, reactions
        case scheduledAt, createdAt, updatedAt, version
    }

    /// Decodes a message; `reactions` is optional (none when absent), so that records stored before it existed load.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(MessageID.self, forKey: .id)
        organizationID = try c.decode(OrganizationID.self, forKey: .organizationID)
        instanceID = try c.decode(InstanceID.self, forKey: .instanceID)
        chatJID = try c.decode(JID.self, forKey: .chatJID)
        contactID = try c.decodeIfPresent(ContactID.self, forKey: .contactID)
        author = try c.decodeIfPresent(JID.self, forKey: .author)
        direction = try c.decode(Direction.self, forKey: .direction)
        kind = try c.decode(Kind.self, forKey: .kind)
        body = try c.decodeIfPresent(String.self, forKey: .body)
        media = try c.decodeIfPresent(MediaReference.self, forKey: .media)
        mediaDownload = try c.decodeIfPresent(MediaDownload.self, forKey: .mediaDownload)
        location = try c.decodeIfPresent(Location.self, forKey: .location)
        contactCard = try c.decodeIfPresent(String.self, forKey: .contactCard)
        status = try c.decode(MessageStatus.self, forKey: .status)
        timestamps = try c.decode(StatusTimestamps.self, forKey: .timestamps)
        whatsappID = try c.decodeIfPresent(String.self, forKey: .whatsappID)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        campaignID = try c.decodeIfPresent(CampaignID.self, forKey: .campaignID)
        error = try c.decodeIfPresent(MessageError.self, forKey: .error)
        revokedAt = try c.decodeIfPresent(Date.self, forKey: .revokedAt)
        editedAt = try c.decodeIfPresent(Date.self, forKey: .editedAt)
        reactions = try c.decodeIfPresent([Reaction].self, forKey: .reactions) ?? []
        scheduledAt = try c.decodeIfPresent(Date.self, forKey: .scheduledAt)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        version = try c.decode(Int.self, forKey: .version)
    }
}
