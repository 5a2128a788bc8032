/// How many messages reached each milestone. Counts add: the counts of a union of event sets are the sums of the
/// counts of its parts.
public struct MessageCounts: Sendable, Hashable, Codable {
    /// Outbound messages acknowledged by WhatsApp's server (including those later delivered or read).
    public var sent: Int
    /// Outbound messages that reached the recipient's device (including those later read).
    public var delivered: Int
    /// Outbound messages read or played.
    public var read: Int
    /// Outbound messages that could not be sent.
    public var failed: Int
    /// Outbound messages that got a reply.
    public var replied: Int
    /// Inbound messages.
    public var received: Int

    /// Counts with the given values.
    public init(sent: Int = 0, delivered: Int = 0, read: Int = 0, failed: Int = 0, replied: Int = 0, received: Int = 0)
    {
        self.sent = sent
        self.delivered = delivered
        self.read = read
        self.failed = failed
        self.replied = replied
        self.received = received
    }

    /// Outbound send attempts that reached an outcome: `sent + failed` (queued or pending messages are not counted).
    public var attempted: Int { sent + failed }

    /// Counts one milestone.
    public mutating func record(_ milestone: MessageEvent.Milestone) {
        switch milestone {
        case .sent: sent += 1
        case .delivered: delivered += 1
        case .read: read += 1
        case .failed: failed += 1
        case .replied: replied += 1
        case .received: received += 1
        }
    }

    /// Adds `other`'s counts to these.
    public mutating func merge(_ other: MessageCounts) {
        sent += other.sent
        delivered += other.delivered
        read += other.read
        failed += other.failed
        replied += other.replied
        received += other.received
    }

    /// The ratios derived from these counts.
    public var rates: MessageRates { MessageRates(self) }

    /// The sum of two counts.
    public static func + (lhs: MessageCounts, rhs: MessageCounts) -> MessageCounts {
        var sum = lhs
        sum.merge(rhs)
        return sum
    }
}
