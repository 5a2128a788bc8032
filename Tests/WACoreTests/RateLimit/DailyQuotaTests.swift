import Foundation
import Testing
import WACore

@Suite("Daily quota")
struct DailyQuotaTests {
    /// 2026-03-14T23:59:59.5Z and the following midnight.
    static let beforeMidnight = RateLimitInstant(Date(timeIntervalSince1970: 1_773_532_799.5))
    static let midnight = RateLimitInstant(Date(timeIntervalSince1970: 1_773_532_800))

    @Test("the plan quota comes from PlanLimits.messagesPerDay")
    func fromPlan() throws {
        #expect(try DailyQuota(Plan.starter.limits).limit == 1_000)
        #expect(try DailyQuota(Plan.pro.limits).limit == 20_000)
        expectWAError(.invalidArgument) { try DailyQuota(limit: -1) }
    }

    @Test("counts up to the limit, then refuses until UTC midnight")
    func countsAndResetsAtMidnight() throws {
        let quota = try DailyQuota(limit: 3)
        var state: DailyQuotaState? = nil
        let start = Self.beforeMidnight - .seconds(3_600)
        for remaining in [2, 1, 0] {
            let decision = quota.evaluate(&state, now: start)
            #expect(decision.isAllowed)
            #expect(decision.status.remaining == remaining)
            #expect(decision.status.resetAfter == .milliseconds(3_600_500))
        }
        let denied = quota.evaluate(&state, now: Self.beforeMidnight)
        #expect(denied.retryAfter == .milliseconds(500))
        #expect(denied.status.limit == 3)
        #expect(denied.status.remaining == 0)
        // One nanosecond before midnight: still refused. At midnight: a fresh day.
        #expect(!quota.evaluate(&state, now: Self.midnight - .nanoseconds(1)).isAllowed)
        let fresh = quota.evaluate(&state, now: Self.midnight)
        #expect(fresh.isAllowed)
        #expect(fresh.status.remaining == 2)
        #expect(fresh.status.resetAfter == .seconds(86_400))
        #expect(state == DailyQuotaState(day: Self.midnight.utcDay, used: 1))
    }

    @Test("a denied request consumes nothing; a request above the whole quota never passes")
    func deniedAndNever() throws {
        let quota = try DailyQuota(limit: 10)
        var state: DailyQuotaState? = nil
        #expect(quota.evaluate(&state, now: Self.midnight, quantity: 8).isAllowed)
        #expect(quota.evaluate(&state, now: Self.midnight, quantity: 3).retryAfter == .seconds(86_400))
        #expect(quota.evaluate(&state, now: Self.midnight, quantity: 11).isNeverAllowed)
        #expect(quota.evaluate(&state, now: Self.midnight, quantity: 2).isAllowed)
        #expect(state?.used == 10)
    }

    @Test("a clock stepping back across midnight does not reset the count")
    func clockBackwards() throws {
        let quota = try DailyQuota(limit: 2)
        var state: DailyQuotaState? = nil
        _ = quota.evaluate(&state, now: Self.midnight + .seconds(10), quantity: 2)
        let back = quota.evaluate(&state, now: Self.beforeMidnight)
        #expect(!back.isAllowed)
        #expect(back.retryAfter == .milliseconds(86_400_500))
        #expect(state?.day == Self.midnight.utcDay)
    }

    @Test("UTC days: floor division, also before 1970")
    func utcDays() {
        #expect(Self.midnight.utcDay == 20_527)
        #expect((Self.midnight - .nanoseconds(1)).utcDay == 20_526)
        #expect(RateLimitInstant(nanosecondsSinceEpoch: -1).utcDay == -1)
        #expect(RateLimitInstant.startOfUTCDay(20_527) == Self.midnight)
    }
}
