import Foundation

/// Decides which outbound message an inbound message answers, for the `replied` milestone.
///
/// The rule: the most recent outbound message **in the same chat** that was sent (``Message/StatusTimestamps/sentAt``)
/// at or before the inbound message's arrival and no longer than ``window`` before it. Each outbound message is
/// replied at most once; the caller passes only outbound messages not yet marked replied.
public struct ReplyAttribution: Sendable, Hashable {
    /// How long after sending an inbound message still counts as a reply.
    public var window: Duration

    /// `window` defaults to 72 hours.
    public init(window: Duration = .seconds(72 * 3600)) {
        self.window = window
    }

    /// The outbound message among `candidates` that `inbound` answers, or `nil`.
    public func repliedMessage(for inbound: Message, among candidates: some Sequence<Message>) -> Message? {
        guard inbound.direction == .inbound else { return nil }
        let arrivedAt = inbound.createdAt
        var best: (message: Message, sentAt: Date)?
        for candidate in candidates
        where candidate.direction == .outbound && candidate.chatJID == inbound.chatJID
            && candidate.organizationID == inbound.organizationID && candidate.instanceID == inbound.instanceID
        {
            guard let sentAt = candidate.timestamps.sentAt, sentAt <= arrivedAt,
                arrivedAt.timeIntervalSince(sentAt) <= window.timeInterval
            else { continue }
            if best == nil || sentAt > best!.sentAt || (sentAt == best!.sentAt && candidate.id > best!.message.id) {
                best = (candidate, sentAt)
            }
        }
        return best?.message
    }
}
