public import Foundation

/// When a failed webhook delivery is tried again, and when it is given up.
///
/// Attempt 1 is made immediately. After attempt *n* fails with a retryable outcome, attempt *n + 1* waits
/// ``baseDelay(afterAttempt:)`` (from the ``Backoff``), spread by ±``jitter``, capped at ``maxDelay``; a
/// `Retry-After` header lengthens that wait (never shortens it), up to ``maxRetryAfter``. After ``maxAttempts``
/// attempts the delivery is given up.
///
/// Outcomes are classified by ``classify(_:)``:
/// - 2xx: success;
/// - ``permanentStatusCodes`` (default 400, 401, 403, 404, 410, 422): never retried; 410 Gone also recommends
///   disabling the endpoint;
/// - a response carrying `webhook-delivery: abort-message` (when ``honoursAbortRequest``): stop, not retried;
/// - everything else — 408, 429, 5xx, other 4xx, 3xx (redirects are not followed), 1xx, timeouts and connection
///   failures: retried.
///
/// Presets: ``standard`` (the default; Svix's schedule), ``legacySeed`` (the seed service's `2^n` seconds, 3
/// retries).
public struct WebhookRetryPolicy: Sendable, Hashable {
    /// How the base delay grows.
    public enum Backoff: Sendable, Hashable {
        /// Explicit delays: element *i* is the wait after attempt *i + 1* fails; the last element repeats if more
        /// attempts are allowed than delays given.
        case schedule([Duration])
        /// `initial × multiplier^(n − 1)` after attempt *n* fails.
        case exponential(initial: Duration, multiplier: Double)
    }

    /// What ``classify(_:)`` makes of an attempt.
    public enum Classification: Sendable, Hashable {
        case success
        /// Try again later (if attempts remain).
        case retryable
        /// Never retry this delivery; `disableEndpoint` is true for 410 Gone.
        case permanent(statusCode: Int, disableEndpoint: Bool)
        /// The receiver asked to stop (`webhook-delivery: abort-message`).
        case aborted
    }

    public var backoff: Backoff
    /// Total attempts including the first (at least 1).
    public var maxAttempts: Int
    /// Relative jitter in 0…1: each delay is drawn uniformly from `[d × (1 − jitter), d × (1 + jitter)]`.
    public var jitter: Double
    /// The longest computed backoff (after jitter).
    public var maxDelay: Duration
    /// Status codes that mean "never": no further attempt.
    public var permanentStatusCodes: Set<Int>
    /// Whether a `Retry-After` header can lengthen the wait.
    public var honoursRetryAfter: Bool
    /// The longest wait a `Retry-After` header can impose (a receiver cannot park a delivery for a year).
    public var maxRetryAfter: Duration
    /// Whether `webhook-delivery: abort-message` stops retries.
    public var honoursAbortRequest: Bool

    /// The status codes the default policy never retries.
    public static let defaultPermanentStatusCodes: Set<Int> = [400, 401, 403, 404, 410, 422]

    public init(
        backoff: Backoff, maxAttempts: Int, jitter: Double = 0, maxDelay: Duration = .seconds(24 * 3600),
        permanentStatusCodes: Set<Int> = defaultPermanentStatusCodes, honoursRetryAfter: Bool = true,
        maxRetryAfter: Duration = .seconds(24 * 3600), honoursAbortRequest: Bool = true
    ) {
        self.backoff = backoff
        self.maxAttempts = max(1, maxAttempts)
        self.jitter = min(max(jitter, 0), 1)
        self.maxDelay = maxDelay
        self.permanentStatusCodes = permanentStatusCodes
        self.honoursRetryAfter = honoursRetryAfter
        self.maxRetryAfter = maxRetryAfter
        self.honoursAbortRequest = honoursAbortRequest
    }

    /// The default: Svix's schedule — immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts over
    /// about 27 h 35 min) — with ±10 % jitter, honouring `Retry-After` up to 24 h and `abort-message`.
    public static let standard = WebhookRetryPolicy(
        backoff: .schedule([
            .seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600),
            .seconds(10 * 3600), .seconds(10 * 3600),
        ]),
        maxAttempts: 8, jitter: 0.1)

    /// The seed service's policy, kept for compatibility: after attempt *n* fails, wait exactly 2^n seconds (2, 4,
    /// 8 s); at most 3 retries (4 attempts); no jitter and no `Retry-After`. The permanent status codes are the
    /// default ones.
    public static let legacySeed = WebhookRetryPolicy(
        backoff: .exponential(initial: .seconds(2), multiplier: 2), maxAttempts: 4, jitter: 0,
        honoursRetryAfter: false)

    /// How an attempt's outcome counts.
    public func classify(_ outcome: WebhookAttemptOutcome) -> Classification {
        switch outcome {
        case .response(let statusCode, _, let abortRequested):
            if (200...299).contains(statusCode) { return .success }
            if honoursAbortRequest && abortRequested { return .aborted }
            if permanentStatusCodes.contains(statusCode) {
                return .permanent(statusCode: statusCode, disableEndpoint: statusCode == 410)
            }
            return .retryable
        case .timeout, .connectionFailed:
            return .retryable
        }
    }

    /// The backoff after attempt `attempt` (1-based) fails, before jitter and caps; `nil` when no attempt follows.
    public func baseDelay(afterAttempt attempt: Int) -> Duration? {
        guard attempt >= 1, attempt < maxAttempts else { return nil }
        switch backoff {
        case .schedule(let delays):
            guard let last = delays.last else { return .zero }
            return attempt <= delays.count ? delays[attempt - 1] : last
        case .exponential(let initial, let multiplier):
            let seconds = initial.timeInterval * pow(multiplier, Double(attempt - 1))
            return Self.duration(seconds: seconds)
        }
    }

    /// The wait before the attempt that follows a retryable failure of attempt `attempt` that ended at `now`;
    /// `nil` when attempts are exhausted. Jitter draws from `random`.
    public func delay(
        afterAttempt attempt: Int, retryAfter: RetryAfter?, now: Date, random: any RandomSource
    ) -> Duration? {
        guard let base = baseDelay(afterAttempt: attempt) else { return nil }
        var seconds = base.timeInterval
        if jitter > 0 {
            // Uniform in [0, 1) from the top 53 bits.
            let unit = Double(random.next() >> 11) * 0x1p-53
            seconds *= 1 - jitter + 2 * jitter * unit
        }
        seconds = min(seconds, maxDelay.timeInterval)
        var delay = Self.duration(seconds: seconds)
        if honoursRetryAfter, let retryAfter {
            delay = max(delay, min(retryAfter.delay(from: now), maxRetryAfter))
        }
        return delay
    }

    /// The time of the next attempt after attempt `attempt` failed at `now`, or `nil` when attempts are exhausted.
    public func nextAttemptDate(
        afterAttempt attempt: Int, retryAfter: RetryAfter?, now: Date, random: any RandomSource
    ) -> Date? {
        delay(afterAttempt: attempt, retryAfter: retryAfter, now: now, random: random).map {
            now.adding($0)
        }
    }

    static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite else { return .seconds(Int64.max / 4) }
        // Whole milliseconds keep schedules readable and exactly representable.
        return .milliseconds(Int64((min(max(seconds, 0), 9e12) * 1000).rounded()))
    }
}
