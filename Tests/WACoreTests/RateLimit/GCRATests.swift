import Testing
import WACore

/// 2026-01-01T00:00:00Z.
let rateLimitEpoch = RateLimitInstant(nanosecondsSinceEpoch: 1_767_225_600 * 1_000_000_000)

@Suite("GCRA (RateLimit)")
struct GCRATests {
    /// One step of redis-cell's `it_rate_limits` test (reference/security.md §3.1).
    struct Step: Sendable, CustomStringConvertible {
        var offset: Duration
        var quantity: Int
        var remaining: Int
        var resetAfter: Duration
        var retryAfter: Duration?  // nil ↔ redis-cell's -1
        var limited: Bool
        var description: String { "+\(offset) q=\(quantity)" }
    }

    static let redisCellVector: [Step] = [
        Step(offset: .zero, quantity: 6, remaining: 5, resetAfter: .zero, retryAfter: nil, limited: true),
        Step(offset: .zero, quantity: 1, remaining: 4, resetAfter: .seconds(1), retryAfter: nil, limited: false),
        Step(offset: .zero, quantity: 1, remaining: 3, resetAfter: .seconds(2), retryAfter: nil, limited: false),
        Step(offset: .zero, quantity: 1, remaining: 2, resetAfter: .seconds(3), retryAfter: nil, limited: false),
        Step(offset: .zero, quantity: 1, remaining: 1, resetAfter: .seconds(4), retryAfter: nil, limited: false),
        Step(offset: .zero, quantity: 1, remaining: 0, resetAfter: .seconds(5), retryAfter: nil, limited: false),
        Step(offset: .zero, quantity: 1, remaining: 0, resetAfter: .seconds(5), retryAfter: .seconds(1), limited: true),
        Step(offset: .milliseconds(3000), quantity: 1, remaining: 2, resetAfter: .milliseconds(3000), retryAfter: nil, limited: false),
        Step(offset: .milliseconds(3100), quantity: 1, remaining: 1, resetAfter: .milliseconds(3900), retryAfter: nil, limited: false),
        Step(offset: .milliseconds(4000), quantity: 1, remaining: 1, resetAfter: .milliseconds(4000), retryAfter: nil, limited: false),
        Step(offset: .milliseconds(8000), quantity: 1, remaining: 4, resetAfter: .milliseconds(1000), retryAfter: nil, limited: false),
        Step(offset: .milliseconds(9500), quantity: 1, remaining: 4, resetAfter: .milliseconds(1000), retryAfter: nil, limited: false),
        Step(offset: .milliseconds(9500), quantity: 0, remaining: 4, resetAfter: .seconds(1), retryAfter: nil, limited: false),
        Step(offset: .milliseconds(9500), quantity: 2, remaining: 2, resetAfter: .seconds(3), retryAfter: nil, limited: false),
        Step(offset: .milliseconds(9500), quantity: 5, remaining: 2, resetAfter: .seconds(3), retryAfter: .seconds(3), limited: true),
    ]

    static let vectorLimit = try! RateLimit(count: 1, per: .seconds(1), burst: 4)

    static func check(_ decision: RateLimitDecision, _ step: Step, index: Int) {
        #expect(!decision.isAllowed == step.limited, "case \(index): limited")
        #expect(decision.status.limit == 5, "case \(index): limit")
        #expect(decision.status.remaining == step.remaining, "case \(index): remaining")
        #expect(decision.status.resetAfter == step.resetAfter, "case \(index): reset_after")
        #expect(decision.retryAfter == step.retryAfter, "case \(index): retry_after")
    }

