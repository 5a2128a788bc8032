/// Where a message is on its way. Status only moves forward:
/// `queued → pending → sent → delivered → read → played`, or to `failed` from any state before `sent`
/// (a message the server acknowledged cannot fail any more).
///
/// The mapping from WhatsApp Web acks and Cloud API statuses lives with the transport; this type only knows the
/// order (`reference/peers.md` §4).
public enum MessageStatus: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Accepted by the gateway, waiting for its turn (rate limits, behaviour plan).
    case queued
    /// Handed to WhatsApp Web, not yet acknowledged by the server (ack 0).
    case pending
    /// Acknowledged by WhatsApp's server (ack 1).
    case sent
    /// Delivered to the recipient's device (ack 2).
    case delivered
    /// Read by the recipient (ack 3).
    case read
    /// A voice note or video played (ack 4).
    case played
    /// Could not be sent; ``Message/error`` says why.
    case failed

    /// Position in the forward order (`failed` has none).
    public var rank: Int? {
        switch self {
        case .queued: 0
        case .pending: 1
        case .sent: 2
        case .delivered: 3
        case .read: 4
        case .played: 5
        case .failed: nil
        }
    }

    /// Whether a message in this status may move to `next`. Late or repeated reports (a `delivered` after `read`)
    /// are not transitions and should be ignored, not treated as errors.
    public func canAdvance(to next: MessageStatus) -> Bool {
        switch (rank, next.rank) {
        case (let current?, let target?): target > current
        case (let current?, nil): current < 2  // before `sent`
        case (nil, _): false
        }
    }

    /// Whether the message has reached the recipient's device (delivered, read or played).
    public var isDelivered: Bool { (rank ?? -1) >= 3 }

    public var description: String { rawValue }
}
