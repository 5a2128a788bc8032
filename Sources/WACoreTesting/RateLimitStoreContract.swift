public import WACore

/// The behaviour every ``WACore/RateLimitStore`` must have, as a list of runnable cases: atomic read-decide-write
/// of one key or several, expiry, and no admission past a limit however many clients race.
///
/// ```swift
/// @Test(arguments: RateLimitStoreContract.cases)
/// func contract(_ contractCase: RateLimitStoreContract.Case) async throws {
///     try await contractCase.run(on: MemoryRateLimitStore())
/// }
/// ```
///
/// Every case uses keys of its own, drawn at random, so one store (one database table) may be shared by all cases
/// and all runs.
public enum RateLimitStoreContract {
    /// One named behaviour, run against a rate-limit store.
    public typealias Case = ContractCase<any RateLimitStore>

    /// Every case of the contract.
    public static var cases: [Case] {
        [
            Case("rate limits: an update reads what the last one wrote; nil deletes", readsWhatWasWritten),
            Case("rate limits: an expired state reads as nil", expiredStateReadsAsNil),
            Case("rate limits: a multi-key update sees each key in the order given and writes all", multiKey),
            Case("rate limits: keys do not share state", keysAreSeparate),
            Case("rate limits: 8 clients racing one key never get past its limit", racingOneKey),
            Case("rate limits: multi-key admissions racing in opposite orders stay exact and do not deadlock", racingManyKeys),
            Case("rate limits: tiered and daily limits decide as their pure logic does", decisionsMatchTheLogic),
        ]
    }

    /// A fixed instant (2026-01-01T00:00:00Z), so that day boundaries are where the cases expect them.
    static let epoch = RateLimitInstant(nanosecondsSinceEpoch: 1_767_225_600 * 1_000_000_000)

    /// A key no other case or run uses.
    static func freshKey(_ scope: RateLimitKey.Scope = .instanceSends) -> RateLimitKey {
        RateLimitKey(
            scope: scope, primaryHigh: UInt64.random(in: 1...UInt64.max), primaryLow: UInt64.random(in: 0...UInt64.max),
            secondaryHigh: UInt64.random(in: 0...UInt64.max), secondaryLow: UInt64.random(in: 0...UInt64.max))
    }

    static func quota(day: Int64, used: Int64) -> RateLimitState { .dailyQuota(DailyQuotaState(day: day, used: used)) }

    private static func readsWhatWasWritten(_ store: any RateLimitStore, _: Fixtures) async throws {
        let key = freshKey()
        let before = try await store.update(key, now: epoch) { state -> RateLimitState? in
            let seen = state
            state = quota(day: epoch.utcDay, used: 3)
            return seen
        }
        try check(before == nil, "a new key starts with no state")
        let read = try await store.update(key, now: epoch + .seconds(1)) { $0 }
        try check(read == quota(day: epoch.utcDay, used: 3), "the next update reads the written state (\(String(describing: read)))")
        try await store.update(key, now: epoch + .seconds(2)) { $0 = nil }
        let deleted = try await store.update(key, now: epoch + .seconds(3)) { $0 }
        try check(deleted == nil, "a state set to nil is gone")
    }

    private static func expiredStateReadsAsNil(_ store: any RateLimitStore, _: Fixtures) async throws {
        let key = freshKey()
        try await store.update(key, now: epoch) { state in
            var tats = TieredRateLimitState()
            tats[0] = epoch + .seconds(5)
            state = .gcra(tats)
        }
        let alive = try await store.update(key, now: epoch + .seconds(4)) { $0 }
        try check(alive != nil, "a state is there until it expires")
        let expired = try await store.update(key, now: epoch + .seconds(5)) { $0 }
        try check(expired == nil, "a state whose expiry has come reads as nil")
    }

    private static func multiKey(_ store: any RateLimitStore, _: Fixtures) async throws {
        let keys = (0..<4).map { _ in freshKey(.recipient) }
        try await store.update(keys, now: epoch) { states in
            try? check(states.allSatisfy { $0 == nil }, "new keys start with no state")
            for index in states.indices { states[index] = quota(day: epoch.utcDay, used: Int64(index)) }
        }
        let read = try await store.update(Array(keys.reversed()), now: epoch) { $0.map { $0?.dailyQuota?.used } }
        try check(read == [3, 2, 1, 0], "states come in the order of the keys given (\(read))")
        try await store.update([keys[0], keys[2]], now: epoch) { states in states[1] = nil }
        let after = try await store.update(keys, now: epoch) { $0.map { $0?.dailyQuota?.used } }
        try check(after == [0, 1, nil, 3], "one state deleted, the others kept (\(after))")
    }

