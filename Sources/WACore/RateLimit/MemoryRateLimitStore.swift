import Synchronization

/// An in-process ``RateLimitStore``: a sharded hash map of compact states, each shard behind a `Mutex`.
///
/// - **Fast:** an update hashes its key once, takes one shard lock and allocates nothing (single key). Tiered
///   limits keep all tiers of a key in one entry, so a 3-tier decision is one lookup.
/// - **Bounded:** a state whose ``RateLimitState/expiresAt`` has passed holds no information and is dropped —
///   on access, and by amortised sweeps of one shard at a time (when a shard's sweep interval has passed, or
///   when it has doubled in size since its last sweep). Each timed sweep also offers sweeps to the next shards
///   in round-robin order, so shards that see no traffic are reclaimed too. No call ever scans the whole map.
/// - **Atomic:** a multi-key update locks the shards involved in ascending shard order (so concurrent multi-key
///   updates cannot deadlock), decides, and writes everything before releasing any lock it needs.
///
/// Use one store per process; for several gateway nodes use a shared (database) store instead.
public final class MemoryRateLimitStore: RateLimitStore, RateLimitReader {
    /// One shard: a mutex around a dictionary and its sweep bookkeeping.
    private final class Shard: Sendable {
        let state: Mutex<ShardState>
        init(sweepFloor: Int) { state = Mutex(ShardState(sweepFloor: sweepFloor)) }
    }

    private struct ShardState: ~Copyable {
        var entries: [RateLimitKey: RateLimitState] = [:]
        /// When this shard was last swept (nanoseconds; `Int64.min`: never).
        var lastSweep: Int64 = .min
        /// Sweep when the shard reaches this many entries, whatever the time.
        var sweepAtCount: Int
        let sweepFloor: Int

        init(sweepFloor: Int) {
            self.sweepFloor = sweepFloor
            sweepAtCount = sweepFloor
        }

        /// Whether a sweep is due by time (the interval passed, or the clock went back past the last sweep).
        func sweepDueByTime(now: Int64, interval: Int64) -> Bool {
            lastSweep == .min || now < lastSweep || now &- lastSweep >= interval
        }

        /// Sweeps if due: amortised O(1) per operation (a sweep of n entries happens at most once per
        /// `interval`, or after the shard grew to twice its size at the last sweep). Returns whether it was a
        /// timed sweep.
        mutating func sweepIfDue(now: Int64, interval: Int64) -> Bool {
            let timeDue = sweepDueByTime(now: now, interval: interval)
            guard timeDue || entries.count >= sweepAtCount else { return false }
            _ = sweep(now: now)
            return timeDue
        }

        mutating func sweep(now: Int64) -> Int {
            let before = entries.count
            if before > 0 {
                // Removing in place leaves the live entries where they are: nothing is copied or retained.
                let expired = entries.compactMap { $0.value.expiresAt.nanosecondsSinceEpoch > now ? nil : $0.key }
                for key in expired { entries.removeValue(forKey: key) }
            }
            lastSweep = now
            sweepAtCount = Swift.max(sweepFloor, entries.count * 2)
            return before - entries.count
        }
    }

    private let shards: [Shard]
    private let shardShift: UInt64
    /// The next shard offered a sweep on behalf of idle shards.
    private let sweepCursor = Atomic<Int>(0)
    private let sweepIntervalNanoseconds: Int64

    /// A store with `shardCount` shards (rounded up to a power of two, 1 … 4096) that sweeps each shard at most
    /// every `sweepInterval` (and whenever the shard doubled in size since its last sweep).
    public init(shardCount: Int = 64, sweepInterval: Duration = .seconds(10)) {
        var count = 1
        while count < Swift.min(Swift.max(shardCount, 1), 4096) { count <<= 1 }
        shardShift = UInt64(64 - count.trailingZeroBitCount)
        shards = (0..<count).map { _ in Shard(sweepFloor: 256) }
        sweepIntervalNanoseconds = Swift.max(1, sweepInterval.rateLimitNanoseconds)
    }

    /// The number of shards.
    public var shardCount: Int { shards.count }

