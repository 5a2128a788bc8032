import Testing
import WACore

@Suite("Tiered rate limits")
struct TieredRateLimitTests {
    static let standard = try! TieredRateLimit(InstanceRateLimits.standard)

    @Test("standard instance tiers: 20/minute, 100/hour, 1000/day")
    func standardTiers() {
        let tiers = Self.standard.tiers
        #expect(tiers.map(\.limit) == [20, 100, 1000])
        #expect(tiers.map(\.emissionInterval) == [.seconds(3), .seconds(36), .milliseconds(86_400)])
    }

    @Test("tier counts outside 1…4 and zero rates are errors")
    func invalid() throws {
        expectWAError(.invalidArgument) { try TieredRateLimit([]) }
        let one = try RateLimit(count: 1, per: .seconds(1))
        expectWAError(.invalidArgument) { try TieredRateLimit([one, one, one, one, one]) }
        expectWAError(.invalidArgument) {
            try TieredRateLimit(InstanceRateLimits(perMinute: 0, perHour: 100, perDay: 1000))
        }
    }

    @Test("the minute tier binds first; a burst of 20 then one every 3 s")
    func minuteTier() {
        var state: TieredRateLimitState? = nil
        for i in 0..<20 {
            let decision = Self.standard.evaluate(&state, now: rateLimitEpoch)
            #expect(decision.isAllowed)
            #expect(decision.status.remaining == 19 - i)
            #expect(decision.status.tier == 0)
        }
        let denied = Self.standard.evaluate(&state, now: rateLimitEpoch)
        #expect(denied.status.tier == 0)
        #expect(denied.retryAfter == .seconds(3))
        #expect(Self.standard.evaluate(&state, now: rateLimitEpoch + .seconds(3)).isAllowed)
    }

    @Test("a denied request leaves every tier unchanged")
    func deniedConsumesNothing() throws {
        // Tier 0: 2 per second; tier 1: 3 per 10 s.
        let tiers = try TieredRateLimit([
            RateLimit(count: 2, per: .seconds(1)),
            RateLimit(count: 3, per: .seconds(10)),
        ])
        var state: TieredRateLimitState? = nil
        #expect(tiers.evaluate(&state, now: rateLimitEpoch).isAllowed)
        #expect(tiers.evaluate(&state, now: rateLimitEpoch).isAllowed)
        let snapshot = state
        // Tier 0 is full: refused many times; tier 1 (which would still pass) must not be charged.
        for _ in 0..<10 {
            let denied = tiers.evaluate(&state, now: rateLimitEpoch)
            #expect(denied.status.tier == 0)
            #expect(denied.retryAfter == .milliseconds(500))
        }
        #expect(state == snapshot)
        // Proof by later decisions: tier 1 still has exactly one unit left.
        let third = tiers.evaluate(&state, now: rateLimitEpoch + .milliseconds(500))
        #expect(third.isAllowed)
        #expect(third.status.tier == 1)
        #expect(third.status.remaining == 0)
        let fourth = tiers.evaluate(&state, now: rateLimitEpoch + .seconds(2))
        #expect(fourth.status.tier == 1)
        #expect(fourth.retryAfter == .nanoseconds(1_333_333_333))

        // And the reverse: tier 1 refuses, tier 0 (which would pass) is not charged.
        let snapshot2 = state
        for _ in 0..<5 { #expect(!tiers.evaluate(&state, now: rateLimitEpoch + .seconds(3)).isAllowed) }
        #expect(state == snapshot2)
    }

    @Test("the reported wait is the longest of the refusing tiers, and exactly then it passes")
    func longestWaitAndBoundary() throws {
        let tiers = try TieredRateLimit([
            RateLimit(count: 1, per: .seconds(1), burst: 0),
            RateLimit(count: 2, per: .seconds(60), burst: 0),
        ])
        var state: TieredRateLimitState? = nil
        #expect(tiers.evaluate(&state, now: rateLimitEpoch).isAllowed)
        let denied = tiers.evaluate(&state, now: rateLimitEpoch)
        #expect(denied.retryAfter == .seconds(30))
        #expect(denied.status.tier == 1)
        let at = rateLimitEpoch + .seconds(30)
        #expect(!tiers.evaluate(&state, now: at - .nanoseconds(1)).isAllowed)
        #expect(tiers.evaluate(&state, now: at).isAllowed)
    }

    @Test("a tier the request can never pass dominates any wait")
    func neverDominates() throws {
        let tiers = try TieredRateLimit([
            RateLimit(count: 10, per: .seconds(1)),
            RateLimit(count: 1, per: .seconds(1), burst: 1),
        ])
        var state: TieredRateLimitState? = nil
        let decision = tiers.evaluate(&state, now: rateLimitEpoch, quantity: 3)
        #expect(decision.isNeverAllowed)
        #expect(decision.status.tier == 1)
        #expect(state == nil)
    }

    @Test("clock going backwards grants nothing; a big forward jump restores every tier")
    func clockJumps() {
        var state: TieredRateLimitState? = nil
        for _ in 0..<20 { _ = Self.standard.evaluate(&state, now: rateLimitEpoch) }
        let snapshot = state
        for back in [Duration.seconds(1), .seconds(60), .seconds(86_400 * 30)] {
            let decision = Self.standard.evaluate(&state, now: rateLimitEpoch - back)
            #expect(!decision.isAllowed)
            #expect(decision.retryAfter! >= back)
        }
        #expect(state == snapshot)
        let later = rateLimitEpoch + .seconds(86_400 * 2)
        let peek = Self.standard.evaluate(&state, now: later, quantity: 0)
        #expect(peek.status.remaining == 20)
        #expect(Self.standard.evaluate(&state, now: later, quantity: 20).isAllowed)
        #expect(!Self.standard.evaluate(&state, now: later).isAllowed)
    }

    @Test("the hour tier caps sustained minute-rate traffic at 100")
    func hourTier() {
        var state: TieredRateLimitState? = nil
        var now = rateLimitEpoch
        var sent = 0
        // Try every 3 s (the minute tier's sustained rate) for an hour.
        for _ in 0..<1_200 {
            if Self.standard.evaluate(&state, now: now).isAllowed { sent += 1 }
            now += .seconds(3)
        }
        // 100 at once from the hour tier's burst plus the refill of one per 36 s over the hour.
        #expect(sent == 100 + 99)
        let decision = Self.standard.evaluate(&state, now: now)
        #expect(decision.status.tier >= 1)
    }

    @Test("a policy with more tiers than the stored state treats the new tiers as rested")
    func growingPolicy() throws {
        let one = try TieredRateLimit([RateLimit(count: 5, per: .seconds(5))])
        let two = try TieredRateLimit([RateLimit(count: 5, per: .seconds(5)), RateLimit(count: 2, per: .seconds(60))])
        var state: TieredRateLimitState? = nil
        _ = one.evaluate(&state, now: rateLimitEpoch, quantity: 3)
        let decision = two.evaluate(&state, now: rateLimitEpoch, quantity: 2)
        #expect(decision.isAllowed)
        #expect(state?[0] == rateLimitEpoch + .seconds(5))
        #expect(state?[1] == rateLimitEpoch + .seconds(60))
        #expect(state?[2] == nil)
    }

    @Test("throttle factor scales every tier")
    func throttled() {
        let slow = Self.standard.scaled(by: 0.25)
        #expect(slow.tiers.map(\.limit) == [5, 25, 250])
        #expect(Self.standard.scaled(by: 1) == Self.standard)
    }
}
