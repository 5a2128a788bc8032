/// What message rollups store per ``RollupSlot``: milestone counts and the two latency sketches, all of which add.
///
/// Unlike ``MessageStats``, whose latency distributions are exact while small, stored figures always keep their
/// latencies in a ``LogHistogramSketch`` with fixed parameters (``latencyAccuracy``, ``minimumLatency``): a row
/// stays small however many messages it counts, and adding to it is a sum of bucket counts that a database does
/// in one statement. Percentiles read from rollups are therefore within 1 % of the exact nearest-rank value.
///
/// Figures form a commutative monoid under ``merge(_:)``: the figures of the parts of an event set add up to
/// exactly (`==`) the figures of the whole.
public struct RollupFigures: Sendable, Hashable, Codable {
    /// The relative accuracy of every stored latency sketch: 1 %.
    public static let latencyAccuracy = 0.01
    /// The smallest latency the stored sketches resolve: 1 ms.
    public static let minimumLatency = 0.001

    /// How many events of each milestone.
    public var counts: MessageCounts
    /// Seconds from `sent` to `delivered`.
    public var timeToDelivered: LogHistogramSketch
    /// Seconds from `sent` to `read`.
    public var timeToRead: LogHistogramSketch

    /// Empty figures.
    public init() {
        counts = MessageCounts()
        timeToDelivered = Self.emptySketch()
        timeToRead = Self.emptySketch()
    }

    /// The figures of `events`.
    public init(_ events: some Sequence<MessageEvent>) {
        self.init()
        for event in events { record(event) }
    }

    /// An empty sketch with the stored parameters.
    public static func emptySketch() -> LogHistogramSketch {
        LogHistogramSketch(relativeAccuracy: latencyAccuracy, minimumValue: minimumLatency)
    }

    /// Whether nothing was recorded.
    public var isEmpty: Bool { self == RollupFigures() }

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

    /// Adds `other`.
    public mutating func merge(_ other: RollupFigures) {
        counts.merge(other.counts)
        timeToDelivered.merge(other.timeToDelivered)
        timeToRead.merge(other.timeToRead)
    }

    /// The figures as ``MessageStats`` (latency distributions in sketch mode, configured by
    /// ``latencyConfiguration``).
    public var stats: MessageStats {
        var stats = MessageStats(configuration: Self.latencyConfiguration)
        stats.counts = counts
        stats.timeToDelivered = LatencyDistribution(timeToDelivered)
        stats.timeToRead = LatencyDistribution(timeToRead)
        return stats
    }

    /// The latency configuration of ``stats``: always a sketch, with the stored parameters.
    public static let latencyConfiguration = LatencyDistribution.Configuration(
        exactLimit: 0, relativeAccuracy: latencyAccuracy, minimumValue: minimumLatency)

    /// The figures `events` add, per slot.
    public static func increments(for events: some Sequence<MessageEvent>) -> [RollupSlot: RollupFigures] {
        var increments: [RollupSlot: RollupFigures] = [:]
        for event in events { increments[RollupSlot(event), default: RollupFigures()].record(event) }
        return increments
    }
}
