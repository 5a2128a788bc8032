public import Foundation

/// What engagement segmentation needs to know about one contact, folded from its ``MessageEvent``s (or filled
/// by a storage query).
public struct ContactActivity: Sendable, Hashable, Codable {
    /// The contact.
    public var contactID: ContactID
    /// Whether the contact opted out.
    public var optedOut: Bool
    /// The last inbound message.
    public var lastInboundAt: Date?
    /// Outbound messages sent to the contact.
    public var outboundCount: Int
    /// Outbound messages the contact replied to.
    public var repliedCount: Int
    /// The most recent outbound messages, newest last, with whether each was replied to (at most
    /// ``recentLimit``).
    public var recentOutbound: [RecentOutbound]
    /// How many recent outbound messages are kept (the `M` of "replied to N of the last M").
    public var recentLimit: Int

    /// How many recent outbound messages a store keeps per contact: 32 (``EngagementPolicy/maximumLookback``).
    public static let storedRecentLimit = 32

    /// One recent outbound message.
    public struct RecentOutbound: Sendable, Hashable, Codable {
        /// The outbound message.
        public var messageID: MessageID
        /// When it was sent.
        public var sentAt: Date
        /// Whether the contact replied to it.
        public var replied: Bool
        /// A recent outbound message.
        public init(messageID: MessageID, sentAt: Date, replied: Bool) {
            self.messageID = messageID
            self.sentAt = sentAt
            self.replied = replied
        }
    }

    /// An activity with the given values; `recentOutbound` keeps its last `recentLimit` entries (`recentLimit` ≥ 1).
    public init(
        contactID: ContactID, optedOut: Bool = false, lastInboundAt: Date? = nil, outboundCount: Int = 0,
        repliedCount: Int = 0, recentOutbound: [RecentOutbound] = [], recentLimit: Int = 10
    ) {
        self.contactID = contactID
        self.optedOut = optedOut
        self.lastInboundAt = lastInboundAt
        self.outboundCount = outboundCount
        self.repliedCount = repliedCount
        self.recentLimit = Swift.max(1, recentLimit)
        self.recentOutbound = Array(recentOutbound.suffix(self.recentLimit))
    }

    /// The activity of `contact` (opt-out and last inbound), before any events.
    public init(contact: Contact, recentLimit: Int = 10) {
        self.init(
            contactID: contact.id, optedOut: contact.optedOut, lastInboundAt: contact.lastInboundAt,
            recentLimit: recentLimit)
    }

    /// The activity segments are decided on (``ContactActivityRepository``): `stored` (or none), with the contact's
    /// own opt-out and the later of the contact's and the stored last inbound time.
    public init(contact: Contact, stored: ContactActivity?) {
        var activity = stored ?? ContactActivity(contactID: contact.id, recentLimit: Self.storedRecentLimit)
        activity.optedOut = contact.optedOut
        if let last = contact.lastInboundAt {
            activity.lastInboundAt = Swift.max(activity.lastInboundAt ?? last, last)
        }
        self = activity
    }

    /// Folds in one event of this contact (events of other contacts are ignored): `sent` counts an outbound
    /// message, `replied` marks it, `received` moves ``lastInboundAt``.
    public mutating func record(_ event: MessageEvent) {
        guard event.contactID == contactID else { return }
        switch event.milestone {
        case .sent:
            outboundCount += 1
            recentOutbound.append(RecentOutbound(messageID: event.messageID, sentAt: event.occurredAt, replied: false))
            recentOutbound.sort { ($0.sentAt, $0.messageID) < ($1.sentAt, $1.messageID) }
            if recentOutbound.count > recentLimit { recentOutbound.removeFirst(recentOutbound.count - recentLimit) }
        case .replied:
            repliedCount += 1
            if let index = recentOutbound.firstIndex(where: { $0.messageID == event.messageID }) {
                recentOutbound[index].replied = true
            }
        case .received:
            lastInboundAt = Swift.max(lastInboundAt ?? event.occurredAt, event.occurredAt)
        case .delivered, .read, .failed:
            break
        }
    }
}
