/// Counts and latency distributions of a set of ``MessageEvent``s: the value held per rollup key.
///
/// Stats form a commutative monoid under ``merge(_:)``: the empty value is the identity, and merging the stats of
/// the parts of an event set gives exactly (`==`) the stats of the whole, in any grouping and order.
public struct MessageStats: Sendable, Hashable, Codable {
    /// How many events of each milestone.
    public var counts: MessageCounts
    /// Seconds from `sent` to `delivered`, one value per `delivered` event with a known send time.
    public var timeToDelivered: LatencyDistribution
    /// Seconds from `sent` to `read` (not from `delivered`), one value per `read` event with a known send time.
    public var timeToRead: LatencyDistribution

    /// Empty stats whose latency distributions use `configuration`.
    public init(configuration: LatencyDistribution.Configuration = LatencyDistribution.Configuration()) {
        counts = MessageCounts()
        timeToDelivered = LatencyDistribution(configuration: configuration)
        timeToRead = LatencyDistribution(configuration: configuration)
    }

    /// The stats of `events`.
    public init(
        _ events: some Sequence<MessageEvent>,
        configuration: LatencyDistribution.Configuration = LatencyDistribution.Configuration()
    ) {
        self.init(configuration: configuration)
        for event in events { record(event) }
    }

    /// The ratios of ``counts``.
    public var rates: MessageRates { counts.rates }

    /// Folds in one event.
    public mutating func record(_ event: MessageEvent) {
        counts.record(event.milestone)
        guard let latency = event.latencySeconds else { return }
        switch event.milestone {
        case .delivered: timeToDelivered.add(latency)
        case .read: timeToRead.add(latency)
        case .sent, .failed, .replied, .received: break
        }
    }

    /// Adds `other` (same latency configuration required).
    public mutating func merge(_ other: MessageStats) {
        counts.merge(other.counts)
        timeToDelivered.merge(other.timeToDelivered)
        timeToRead.merge(other.timeToRead)
    }

    /// `self` merged with `other`.
    public func merging(_ other: MessageStats) -> MessageStats {
        var result = self
        result.merge(other)
        return result
    }
}