    /// How many keys are stored (including expired ones not swept yet). Takes every shard lock in turn.
    public var keyCount: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.entries.count } }
    }

    /// Drops every expired state now and returns how many were dropped (for a periodic maintenance task;
    /// not needed for correctness).
    @discardableResult
    public func sweep(now: RateLimitInstant) -> Int {
        shards.reduce(0) { total, shard in
            total + shard.state.withLock { $0.sweep(now: now.nanosecondsSinceEpoch) }
        }
    }

    /// Drops all state.
    public func removeAll() {
        for shard in shards { shard.state.withLock { $0.entries.removeAll() } }
    }

    private func shardIndex(_ key: RateLimitKey) -> Int {
        shards.count == 1 ? 0 : Int(truncatingIfNeeded: key.shardHash >> shardShift)
    }

    // MARK: Synchronous access

    /// The synchronous form of ``update(_:now:_:)-(RateLimitKey,_,_)``: the store never suspends, so callers that
    /// are not async (or benchmarks) may use this directly.
    public func withState<Result: Sendable>(
        _ key: RateLimitKey, now: RateLimitInstant, _ body: (inout RateLimitState?) -> Result
    ) -> Result {
        let nowNanos = now.nanosecondsSinceEpoch
        let interval = sweepIntervalNanoseconds
        let (result, swept) = shards[shardIndex(key)].state.withLock { shard in
            let swept = shard.sweepIfDue(now: nowNanos, interval: interval)
            // `entries[key]` as an inout argument uses the dictionary's in-place accessor: one hash lookup,
            // with insertion or removal decided by the optional written back.
            return (Self.apply(&shard.entries[key], now: nowNanos, body), swept)
        }
        if swept { sweepNextIdleShard(now: nowNanos) }
        return result
    }

    /// Offers a timed sweep to the next two shards in round-robin order (after the caller's lock is released,
    /// so no lock is ever held while taking another outside the ascending order). Two, so that the cursor
    /// outpaces the shards' own timed sweeps and reaches idle shards within about half an interval's traffic.
    private func sweepNextIdleShard(now: Int64) {
        guard shards.count > 1 else { return }
        let first = sweepCursor.wrappingAdd(2, ordering: .relaxed).oldValue
        let interval = sweepIntervalNanoseconds
        for offset in 0..<2 {
            shards[(first &+ offset) & (shards.count - 1)].state.withLock { shard in
                if shard.sweepDueByTime(now: now, interval: interval) { _ = shard.sweep(now: now) }
            }
        }
    }

    private static func apply<Result>(
        _ slot: inout RateLimitState?, now: Int64, _ body: (inout RateLimitState?) -> Result
    ) -> Result {
        if let state = slot, state.expiresAt.nanosecondsSinceEpoch <= now { slot = nil }
        let result = body(&slot)
        if let state = slot, state.expiresAt.nanosecondsSinceEpoch <= now { slot = nil }
        return result
    }

    /// The synchronous form of the multi-key ``update(_:now:_:)-([RateLimitKey],_,_)``.
    ///
    /// - Precondition: `keys` are distinct.
    public func withStates<Result: Sendable>(
        _ keys: [RateLimitKey], now: RateLimitInstant, _ body: (inout [RateLimitState?]) -> Result
    ) -> Result {
        let shardOfKey = keys.map(shardIndex)
        var order: [Int] = []
        order.reserveCapacity(keys.count)
        for (i, key) in keys.enumerated() {
            precondition(!keys[..<i].contains(key), "keys of one rate-limit update must be distinct")
            if !order.contains(shardOfKey[i]) { order.append(shardOfKey[i]) }
        }
        order.sort()
        var states = [RateLimitState?](repeating: nil, count: keys.count)
        var swept = false
        let result = locked(
            level: 0, order: order, keys: keys, shardOfKey: shardOfKey, states: &states,
            now: now.nanosecondsSinceEpoch, swept: &swept, body)
        if swept { sweepNextIdleShard(now: now.nanosecondsSinceEpoch) }
        return result
    }

    /// Locks `order[level...]` one inside the other (ascending shard order), reading each shard's keys after
    /// locking it and writing them back before unlocking it; runs `body` with every lock held.
    private func locked<Result: Sendable>(
        level: Int, order: [Int], keys: [RateLimitKey], shardOfKey: [Int], states: inout [RateLimitState?],
        now: Int64, swept: inout Bool, _ body: (inout [RateLimitState?]) -> Result
    ) -> Result {
        guard level < order.count else { return body(&states) }
        let index = order[level]
        let interval = sweepIntervalNanoseconds
        return shards[index].state.withLock { shard in
            if shard.sweepIfDue(now: now, interval: interval) { swept = true }
            for k in keys.indices where shardOfKey[k] == index {
                // Moved out, not copied: the body then holds the only reference to a state's storage (a send
                // log), so changing it does not copy it. Written back below, before the lock is released.
                if let state = shard.entries.removeValue(forKey: keys[k]), state.expiresAt.nanosecondsSinceEpoch > now {
                    states[k] = state
                }
            }
            let result = locked(
                level: level + 1, order: order, keys: keys, shardOfKey: shardOfKey, states: &states, now: now,
                swept: &swept, body)
            for k in keys.indices where shardOfKey[k] == index {
                if let state = states[k], state.expiresAt.nanosecondsSinceEpoch > now {
                    shard.entries[keys[k]] = state
                } else {
                    shard.entries[keys[k]] = nil
                }
            }
            return result
        }
    }

    // MARK: RateLimitStore

    public func update<Result: Sendable>(
        _ key: RateLimitKey, now: RateLimitInstant, _ body: (inout RateLimitState?) -> Result
    ) async throws(WAError) -> Result {
        withState(key, now: now, body)
    }

    public func update<Result: Sendable>(
        _ keys: [RateLimitKey], now: RateLimitInstant, _ body: (inout [RateLimitState?]) -> Result
    ) async throws(WAError) -> Result {
        withStates(keys, now: now, body)
    }
}

