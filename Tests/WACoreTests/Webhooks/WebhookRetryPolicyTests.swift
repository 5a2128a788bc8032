import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Webhook retry policy")
struct WebhookRetryPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    /// The standard policy without jitter, for exact schedules.
    static var exactStandard: WebhookRetryPolicy {
        var policy = WebhookRetryPolicy.standard
        policy.jitter = 0
        return policy
    }

    @Test func standardIsSvixSchedule() {
        let policy = Self.exactStandard
        #expect(policy.maxAttempts == 8)
        let delays = (1...8).map { policy.baseDelay(afterAttempt: $0) }
        #expect(delays == [
            .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000), .seconds(36_000),
            .seconds(36_000), nil,
        ])
        // Cumulative: 5 s, 5 min 5 s, 35 min 5 s, 2 h 35 min 5 s, 7 h 35 min 5 s, 17 h 35 min 5 s, 27 h 35 min 5 s.
        var total = Duration.zero
        var cumulative: [Duration] = []
        for delay in delays.compactMap({ $0 }) {
            total += delay
            cumulative.append(total)
        }
        let fullSchedule: Duration = .seconds(99_305)  // 27 h 35 min 5 s
        let threeFailures: Duration = .seconds(2105)  // 35 min 5 s
        #expect(cumulative.last == fullSchedule)
        #expect(cumulative[2] == threeFailures)
        #expect(WebhookRetryPolicy.standard.jitter == 0.1)
    }

    @Test func legacySeedIsTwoToTheNSecondsWithThreeRetries() {
        let policy = WebhookRetryPolicy.legacySeed
        let random = SeededRandomSource(seed: 1)
        #expect((1...4).map { policy.delay(afterAttempt: $0, retryAfter: nil, now: Self.now, random: random) } == [
            .seconds(2), .seconds(4), .seconds(8), nil,
        ])
        // No Retry-After in the legacy preset.
        #expect(policy.delay(afterAttempt: 1, retryAfter: .delay(.seconds(60)), now: Self.now, random: random) == .seconds(2))
    }

    @Test func exponentialBackoffIsCapped() {
        let policy = WebhookRetryPolicy(
            backoff: .exponential(initial: .seconds(5), multiplier: 2), maxAttempts: 12, maxDelay: .seconds(300))
        let random = SeededRandomSource(seed: 1)
        let delays = (1...11).map { policy.delay(afterAttempt: $0, retryAfter: nil, now: Self.now, random: random)! }
        #expect(delays == [5, 10, 20, 40, 80, 160, 300, 300, 300, 300, 300].map { Duration.seconds($0) })
    }

    @Test func jitterStaysWithinBoundsAndVaries() {
        let policy = WebhookRetryPolicy.standard
        let random = SeededRandomSource(seed: 99)
        for attempt in 1...7 {
            let base = policy.baseDelay(afterAttempt: attempt)!
            var seen = Set<Duration>()
            for _ in 0..<200 {
                let delay = policy.delay(afterAttempt: attempt, retryAfter: nil, now: Self.now, random: random)!
                #expect(delay >= base * 0.9 && delay <= base * 1.1, "attempt \(attempt): \(delay)")
                seen.insert(delay)
            }
            #expect(seen.count > 50)
        }
        // Same seed, same schedule.
        let a = (1...7).map { policy.delay(afterAttempt: $0, retryAfter: nil, now: Self.now, random: SeededRandomSource(seed: 5)) }
        let b = (1...7).map { policy.delay(afterAttempt: $0, retryAfter: nil, now: Self.now, random: SeededRandomSource(seed: 5)) }
        #expect(a == b)
    }

    @Test(arguments: [
        (200, WebhookRetryPolicy.Classification.success), (204, .success), (299, .success),
        (301, .retryable), (302, .retryable), (304, .retryable), (100, .retryable),
        (400, .permanent(statusCode: 400, disableEndpoint: false)), (401, .permanent(statusCode: 401, disableEndpoint: false)),
        (403, .permanent(statusCode: 403, disableEndpoint: false)), (404, .permanent(statusCode: 404, disableEndpoint: false)),
        (410, .permanent(statusCode: 410, disableEndpoint: true)), (422, .permanent(statusCode: 422, disableEndpoint: false)),
        (405, .retryable), (408, .retryable), (409, .retryable), (413, .retryable), (429, .retryable),
        (500, .retryable), (502, .retryable), (503, .retryable), (504, .retryable),
    ] as [(Int, WebhookRetryPolicy.Classification)])
    func classifiesStatusCodes(_ status: Int, _ expected: WebhookRetryPolicy.Classification) {
        #expect(WebhookRetryPolicy.standard.classify(.response(statusCode: status)) == expected)
    }

    @Test func classifiesTransportFailuresAndAbort() {
        let policy = WebhookRetryPolicy.standard
        #expect(policy.classify(.timeout) == .retryable)
        #expect(policy.classify(.connectionFailed("connection refused")) == .retryable)
        #expect(policy.classify(.response(statusCode: 500, abortRequested: true)) == .aborted)
        #expect(policy.classify(.response(statusCode: 200, abortRequested: true)) == .success)
        var ignoring = policy
        ignoring.honoursAbortRequest = false
        #expect(ignoring.classify(.response(statusCode: 500, abortRequested: true)) == .retryable)
    }

    @Test func retryAfterLengthensButNeverShortensTheWait() {
        let policy = Self.exactStandard
        let random = SeededRandomSource(seed: 1)
        func delay(_ attempt: Int, _ retryAfter: RetryAfter?) -> Duration? {
            policy.delay(afterAttempt: attempt, retryAfter: retryAfter, now: Self.now, random: random)
        }
        #expect(delay(1, .delay(.seconds(120))) == .seconds(120))
        #expect(delay(1, .delay(.seconds(1))) == .seconds(5))
        #expect(delay(2, .delay(.seconds(120))) == .seconds(300))
        #expect(delay(1, .date(Self.now.addingTimeInterval(3600))) == .seconds(3600))
        #expect(delay(1, .date(Self.now.addingTimeInterval(-3600))) == .seconds(5))
        #expect(delay(1, .delay(.seconds(7 * 86_400))) == .seconds(86_400))  // capped by maxRetryAfter
        #expect(delay(8, .delay(.seconds(10))) == nil)  // exhausted regardless
    }

    @Test(arguments: [
        ("120", RetryAfter.delay(.seconds(120))), (" 0 ", .delay(.zero)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", .date(Date(timeIntervalSince1970: 1_445_412_480))),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", .date(Date(timeIntervalSince1970: 1_445_412_480))),
        ("Wed Oct 21 07:28:00 2015", .date(Date(timeIntervalSince1970: 1_445_412_480))),
    ] as [(String, RetryAfter)])
    func parsesRetryAfter(_ text: String, _ expected: RetryAfter) {
        #expect(RetryAfter(headerValue: text) == expected)
    }

    @Test(arguments: ["", "-1", "1.5", "soon", "120s", "2015-10-21T07:28:00Z"])
    func ignoresInvalidRetryAfter(_ text: String) {
        #expect(RetryAfter(headerValue: text) == nil)
    }

    @Test func readsResponseHeaders() {
        let outcome = WebhookAttemptOutcome.response(
            statusCode: 429,
            headers: [.init(name: "Retry-After", value: "30"), .init(name: "Webhook-Delivery", value: " Abort-Message ")])
        #expect(outcome == .response(statusCode: 429, retryAfter: .delay(.seconds(30)), abortRequested: true))
        #expect(outcome.summary == "HTTP 429")
        #expect(!outcome.isSuccess)
        #expect(WebhookAttemptOutcome.response(statusCode: 503, headers: [.init(name: "retry-after", value: "Wed, 21 Oct 2015 07:28:00 GMT")])
            == .response(statusCode: 503, retryAfter: .date(Date(timeIntervalSince1970: 1_445_412_480))))
        #expect(RetryAfter.date(Date(timeIntervalSince1970: 100)).delay(from: Date(timeIntervalSince1970: 40)) == .seconds(60))
    }
}

