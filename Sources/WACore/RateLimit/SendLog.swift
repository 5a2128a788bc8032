/// The instants of the most recent events of one key (an account's sends), oldest first, in a ring that keeps at
/// most ``capacity`` of them: exactly what ``SendCaps`` needs to decide its caps over sliding windows.
///
/// A cap of `n` events per window is decided by the `n`-th most recent event alone (the window holds `n` events
/// exactly when that one is inside it), so a log that keeps the latest `max(n)` events decides every cap exactly,
/// and older events never matter: while the caps held, the event before the kept ones was at least a whole window
/// older than the latest one.
///
/// **Memory** is 8 bytes per event held, not per event allowed: the ring starts small and doubles as events
/// arrive, up to ``capacity`` (8 KB for a cap of 1,000 a day), so a quiet account costs a few hundred bytes.
///
/// **Cost.** ``count(after:cursor:)`` answers "how many events are in this window" from where the same cursor's
/// previous search ended: while windows only slide forward (the clock moves on), it steps over the events that
/// left since, so a decision reads a few neighbouring slots instead of binary-searching the whole ring. The
/// cursors are hints, never part of the log's value: any cursor gives the same answer as ``count(after:)``.
///
/// Instants never go backwards in the log: an event recorded at an earlier instant than the latest (a clock
/// stepped back) is recorded at the latest instant, which keeps the caps conservative.
public struct SendLog: Sendable {
    /// The number of search cursors a log remembers (``count(after:cursor:)``); one per cap of a ``SendCaps``.
    public static let cursorCount = 4
    /// The ring's size before it first grows.
    private static let initialStorage = 16
    /// A cursor walking further than this falls back to a binary search (a clock stepped far back, or a window
    /// that changed length).
    private static let walkLimit = 32

    private var ring: [Int64]
    /// Index of the oldest event in `ring`.
    private var start = 0
    /// How many events the log holds (at most ``capacity``).
    public private(set) var count = 0
    /// How many events the log keeps.
    public private(set) var capacity: Int
    /// The latest event's instant (`Int64.min` while empty), kept beside the ring so that a store's sweep and a
    /// record read no slot.
    private var newest = Int64.min
    /// Where each cursor's last search ended: the logical index (oldest first) of the first event after its
    /// bound. Hints only; excluded from equality.
    private var cursors = Cursors()

