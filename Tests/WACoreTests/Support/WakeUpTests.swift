import Foundation
import Testing
@testable import WACore

/// A job snoozed for a rate limit's retry-after wakes up no earlier than the limit passes, and strictly later than
/// now, however small the wait (a wait below `Date`'s resolution once rescheduled a job for the same instant, and
/// virtual time spun on it forever).
@Suite struct WakeUpTests {
    @Test(arguments: [Duration.zero, .nanoseconds(1), .nanoseconds(50), .microseconds(7), .milliseconds(1), .seconds(6)])
    func theWakeUpIsLaterThanNowAndNeverEarly(_ wait: Duration) {
        let now = Date(timeIntervalSince1970: 1_767_225_600.123_456_7)
        let wake = now.wakeUp(after: wait)
        #expect(wake > now)
        #expect(RateLimitInstant(wake) >= RateLimitInstant(now) + wait)
        #expect(wake.timeIntervalSince(now) <= wait.timeInterval + 0.002)
    }
}