@Suite("Webhook endpoint health")
struct WebhookEndpointHealthPolicyTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    static func endpoint() -> WebhookEndpoint {
        WebhookEndpoint(
            id: WebhookEndpointID(uuid: UUID()), organizationID: OrganizationID(uuid: UUID()),
            url: "https://example.com/hook", sealedSecrets: [[1]], createdAt: start)
    }

    /// (failures so far, hours since the first failure) → disabled? for threshold 5 and 24 h.
    @Test(arguments: [
        (4, 23, false), (4, 24, false), (4, 100, false),  // one failure short, however long
        (5, 23, false), (9, 23, false),  // enough failures, not long enough
        (5, 24, true), (6, 30, true),  // both thresholds reached
    ])
    func disablesOnlyWhenBothThresholdsAreReached(_ failures: Int, _ hours: Int, _ disabled: Bool) {
        let policy = WebhookEndpointHealthPolicy(failureThreshold: 5, failingDuration: .seconds(24 * 3600))
        var endpoint = Self.endpoint()
        var decisions: [WebhookEndpointHealthPolicy.Decision] = []
        for index in 0..<failures {
            // The first failure at `start`, the last at `start + hours`, the rest in between.
            let offset = index == 0 ? 0 : Double(hours * 3600) * Double(index) / Double(failures - 1)
            decisions.append(policy.recordFailure(&endpoint, statusCode: 500, at: Self.start.addingTimeInterval(offset)))
        }
        #expect(endpoint.consecutiveFailures == failures)
        #expect(endpoint.firstFailureAt == Self.start)
        #expect(endpoint.isEnabled == !disabled)
        #expect(decisions.filter { $0 != .none }.count == (disabled ? 1 : 0))
        if disabled {
            #expect(endpoint.disabledReason?.hasPrefix("auto-disabled: ") == true)
            #expect(WebhookEndpointHealthPolicy.isAutomaticallyDisabled(endpoint))
        }
    }

    @Test func standardDisablesAfterFiveDaysOfFailures() {
        let policy = WebhookEndpointHealthPolicy.standard
        var endpoint = Self.endpoint()
        // One failure every 12 hours: the 10th comes after 4.5 days, the 11th at 5 days.
        for index in 0..<10 {
            #expect(policy.recordFailure(&endpoint, at: Self.start.addingTimeInterval(Double(index) * 43_200)) == .none)
        }
        #expect(endpoint.isEnabled)
        let decision = policy.recordFailure(&endpoint, statusCode: 503, at: Self.start.addingTimeInterval(10 * 43_200))
        guard case .disable(let reason) = decision else {
            Issue.record("expected .disable, got \(decision)")
            return
        }
        #expect(reason == "auto-disabled: 11 consecutive failed deliveries since 2026-01-01T00:00:00.000Z")
        #expect(endpoint.disabledReason == reason)
        #expect(!endpoint.isEnabled)
        #expect(endpoint.updatedAt == Self.start.addingTimeInterval(10 * 43_200))
        // Further failures while disabled decide nothing new.
        #expect(policy.recordFailure(&endpoint, at: Self.start.addingTimeInterval(11 * 43_200)) == .none)
    }

    @Test func successResetsTheStreak() {
        let policy = WebhookEndpointHealthPolicy(failureThreshold: 3, failingDuration: .seconds(60))
        var endpoint = Self.endpoint()
        _ = policy.recordFailure(&endpoint, at: Self.start)
        _ = policy.recordFailure(&endpoint, at: Self.start.addingTimeInterval(30))
        #expect(policy.record(.response(statusCode: 200), for: &endpoint, at: Self.start.addingTimeInterval(40)) == .none)
        #expect(endpoint.consecutiveFailures == 0)
        #expect(endpoint.firstFailureAt == nil)
        // The streak starts over: two more failures are not enough, even long after the first one.
        _ = policy.record(.timeout, for: &endpoint, at: Self.start.addingTimeInterval(100))
        #expect(policy.record(.timeout, for: &endpoint, at: Self.start.addingTimeInterval(200)) == .none)
        #expect(endpoint.firstFailureAt == Self.start.addingTimeInterval(100))
        #expect(policy.record(.timeout, for: &endpoint, at: Self.start.addingTimeInterval(200)) != .none)
    }

    @Test func goneDisablesAtOnceUnlessConfiguredOtherwise() {
        var endpoint = Self.endpoint()
        #expect(
            WebhookEndpointHealthPolicy.standard.record(.response(statusCode: 410), for: &endpoint, at: Self.start)
                == .disable(reason: "auto-disabled: endpoint answered 410 Gone"))
        #expect(!endpoint.isEnabled)
        var lenient = Self.endpoint()
        let policy = WebhookEndpointHealthPolicy(disablesOnGone: false)
        #expect(policy.record(.response(statusCode: 410), for: &lenient, at: Self.start) == .none)
        #expect(lenient.isEnabled)
    }

    @Test func successfulTestReEnablesOnlyAutomaticallyDisabledEndpoints() {
        let policy = WebhookEndpointHealthPolicy(failureThreshold: 1, failingDuration: .zero)
        var endpoint = Self.endpoint()
        #expect(policy.recordFailure(&endpoint, at: Self.start) != .none)
        #expect(!endpoint.isEnabled)
        #expect(policy.recordTestResult(succeeded: false, endpoint: &endpoint, at: Self.start.addingTimeInterval(60)) == .none)
        #expect(!endpoint.isEnabled)
        #expect(endpoint.consecutiveFailures == 2)
        // An ordinary success does not re-enable.
        #expect(policy.recordSuccess(&endpoint, at: Self.start.addingTimeInterval(90)) == .none)
        #expect(!endpoint.isEnabled)
        #expect(policy.recordTestResult(succeeded: true, endpoint: &endpoint, at: Self.start.addingTimeInterval(120)) == .enable)
        #expect(endpoint.isEnabled)
        #expect(endpoint.disabledReason == nil)
        #expect(endpoint.consecutiveFailures == 0)
        #expect(endpoint.firstFailureAt == nil)

        var manual = Self.endpoint()
        manual.isEnabled = false
        manual.disabledReason = "paused by owner"
        #expect(policy.recordTestResult(succeeded: true, endpoint: &manual, at: Self.start) == .none)
        #expect(!manual.isEnabled)
        #expect(policy.recordTestResult(succeeded: true, endpoint: &endpoint, at: Self.start) == .none)  // already enabled
    }
}