    /// An empty log that keeps the latest `capacity` events (at least 1).
    public init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
        ring = Array(repeating: 0, count: Swift.min(self.capacity, Self.initialStorage))
    }

    /// A log of `events` (oldest first; sorted if they are not), keeping the latest `capacity` of them.
    public init(events: [RateLimitInstant], capacity: Int) {
        self.init(capacity: capacity)
        for event in events.sorted() { record(event) }
    }

    /// The events, oldest first (for storage adapters and inspection).
    public var events: [RateLimitInstant] {
        (0..<count).map { RateLimitInstant(nanosecondsSinceEpoch: ring[slot($0)]) }
    }

    /// The latest event, if any.
    public var latest: RateLimitInstant? {
        count == 0 ? nil : RateLimitInstant(nanosecondsSinceEpoch: newest)
    }

    /// The `n`-th most recent event (1: the latest), or `nil` when the log holds fewer than `n`.
    public func recent(_ n: Int) -> RateLimitInstant? {
        guard n >= 1, n <= count else { return nil }
        return RateLimitInstant(nanosecondsSinceEpoch: ring[slot(count - n)])
    }

    /// How many events lie strictly after `instant` (binary search).
    public func count(after instant: RateLimitInstant) -> Int {
        count - firstIndex(after: instant.nanosecondsSinceEpoch, in: 0..<count)
    }

    /// How many events lie strictly after `instant`, searching from where the previous search with the same
    /// `cursor` ended and remembering where this one ends.
    ///
    /// The answer is always the same as ``count(after:)``. Repeated searches with bounds that only move forward
    /// (a sliding window as the clock advances) cost amortised O(1): each event is stepped over once per cursor.
    /// A cursor outside `0..<cursorCount` is not remembered (a plain binary search).
    public mutating func count(after instant: RateLimitInstant, cursor: Int) -> Int {
        guard cursor >= 0, cursor < Self.cursorCount else { return count(after: instant) }
        let bound = instant.nanosecondsSinceEpoch
        var index = Swift.min(Int(cursors[cursor]), count)
        var steps = 0
        // Forward over events that left the window since the last search, back over any that are in it again.
        while index < count, ring[slot(index)] <= bound, steps < Self.walkLimit {
            index += 1
            steps += 1
        }
        while index > 0, ring[slot(index - 1)] > bound, steps < Self.walkLimit {
            index -= 1
            steps += 1
        }
        if steps == Self.walkLimit { index = firstIndex(after: bound, in: 0..<count) }
        cursors[cursor] = Int32(truncatingIfNeeded: index)
        return count - index
    }

    /// Records an event at `instant` (at the latest event's instant if `instant` is earlier); the oldest event
    /// leaves a full log.
    public mutating func record(_ instant: RateLimitInstant) {
        let value = Swift.max(instant.nanosecondsSinceEpoch, newest)
        newest = value
        if count == capacity {
            ring[start] = value
            start = start + 1 == ring.count ? 0 : start + 1
            cursors.shiftDown()  // every event's logical index moved down by one
            return
        }
        if count == ring.count { grow() }
        ring[slot(count)] = value
        count += 1
    }

    /// The same events in a log of `capacity` slots (keeping the latest ones if it shrinks).
    public func resized(to capacity: Int) -> SendLog {
        if capacity >= self.capacity {
            var larger = self
            larger.capacity = capacity  // the ring grows when events arrive
            return larger
        }
        var copy = SendLog(capacity: capacity)
        for index in Swift.max(0, count - copy.capacity)..<count {
            copy.record(RateLimitInstant(nanosecondsSinceEpoch: ring[slot(index)]))
        }
        return copy
    }

    /// Doubles the ring (up to ``capacity``), oldest event first.
    private mutating func grow() {
        let size = Swift.min(capacity, Swift.max(1, ring.count * 2))
        var larger = [Int64]()
        larger.reserveCapacity(size)
        for index in 0..<count { larger.append(ring[slot(index)]) }
        larger.append(contentsOf: repeatElement(0, count: size - count))
        ring = larger
        start = 0
    }

    /// The logical index (oldest first) of the first event in `range` strictly after `bound` (binary search).
    private func firstIndex(after bound: Int64, in range: Range<Int>) -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let middle = (low + high) / 2
            if ring[slot(middle)] > bound { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The ring index of the `index`-th event, oldest first.
    private func slot(_ index: Int) -> Int {
        let raw = start + index
        return raw >= ring.count ? raw - ring.count : raw
    }

    /// ``SendLog/cursorCount`` search positions, stored inline so that a decision allocates nothing.
    private struct Cursors: Sendable {
        private var c0: Int32 = 0
        private var c1: Int32 = 0
        private var c2: Int32 = 0
        private var c3: Int32 = 0

        subscript(index: Int) -> Int32 {
            get {
                switch index {
                case 0: c0
                case 1: c1
                case 2: c2
                default: c3
                }
            }
            set {
                switch index {
                case 0: c0 = newValue
                case 1: c1 = newValue
                case 2: c2 = newValue
                default: c3 = newValue
                }
            }
        }

        /// Moves every position down by one (the oldest event left the log), not below zero.
        mutating func shiftDown() {
            c0 = Swift.max(0, c0 - 1)
            c1 = Swift.max(0, c1 - 1)
            c2 = Swift.max(0, c2 - 1)
            c3 = Swift.max(0, c3 - 1)
        }
    }
}

extension SendLog: Hashable {
    /// Logs are equal when they keep the same events with the same capacity (wherever the ring starts, however
    /// large its storage is, wherever its cursors stand).
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
