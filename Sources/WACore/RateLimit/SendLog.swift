/// The instants of the most recent events of one key (an account's sends), oldest first, in a ring of fixed
/// capacity: exactly what ``SendCaps`` needs to decide its caps over sliding windows.
///
/// A cap of `n` events per window is decided by the `n`-th most recent event alone (the window holds `n` events
/// exactly when that one is inside it), so a log that keeps the latest `max(n)` events decides every cap exactly,
/// and older events never matter: while the caps held, the event before the kept ones was at least a whole window
/// older than the latest one. Memory is 8 bytes per slot (8 KB for a cap of 1,000 a day).
///
/// Instants never go backwards in the log: an event recorded at an earlier instant than the latest (a clock
/// stepped back) is recorded at the latest instant, which keeps the caps conservative.
public struct SendLog: Sendable {
    private var ring: [Int64]
    /// Index of the oldest event in `ring`.
    private var start = 0
    /// How many events the log holds (at most ``capacity``).
    public private(set) var count = 0

    /// An empty log that keeps the latest `capacity` events (at least 1).
    public init(capacity: Int) {
        ring = Array(repeating: 0, count: Swift.max(1, capacity))
    }

    /// A log of `events` (oldest first; sorted if they are not), keeping the latest `capacity` of them.
    public init(events: [RateLimitInstant], capacity: Int) {
        self.init(capacity: capacity)
        for event in events.sorted() { record(event) }
    }

    /// How many events the log keeps.
    public var capacity: Int { ring.count }

    /// The events, oldest first (for storage adapters and inspection).
    public var events: [RateLimitInstant] {
        (0..<count).map { RateLimitInstant(nanosecondsSinceEpoch: ring[slot($0)]) }
    }

    /// The latest event, if any.
    public var latest: RateLimitInstant? { recent(1) }

    /// The `n`-th most recent event (1: the latest), or `nil` when the log holds fewer than `n`.
    public func recent(_ n: Int) -> RateLimitInstant? {
        guard n >= 1, n <= count else { return nil }
        return RateLimitInstant(nanosecondsSinceEpoch: ring[slot(count - n)])
    }

    /// How many events lie strictly after `instant` (binary search).
    public func count(after instant: RateLimitInstant) -> Int {
        let bound = instant.nanosecondsSinceEpoch
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if ring[slot(middle)] > bound { high = middle } else { low = middle + 1 }
        }
        return count - low
    }

    /// Records an event at `instant` (at the latest event's instant if `instant` is earlier); the oldest event
    /// leaves a full log.
    public mutating func record(_ instant: RateLimitInstant) {
        var value = instant.nanosecondsSinceEpoch
        if let latest { value = Swift.max(value, latest.nanosecondsSinceEpoch) }
        if count == ring.count {
            ring[start] = value
            start = start + 1 == ring.count ? 0 : start + 1
        } else {
            ring[slot(count)] = value
            count += 1
        }
    }

    /// The same events in a log of `capacity` slots (keeping the latest ones if it shrinks).
    public func resized(to capacity: Int) -> SendLog {
        var copy = SendLog(capacity: capacity)
        for index in Swift.max(0, count - copy.capacity)..<count {
            copy.record(RateLimitInstant(nanosecondsSinceEpoch: ring[slot(index)]))
        }
        return copy
    }

    /// The ring index of the `index`-th event, oldest first.
    private func slot(_ index: Int) -> Int {
        let raw = start + index
        return raw >= ring.count ? raw - ring.count : raw
    }
}

extension SendLog: Hashable {
    /// Logs are equal when they keep the same events with the same capacity (wherever the ring starts).
    public static func == (lhs: SendLog, rhs: SendLog) -> Bool {
        lhs.capacity == rhs.capacity && lhs.count == rhs.count
            && (0..<lhs.count).allSatisfy { lhs.ring[lhs.slot($0)] == rhs.ring[rhs.slot($0)] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(capacity)
        hasher.combine(count)
        for index in 0..<count { hasher.combine(ring[slot(index)]) }
    }
}
