import Testing
import WACore

@Suite("Memory rate-limit store")
struct MemoryRateLimitStoreTests {
    static func key(_ i: Int) -> RateLimitKey {
        RateLimitKey(scope: .instanceSends, primaryHigh: 0x0190_0000_0000_7000, primaryLow: UInt64(i))
    }

    @Test("eviction keeps the store bounded: 100k keys, time passes, a few touches shrink it")
    func evictionAfterTimePasses() async throws {
        let store = MemoryRateLimitStore(shardCount: 64, sweepInterval: .seconds(10))
        let limit = try RateLimit(count: 10, per: .seconds(60))
        for i in 0..<100_000 {
            _ = store.withState(Self.key(i), now: rateLimitEpoch) { state in
                RateLimitState.evaluateForTest(&state, limit: limit, now: rateLimitEpoch)
            }
        }
        #expect(store.keyCount == 100_000)
        // Two minutes later every TAT (now + 6 s) has passed. Touch 300 fresh keys.
        let later = rateLimitEpoch + .seconds(120)
        for i in 0..<300 {
            _ = try await store.throttle(Self.key(1_000_000 + i), limit: limit, now: later)
        }
        #expect(store.keyCount < 1_000)
        #expect(store.keyCount >= 300)
        let remaining = store.keyCount
        #expect(store.sweep(now: later + .seconds(60)) == remaining)
        #expect(store.keyCount == 0)
    }

    @Test("growth alone triggers sweeps: a stream of short-lived keys stays bounded")
    func growthTriggeredSweeps() async throws {
        // A sweep interval far longer than the test: only the growth trigger can sweep.
        let store = MemoryRateLimitStore(shardCount: 8, sweepInterval: .seconds(86_400))
        let limit = try RateLimit(count: 1, per: .milliseconds(10))  // each key lives 10 ms
        var now = rateLimitEpoch
        var peak = 0
        for i in 0..<100_000 {
            _ = try await store.throttle(Self.key(i), limit: limit, now: now)
            now += .milliseconds(1)  // ~10 live keys at any time
            if i % 1_000 == 999 { peak = max(peak, store.keyCount) }
        }
        #expect(peak <= 8 * 256 * 2)
    }

    @Test("an expired state is handed to the body as nil and dropped")
    func expiredOnAccess() throws {
        let store = MemoryRateLimitStore(shardCount: 1, sweepInterval: .seconds(86_400))
        let key = Self.key(1)
        store.withState(key, now: rateLimitEpoch) { state in
            var tats = TieredRateLimitState()
            tats[0] = rateLimitEpoch + .seconds(5)
            state = .gcra(tats)
        }
        #expect(store.keyCount == 1)
        let seen = store.withState(key, now: rateLimitEpoch + .seconds(4)) { $0 }
        #expect(seen != nil)
        let gone = store.withState(key, now: rateLimitEpoch + .seconds(5)) { $0 }
        #expect(gone == nil)
        #expect(store.keyCount == 0)
        // Writing an already-expired state stores nothing.
        store.withState(key, now: rateLimitEpoch + .seconds(10)) { state in
            state = .dailyQuota(DailyQuotaState(day: 0, used: 1))
        }
        #expect(store.keyCount == 0)
    }

    @Test("multi-key updates are all-or-nothing and see each key once")
    func multiKey() throws {
        let store = MemoryRateLimitStore(shardCount: 4)
        let keys = (0..<4).map(Self.key)
        store.withStates(keys, now: rateLimitEpoch) { states in
            for i in states.indices { states[i] = .dailyQuota(DailyQuotaState(day: rateLimitEpoch.utcDay, used: Int64(i))) }
        }
        #expect(store.keyCount == 4)
        let read = store.withStates(keys.reversed(), now: rateLimitEpoch) { $0.map { $0?.dailyQuota?.used } }
        #expect(read == [3, 2, 1, 0])
        store.withStates([keys[0], keys[2]], now: rateLimitEpoch) { states in states[1] = nil }
        #expect(store.keyCount == 3)
    }

    @Test("concurrent throttling never admits more than the limit")
    func concurrentThrottle() async throws {
        let store = MemoryRateLimitStore(shardCount: 4)
        let tiers = try TieredRateLimit([RateLimit(count: 50, per: .seconds(60)), RateLimit(count: 70, per: .seconds(3_600))])
        let key = Self.key(7)
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<100 {
                        if (try? await store.throttle(key, tiers: tiers, now: rateLimitEpoch))?.isAllowed == true {
                            count += 1
                        }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 50)
    }