extension MemoryRateLimitStore {
    // Non-generic synchronous entry points: the hot path for in-process callers (and benchmarks). They are
    // specialised inside WACore, so a call from another module runs no generic code.

    /// Synchronously checks and counts a request against one GCRA limit (see
    /// ``RateLimitStore/throttle(_:limit:quantity:now:)``).
    public func evaluate(
        _ key: RateLimitKey, limit: RateLimit, quantity: Int = 1, now: RateLimitInstant
    ) -> RateLimitDecision {
        withState(key, now: now) { stored in
            RateLimitState.evaluate(&stored, limit: limit, now: now, quantity: quantity)
        }
    }

    /// Synchronously checks and counts a request against every tier (see
    /// ``RateLimitStore/throttle(_:tiers:quantity:now:)``).
    public func evaluate(
        _ key: RateLimitKey, tiers: TieredRateLimit, quantity: Int = 1, now: RateLimitInstant
    ) -> RateLimitDecision {
        withState(key, now: now) { stored in
            RateLimitState.evaluate(&stored, tiers: tiers, now: now, quantity: quantity)
        }
    }

    /// Synchronously checks an account's hard send caps and, when they pass, records `quantity` sends at `now` in
    /// its log (``SendCaps/evaluate(_:now:quantity:)`` on the key's ``RateLimitState/sendPacing`` state; a state
    /// of another kind counts as no history). The pause (``SendPacingState/notBefore``) is kept but not checked:
    /// ``SendAdmission`` checks it beside the caps.
    ///
    /// The log is taken out of the store before it is recorded into, so its storage is referenced once and a
    /// decision copies nothing.
    public func evaluate(
        _ key: RateLimitKey, caps: SendCaps, quantity: Int = 1, now: RateLimitInstant
    ) -> RateLimitDecision {
        withState(key, now: now) { stored in
            // Moved out of the entry (not copied), so the log's storage stays referenced once and recording into
            // it copies nothing; moved back afterwards.
            var state: SendPacingState?
            switch stored.take() {
            case .sendPacing(let pacing)?: state = pacing
            case let other: stored = other  // another kind of state counts as no history
            }
            let decision = caps.evaluate(&state, now: now, quantity: quantity)
            if state != nil { stored = .sendPacing(state.take()!) }
            return decision
        }
    }

    /// Synchronously checks and counts units against a daily quota (see
    /// ``RateLimitStore/consume(_:quota:quantity:now:)``).
    public func evaluate(
        _ key: RateLimitKey, quota: DailyQuota, quantity: Int = 1, now: RateLimitInstant
    ) -> RateLimitDecision {
        withState(key, now: now) { stored in
            RateLimitState.evaluate(&stored, quota: quota, now: now, quantity: quantity)
        }
    }
}

extension MemoryRateLimitStore {
    /// The state of `key`, or `nil` when there is none or it has expired at `now`; changes nothing.
    public func state(of key: RateLimitKey, now: RateLimitInstant) async throws(WAError) -> RateLimitState? {
        try await update(key, now: now) { $0 }
    }
}