    private static func keysAreSeparate(_ store: any RateLimitStore, _: Fixtures) async throws {
        let limit = try RateLimit(count: 1, per: .seconds(60))
        let base = freshKey()
        let neighbours = [
            RateLimitKey(scope: .recipient, primaryHigh: base.primaryHigh, primaryLow: base.primaryLow),
            RateLimitKey(
                scope: base.scope, primaryHigh: base.primaryHigh, primaryLow: base.primaryLow, secondaryHigh: 0,
                secondaryLow: 1),
            RateLimitKey(scope: base.scope, primaryHigh: base.primaryHigh, primaryLow: base.primaryLow &+ 1),
        ]
        let first = try await store.throttle(base, limit: limit, now: epoch)
        let second = try await store.throttle(base, limit: limit, now: epoch)
        try check(first.isAllowed && !second.isAllowed, "the key's own limit applies")
        for key in neighbours {
            let decision = try await store.throttle(key, limit: limit, now: epoch)
            try check(decision.isAllowed, "\(key) has a state of its own")
        }
    }

    /// Acceptance: 8 clients hammering one key with a two-tier limit get exactly the limit through.
    private static func racingOneKey(_ store: any RateLimitStore, _: Fixtures) async throws {
        let tiers = try TieredRateLimit([try RateLimit(count: 50, per: .seconds(60)), try RateLimit(count: 70, per: .seconds(3_600))])
        let key = freshKey()
        let admitted = try await race(clients: 8, attempts: 25) { _ in
            try await store.throttle(key, tiers: tiers, now: epoch).isAllowed
        }
        try check(admitted == 50, "the minute tier admits 50 of 200 racing requests (\(admitted))")
        let quota = try DailyQuota(limit: 30)
        let quotaKey = freshKey(.organizationMessages)
        let consumed = try await race(clients: 8, attempts: 10) { _ in
            try await store.consume(quotaKey, quota: quota, now: epoch).isAllowed
        }
        try check(consumed == 30, "a daily quota of 30 admits 30 of 80 racing requests (\(consumed))")
    }

    /// Clients take the same keys in opposite orders, each admission needing every key's quota: the totals stay
    /// exact (all or nothing per admission) and no client waits forever.
    private static func racingManyKeys(_ store: any RateLimitStore, _: Fixtures) async throws {
        let keys = (0..<3).map { _ in freshKey(.organizationMessages) }
        let limit: Int64 = 20
        let admitted = try await race(clients: 8, attempts: 10) { client in
            let order = client.isMultiple(of: 2) ? keys : keys.reversed()
            return try await store.update(order, now: epoch) { states -> Bool in
                let used = states.map { $0?.dailyQuota?.used ?? 0 }
                guard used.allSatisfy({ $0 < limit }) else { return false }
                for index in states.indices {
                    states[index] = quota(day: epoch.utcDay, used: used[index] + 1)
                }
                return true
            }
        }
        let used = try await store.update(keys, now: epoch) { $0.map { $0?.dailyQuota?.used ?? 0 } }
        try check(admitted == Int(limit), "\(admitted) admissions for a limit of \(limit)")
        try check(used == [limit, limit, limit], "every key counted every admission (\(used))")
    }

    /// Runs `attempt` `attempts` times in each of `clients` concurrent tasks (told their client number) and
    /// returns how many attempts were admitted.
    private static func race(
        clients: Int, attempts: Int, _ attempt: @escaping @Sendable (Int) async throws -> Bool
    ) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var count = 0
                    for _ in 0..<attempts where try await attempt(client) { count += 1 }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
    }

    private static func decisionsMatchTheLogic(_ store: any RateLimitStore, _: Fixtures) async throws {
        let tiers = try TieredRateLimit([try RateLimit(count: 3, per: .seconds(10)), try RateLimit(count: 5, per: .seconds(3_600))])
        let key = freshKey()
        var reference: TieredRateLimitState?
        var now = epoch
        for step in 0..<40 {
            let stored = try await store.throttle(key, tiers: tiers, now: now)
            let expected = tiers.evaluate(&reference, now: now, quantity: 1)
            try check(stored == expected, "step \(step): the store decided \(stored), the logic \(expected)")
            now = now + .milliseconds(700 * (step % 5 + 1))
        }
    }
}
