public import Foundation

/// One analytics fact: a message reached a milestone (sent, delivered, read, failed, replied) or arrived (received).
///
/// Analytics never reads messages back; it folds these facts. A producer emits each milestone of a message **once**
/// (``Message/advance(to:at:)`` returns `true` exactly once per forward step; ``events(advancing:from:)`` turns that
/// step into the milestones it newly reached, including skipped ones: a `read` receipt that arrives before the
/// `delivered` one yields both). Counting the same milestone twice would inflate counts, so replays must be
/// de-duplicated upstream (e.g. by `messageID` + `milestone`).
///
/// **Attribution.** Every outbound milestone carries the message's ``sentAt``; rollups file the event under the day
/// of ``cohortDate`` — the send time when there is one, otherwise the event's own time (failures before sending,
/// inbound messages). A receipt that arrives on the next day therefore updates the day the message was sent, which
/// keeps daily rates between 0 and 1 and latencies attached to their cohort.
public struct MessageEvent: Sendable, Hashable, Codable {
    /// What happened.
    public enum Milestone: String, Sendable, Hashable, Codable, CaseIterable {
        /// An outbound message was acknowledged by WhatsApp's server.
        case sent
        /// An outbound message reached the recipient's device.
        case delivered
        /// An outbound message was read (or played).
        case read
        /// An outbound message could not be sent.
        case failed
        /// The recipient answered an outbound message (the first inbound message in the chat attributed to it).
        case replied
        /// An inbound message arrived.
        case received
    }

    /// The tenant.
    public var organizationID: OrganizationID
    /// The instance that sent or received the message.
    public var instanceID: InstanceID
    /// The campaign the outbound message belongs to.
    public var campaignID: CampaignID?
    /// The other party, when a known contact.
    public var contactID: ContactID?
    /// The chat.
    public var chatJID: JID?
    /// The message.
    public var messageID: MessageID
    /// Outbound for sent/delivered/read/failed/replied, inbound for received.
    public var direction: Message.Direction
    /// The milestone reached.
    public var milestone: Milestone
    /// When the milestone was reached.
    public var occurredAt: Date
    /// When the outbound message was sent (acknowledged by the server), when it was; `nil` for inbound messages
    /// and for messages that failed before leaving.
    public var sentAt: Date?

    /// An event with the given values.
    public init(
        organizationID: OrganizationID, instanceID: InstanceID, campaignID: CampaignID? = nil,
        contactID: ContactID? = nil, chatJID: JID? = nil, messageID: MessageID, direction: Message.Direction,
        milestone: Milestone, occurredAt: Date, sentAt: Date? = nil
    ) {
        self.organizationID = organizationID
        self.instanceID = instanceID
        self.campaignID = campaignID
        self.contactID = contactID
        self.chatJID = chatJID
        self.messageID = messageID
        self.direction = direction
        self.milestone = milestone
        self.occurredAt = occurredAt
        self.sentAt = sentAt
    }

    /// The instant that decides the event's rollup day: ``sentAt`` when known, else ``occurredAt``.
    public var cohortDate: Date { sentAt ?? occurredAt }

    /// The time from sending to this milestone, for `delivered`, `read` and `replied` events with a known
    /// ``sentAt`` (clamped at 0 against clock skew between devices); `nil` otherwise.
    public var latency: Duration? { latencySeconds.map { .seconds($0) } }

    /// ``latency`` in seconds as the two dates give it, the unit the latency distributions count in (no round trip
    /// through `Duration`, so figures stay exactly what the dates say).
    var latencySeconds: Double? {
        guard let sentAt else { return nil }
        switch milestone {
        case .delivered, .read, .replied: return max(0, occurredAt.timeIntervalSince(sentAt))
        case .sent, .failed, .received: return nil
        }
    }

    /// Every milestone `message` has reached so far: `received` for an inbound message; `sent`, `delivered`,
    /// `read`, `failed` and `replied` from an outbound message's timestamps.
    public static func events(for message: Message) -> [MessageEvent] {
        guard message.direction == .outbound else {
            return [
                MessageEvent(
                    organizationID: message.organizationID, instanceID: message.instanceID,
                    campaignID: message.campaignID, contactID: message.contactID, chatJID: message.chatJID,
                    messageID: message.id, direction: .inbound, milestone: .received, occurredAt: message.createdAt)
            ]
        }
        return events(advancing: message, from: Message.StatusTimestamps())
    }

    /// The milestones `message` reached since its timestamps were `previous` (call it with the timestamps from
    /// before ``Message/advance(to:at:)``). Returns nothing when nothing new was reached, and nothing for inbound
    /// messages (their one `received` fact comes from ``events(for:)`` when they arrive).
    public static func events(advancing message: Message, from previous: Message.StatusTimestamps) -> [MessageEvent] {
        func event(_ milestone: Milestone, _ at: Date) -> MessageEvent {
            MessageEvent(
                organizationID: message.organizationID, instanceID: message.instanceID,
                campaignID: message.campaignID, contactID: message.contactID, chatJID: message.chatJID,
                messageID: message.id, direction: message.direction, milestone: milestone, occurredAt: at,
                sentAt: message.direction == .outbound ? message.timestamps.sentAt : nil)
        }
        guard message.direction == .outbound else { return [] }
        let now = message.timestamps
        var out: [MessageEvent] = []
        if previous.sentAt == nil, let at = now.sentAt { out.append(event(.sent, at)) }
        if previous.deliveredAt == nil, let at = now.deliveredAt { out.append(event(.delivered, at)) }
        if previous.readAt == nil, let at = now.readAt { out.append(event(.read, at)) }
        if previous.failedAt == nil, let at = now.failedAt { out.append(event(.failed, at)) }
        if previous.repliedAt == nil, let at = now.repliedAt { out.append(event(.replied, at)) }
        return out
    }

    /// The `replied` milestone for outbound `message`, answered at `date` (see ``ReplyAttribution`` for choosing
    /// which outbound message an inbound one answers).
    public static func reply(to message: Message, at date: Date) -> MessageEvent {
        MessageEvent(
            organizationID: message.organizationID, instanceID: message.instanceID, campaignID: message.campaignID,
            contactID: message.contactID, chatJID: message.chatJID, messageID: message.id, direction: .outbound,
            milestone: .replied, occurredAt: date, sentAt: message.timestamps.sentAt)
    }
}