    @Test("concurrent multi-key admissions stay consistent and do not deadlock")
    func concurrentMultiKey() async throws {
        let store = MemoryRateLimitStore(shardCount: 2)
        let admission = try SendAdmission(
            dailyQuota: DailyQuota(limit: 25), instanceCaps: SendCaps(.standard))
        let org = OrganizationID(high: 1, low: 1)
        let admitted = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    var count = 0
                    for i in 0..<40 {
                        // Several instances of one organization, many chats: only the quota is shared.
                        let keys = SendAdmission.Keys(
                            organization: org, instance: InstanceID(high: 2, low: UInt64(worker % 3)),
                            chat: ChatID(high: 3, low: UInt64(worker * 100 + i)))
                        if (try? await admission.admit(keys, in: store, now: rateLimitEpoch))?.isAdmitted == true {
                            count += 1
                        }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 25)
        let used = try await store.consume(.organizationMessages(org), quota: DailyQuota(limit: 25), quantity: 0, now: rateLimitEpoch)
        #expect(used.status.remaining == 0)
    }

    @Test("synchronous entry points match the async store helpers")
    func synchronousAPI() async throws {
        let sync = MemoryRateLimitStore()
        let async = MemoryRateLimitStore()
        let limit = try RateLimit(count: 3, per: .seconds(3))
        let tiers = try TieredRateLimit([limit, RateLimit(count: 5, per: .seconds(60))])
        let quota = try DailyQuota(limit: 4)
        for step in 0..<12 {
            let now = rateLimitEpoch + .milliseconds(400 * step)
            #expect(sync.evaluate(Self.key(1), limit: limit, now: now) == (try await async.throttle(Self.key(1), limit: limit, now: now)))
            #expect(sync.evaluate(Self.key(2), tiers: tiers, now: now) == (try await async.throttle(Self.key(2), tiers: tiers, now: now)))
            #expect(sync.evaluate(Self.key(3), quota: quota, now: now) == (try await async.consume(Self.key(3), quota: quota, now: now)))
        }
        #expect(sync.evaluate(Self.key(3), quota: quota, now: rateLimitEpoch).status.remaining == 0)
    }

    @Test("the synchronous send-caps entry point decides and records like SendCaps on a state of its own")
    func synchronousSendCaps() throws {
        let store = MemoryRateLimitStore()
        let caps = try SendCaps([WindowCap(count: 3, window: .seconds(10)), WindowCap(count: 5, window: .seconds(60))])
        var expected: SendPacingState? = nil
        var allowed = 0
        for step in 0..<40 {
            let now = rateLimitEpoch + .milliseconds(1_500 * step)
            let quantity = step % 7 == 3 ? 2 : 1
            let decision = store.evaluate(Self.key(1), caps: caps, quantity: quantity, now: now)
            #expect(decision == caps.evaluate(&expected, now: now, quantity: quantity))
            if decision.isAllowed { allowed += quantity }
            let stored = store.withState(Self.key(1), now: now) { $0?.sendPacing }
            #expect(stored == expected)
        }
        #expect(allowed > 0 && allowed < 40)
        // The pause written by SendAdmission survives a caps decision, allowed or not.
        let later = rateLimitEpoch + .seconds(3_600)
        store.withState(Self.key(2), now: later) {
            $0 = .sendPacing(SendPacingState(log: SendLog(capacity: 1), notBefore: later + .seconds(5), horizon: .zero))
        }
        #expect(store.evaluate(Self.key(2), caps: caps, now: later).isAllowed)
        let pacing = store.withState(Self.key(2), now: later) { $0?.sendPacing }
        #expect(pacing?.notBefore == later + .seconds(5))
        #expect(pacing?.log.count == 1 && pacing?.log.capacity == 5)
        // A state of another kind counts as no history and stays when the caps refuse.
        let other = RateLimitState.gcra(TieredRateLimitState(tats: [later + .seconds(30)]))
        store.withState(Self.key(3), now: later) { $0 = other }
        #expect(!store.evaluate(Self.key(3), caps: caps, quantity: 4, now: later).isAllowed)
        #expect(store.withState(Self.key(3), now: later) { $0 } == other)
    }

    @Test("shard counts round up to a power of two")
    func shardCount() {
        #expect(MemoryRateLimitStore(shardCount: 0).shardCount == 1)
        #expect(MemoryRateLimitStore(shardCount: 5).shardCount == 8)
        #expect(MemoryRateLimitStore(shardCount: 100_000).shardCount == 4096)
    }
}

extension RateLimitState {
    /// A single limit on a stored state, as the store helpers do (test convenience for synchronous calls).
    static func evaluateForTest(
        _ stored: inout RateLimitState?, limit: RateLimit, now: RateLimitInstant
    ) -> RateLimitDecision {
        var state = stored?.gcra
        let decision = (try! TieredRateLimit([limit])).evaluate(&state, now: now)
        if let state { stored = .gcra(state) }
        return decision
    }
}