    @Test("reproduces redis-cell's 15-step vector exactly (pure)")
    func redisCellVectorPure() {
        let limit = Self.vectorLimit
        #expect(limit.limit == 5)
        var state: GCRAState? = nil
        for (index, step) in Self.redisCellVector.enumerated() {
            let before = state
            let decision = limit.evaluate(&state, now: rateLimitEpoch + step.offset, quantity: step.quantity)
            Self.check(decision, step, index: index)
            if step.limited || step.quantity == 0 { #expect(state == before, "case \(index): no write") }
        }
    }

    @Test("reproduces redis-cell's 15-step vector exactly (memory store)")
    func redisCellVectorStore() async throws {
        let store = MemoryRateLimitStore()
        let key = RateLimitKey(scope: .init(rawValue: 300), text: "foo")
        for (index, step) in Self.redisCellVector.enumerated() {
            let decision = try await store.throttle(
                key, limit: Self.vectorLimit, quantity: step.quantity, now: rateLimitEpoch + step.offset)
            Self.check(decision, step, index: index)
        }
    }

    @Test("zero rates are an error", arguments: [
        (0, Duration.seconds(1)),
        (2_000_000_000, Duration.seconds(1)),  // 0.5 ns per request rounds to a zero interval
    ])
    func zeroRate(count: Int, period: Duration) {
        let error = expectWAError(.invalidArgument) { try RateLimit(count: count, per: period) }
        #expect(error?.message == "Zero rates are not supported")
    }

    @Test("invalid parameters are errors")
    func invalidParameters() {
        expectWAError(.invalidArgument) { try RateLimit(count: -1, per: .seconds(1)) }
        expectWAError(.invalidArgument) { try RateLimit(count: 1, per: .zero) }
        expectWAError(.invalidArgument) { try RateLimit(count: 1, per: .seconds(-5)) }
        expectWAError(.invalidArgument) { try RateLimit(count: 1, per: .seconds(1), burst: -1) }
        expectWAError(.invalidArgument) { try RateLimit(count: 1, per: .seconds(1), burst: Int.max) }
    }

    @Test("parameters: T, tau and the default burst")
    func parameters() throws {
        let limit = try RateLimit(count: 20, per: .seconds(60))
        #expect(limit.burst == 19)
        #expect(limit.limit == 20)
        #expect(limit.emissionInterval == .seconds(3))
        #expect(limit.tolerance == .seconds(60))
    }

    @Test("a request exactly at the allowed instant passes; one nanosecond earlier it fails")
    func boundaryInstants() throws {
        let limit = try RateLimit(count: 1, per: .seconds(6), burst: 0)
        var state: GCRAState? = nil
        #expect(limit.evaluate(&state, now: rateLimitEpoch).isAllowed)
        let denied = limit.evaluate(&state, now: rateLimitEpoch + .seconds(1))
        #expect(denied.retryAfter == .seconds(5))
        let allowedAt = rateLimitEpoch + .seconds(1) + .seconds(5)

        let early = limit.evaluate(&state, now: allowedAt - .nanoseconds(1))
        #expect(!early.isAllowed)
        #expect(early.retryAfter == .nanoseconds(1))
        #expect(early.retryAfterSeconds == 1)
        let exact = limit.evaluate(&state, now: allowedAt)
        #expect(exact.isAllowed)
        #expect(state?.tat == allowedAt + .seconds(6))
    }

    @Test("a clock going backwards grants no extra capacity and does not crash")
    func clockBackwards() throws {
        let limit = try RateLimit(count: 5, per: .seconds(5))  // burst 5 at once, then 1/s
        var state: GCRAState? = nil
        for _ in 0..<5 { #expect(limit.evaluate(&state, now: rateLimitEpoch).isAllowed) }
        #expect(!limit.evaluate(&state, now: rateLimitEpoch).isAllowed)
        // The clock steps back an hour: still limited, and the wait includes the hour.
        let back = rateLimitEpoch - .seconds(3_600)
        let decision = limit.evaluate(&state, now: back)
        #expect(!decision.isAllowed)
        #expect(decision.retryAfter == .seconds(3_601))
        #expect(decision.status.remaining == 0)
        #expect(decision.status.resetAfter == .seconds(3_605))
        // Extreme values saturate rather than trap.
        _ = limit.evaluate(&state, now: RateLimitInstant(nanosecondsSinceEpoch: .min))
        _ = limit.evaluate(&state, now: RateLimitInstant(nanosecondsSinceEpoch: .max))
    }

    @Test("a big forward jump restores the full burst")
    func forwardJump() throws {
        let limit = try RateLimit(count: 5, per: .seconds(5))
        var state: GCRAState? = nil
        for _ in 0..<5 { #expect(limit.evaluate(&state, now: rateLimitEpoch).isAllowed) }
        let later = rateLimitEpoch + .seconds(86_400 * 365)
        let peek = limit.evaluate(&state, now: later, quantity: 0)
        #expect(peek.status.remaining == 5)
        #expect(limit.evaluate(&state, now: later, quantity: 5).isAllowed)
        #expect(!limit.evaluate(&state, now: later).isAllowed)
    }

    @Test("a request larger than the burst never passes and has no retry-after")
    func neverPasses() throws {
        let limit = try RateLimit(count: 10, per: .seconds(10), burst: 2)
        var state: GCRAState? = nil
        let decision = limit.evaluate(&state, now: rateLimitEpoch, quantity: 4)
        #expect(decision.isNeverAllowed)
        #expect(decision.retryAfter == nil)
        #expect(state == nil)
        #expect(limit.evaluate(&state, now: rateLimitEpoch, quantity: 3).isAllowed)
        // Overflowing quantities are refused the same way.
        #expect(limit.evaluate(&state, now: rateLimitEpoch + .seconds(100), quantity: .max).isNeverAllowed)
    }

    @Test("the pure form returns the new state and leaves the input alone")
    func pureForm() throws {
        let limit = try RateLimit(count: 1, per: .seconds(1))
        let (decision, state) = limit.evaluated(nil, now: rateLimitEpoch)
        #expect(decision == .allowed(RateLimitStatus(limit: 1, remaining: 0, resetAfter: .seconds(1))))
        #expect(state == GCRAState(tat: rateLimitEpoch + .seconds(1)))
        let (again, same) = limit.evaluated(state, now: rateLimitEpoch)
        #expect(again == .limited(retryAfter: .seconds(1), RateLimitStatus(limit: 1, remaining: 0, resetAfter: .seconds(1))))
        #expect(same == state)
    }

    @Test("scaling by a throttle factor slows rate and burst")
    func scaling() throws {
        let limit = try RateLimit(count: 20, per: .seconds(60))
        let half = limit.scaled(by: 0.5)
        #expect(half.limit == 10)
        #expect(half.emissionInterval == .seconds(6))
        #expect(half.tolerance == .seconds(60))
        #expect(limit.scaled(by: 1) == limit)
        #expect(limit.scaled(by: 2) == limit)
        #expect(limit.scaled(by: .nan) == limit)
        let tiny = limit.scaled(by: 0)
        #expect(tiny.limit == 1)
        #expect(tiny.emissionInterval == .seconds(3_000))
        var state: GCRAState? = nil
        for _ in 0..<10 { #expect(half.evaluate(&state, now: rateLimitEpoch).isAllowed) }
        #expect(half.evaluate(&state, now: rateLimitEpoch).retryAfter == .seconds(6))
    }

    @Test("HTTP headers")
    func headers() throws {
        let limit = try RateLimit(count: 100, per: .seconds(900))
        var state: GCRAState? = nil
        let ok = limit.evaluate(&state, now: rateLimitEpoch)
        #expect(ok.httpHeaders.map(\.name) == ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"])
        #expect(ok.httpHeaders.map(\.value) == ["100", "99", "9"])
        #expect(WAError.rateLimited(ok) == nil)
        _ = limit.evaluate(&state, now: rateLimitEpoch, quantity: 99)
        let limited = limit.evaluate(&state, now: rateLimitEpoch + .milliseconds(500))
        #expect(limited.httpHeaders.last?.name == "Retry-After")
        #expect(limited.httpHeaders.last?.value == "9")  // 8.5 s rounds up
        #expect(WAError.rateLimited(limited)?.code == .rateLimited)
        #expect(WAError.rateLimited(limited)?.message == "rate limit exceeded; retry after 9 s")
        #expect(WAError.rateLimited(limited)?.retryAfter == .milliseconds(8_500))
        #expect(WAError.rateLimited(limited)?.isRetryable == true)
        let never = limit.evaluate(&state, now: rateLimitEpoch, quantity: 101)
        #expect(WAError.rateLimited(never)?.retryAfter == nil)
        #expect(WAError.rateLimited(never)?.isRetryable == false)
        #expect(!never.httpHeaders.contains { $0.name == "Retry-After" })
    }
}
