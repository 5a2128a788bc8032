/// One GCRA (generic cell rate algorithm) limit: `count` requests per `period`, with bursts of up to `burst + 1`.
///
/// GCRA keeps one number per key, the *theoretical arrival time* (TAT, ``GCRAState``), and needs no background
/// drip. With the emission interval `T = period / count` and the tolerance `tau = T × (burst + 1)`, a request of
/// `quantity` cells at `now` computes `newTAT = max(TAT, now) + T × quantity` and passes iff
/// `now ≥ newTAT − tau`. This is the algorithm and the reporting of redis-cell's `CL.THROTTLE`
/// (`reference/security.md` §3.1): the ``RateLimitDecision`` carries the limit (`burst + 1`), the remaining
/// cells, the retry-after (absent when a request is larger than the burst and can never pass) and the
/// reset-after.
///
/// ```swift
/// let limit = try RateLimit(count: 1, per: .seconds(1), burst: 4)   // limit 5, then 1/s
/// var state: GCRAState? = nil
/// let decision = limit.evaluate(&state, now: now)                    // .allowed(limit 5, remaining 4, reset 1 s)
/// ```
///
/// The value is pure and `Sendable`; precompute it once per configuration (it is a few words).
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    /// Requests per ``period`` at the sustained rate.
    public let count: Int
    /// The period ``count`` refers to.
    public let period: Duration
    /// Extra requests allowed at once on top of the first (`max_burst`); the reported limit is `burst + 1`.
    public let burst: Int
    /// `T`: the time one request "costs", in nanoseconds.
    public let emissionIntervalNanoseconds: Int64
    /// `tau = T × (burst + 1)`: how far ahead of `now` the TAT may run, in nanoseconds.
    public let toleranceNanoseconds: Int64

    /// A limit of `count` per `period` with bursts of `burst + 1` requests (default: `burst = count − 1`, so the
    /// whole period's allowance may be used at once and the reported limit equals `count`).
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` when the rate is zero (`count == 0`, or a
    ///   `period / count` that rounds to zero nanoseconds: "Zero rates are not supported"), when `count` or
    ///   `burst` is negative, when `period` is not positive, or when the tolerance overflows.
    public init(count: Int, per period: Duration, burst: Int? = nil) throws(WAError) {
        guard count != 0 else {
            throw WAError(.invalidArgument, "Zero rates are not supported", field: "count")
        }
        guard count > 0 else {
            throw WAError(.invalidArgument, "a rate limit's count must be positive", field: "count")
        }
        let periodNanos = period.rateLimitNanoseconds
        guard periodNanos > 0, periodNanos < .max else {
            throw WAError(.invalidArgument, "a rate limit's period must be positive", field: "period")
        }
        let interval = periodNanos / Int64(count)
        guard interval > 0 else {
            throw WAError(.invalidArgument, "Zero rates are not supported", field: "period")
        }
        let burst = burst ?? count - 1
        guard burst >= 0 else {
            throw WAError(.invalidArgument, "a rate limit's burst must not be negative", field: "burst")
        }
        let (cells, cellsOverflow) = Int64(burst).addingReportingOverflow(1)
        let (tolerance, toleranceOverflow) = interval.multipliedReportingOverflow(by: cells)
        let overflow = cellsOverflow || toleranceOverflow
        // Keep tau well inside Int64 so that `instant + tau` cannot overflow for realistic instants.
        guard !overflow, tolerance <= Int64(1) << 61 else {
            throw WAError(.invalidArgument, "a rate limit's burst × interval is too large", field: "burst")
        }
        self.init(
            count: count, period: period, burst: burst, emissionInterval: interval, tolerance: tolerance)
    }

    /// Memberwise, for values already validated.
    init(count: Int, period: Duration, burst: Int, emissionInterval: Int64, tolerance: Int64) {
        self.count = count
        self.period = period
        self.burst = burst
        self.emissionIntervalNanoseconds = emissionInterval
        self.toleranceNanoseconds = tolerance
    }

    /// A limit from constants known to be valid (a programming error otherwise).
    static func constant(count: Int, per period: Duration, burst: Int? = nil) -> RateLimit {
        do { return try RateLimit(count: count, per: period, burst: burst) } catch {
            preconditionFailure("invalid constant rate limit: \(error)")
        }
    }

    /// The limit reported to clients (`RateLimit-Limit`): `burst + 1`.
    public var limit: Int { burst + 1 }

    /// `T`, the emission interval.
    public var emissionInterval: Duration { .nanoseconds(emissionIntervalNanoseconds) }

    /// `tau`, the delay-variation tolerance.
    public var tolerance: Duration { .nanoseconds(toleranceNanoseconds) }

    public var description: String { "\(count) per \(period) (burst \(burst))" }

    /// This limit slowed down by `factor` (the risk monitor's ``RiskState/throttleFactor``, `0 < factor ≤ 1`).
    ///
    /// Both the sustained rate and the burst shrink: the emission interval becomes `T / factor` (rounded up) and
    /// the limit becomes `max(1, ⌊(burst + 1) × factor⌋)`, so 20/minute at 0.5 is 10/minute with bursts of 10.
    /// Factors ≥ 1 (and NaN) return the limit unchanged; factors below 0.001 are treated as 0.001. Existing
    /// state stays valid: a TAT is an absolute instant, so a key simply sees less capacity under the slower limit.
    public func scaled(by factor: Double) -> RateLimit {
        guard factor < 1 else { return self }  // also NaN
        let f = Swift.max(factor, 0.001)
        let newLimit = Swift.max(1, Int((Double(limit) * f).rounded(.down)))
        let scaledInterval = (Double(emissionIntervalNanoseconds) / f).rounded(.up)
        let interval = scaledInterval >= 9.0e18 ? Int64(1) << 61 : Int64(scaledInterval)
        let tolerance = Swift.min(RateLimitArithmetic.multiply(interval, Int64(newLimit)), Int64(1) << 61)
        let period = Duration.nanoseconds(RateLimitArithmetic.multiply(interval, Int64(count)))
        return RateLimit(
            count: count, period: period, burst: newLimit - 1, emissionInterval: interval, tolerance: tolerance)
    }

    // MARK: - GCRA

    /// Evaluates a request of `quantity` cells at `now` against `state` and updates `state` when it passes.
    ///
    /// A denied request leaves `state` untouched; `quantity == 0` only peeks. `nil` state means "no history"
    /// (equivalent to any TAT ≤ `now`). A clock that went backwards meets a TAT further ahead, so it never gains
    /// capacity; a large forward jump finds the TAT in the past and restores the full burst.
    ///
    /// - Precondition: `quantity >= 0`.
    public func evaluate(_ state: inout GCRAState?, now: RateLimitInstant, quantity: Int = 1) -> RateLimitDecision {
        let outcome = gcra(tat: state?.tat.nanosecondsSinceEpoch, now: now.nanosecondsSinceEpoch, quantity: quantity)
        if outcome.allowed && quantity > 0 {
            state = GCRAState(tat: RateLimitInstant(nanosecondsSinceEpoch: outcome.newTAT))
        }
        return outcome.decision(limit: self, tier: 0)
    }

    /// The pure form of ``evaluate(_:now:quantity:)``: returns the decision and the state to store.
    ///
    /// - Precondition: `quantity >= 0`.
    public func evaluated(
        _ state: GCRAState?, now: RateLimitInstant, quantity: Int = 1
    ) -> (decision: RateLimitDecision, state: GCRAState?) {
        var copy = state
        let decision = evaluate(&copy, now: now, quantity: quantity)
        return (decision, copy)
    }

    /// The arithmetic core, on raw nanoseconds (`tat == nil` or `Int64.min` means no history).
    func gcra(tat stored: Int64?, now: Int64, quantity: Int) -> GCRAOutcome {
        precondition(quantity >= 0, "a rate-limit quantity must not be negative")
        let t = emissionIntervalNanoseconds
        let tau = toleranceNanoseconds
        // An absent or past TAT holds no information: the key is fully rested.
        let tat = Swift.max(stored ?? now, now)
        let (increment, overflow) = t.multipliedReportingOverflow(by: Int64(quantity))
        if overflow || increment > tau {
            // Larger than the burst: can never pass, so there is no retry-after.
            return GCRAOutcome(allowed: false, newTAT: tat, retryAfter: -1, ttl: tat &- now, t: t, tau: tau)
        }
        let newTAT = RateLimitArithmetic.add(tat, increment)
        let allowAt = newTAT &- tau  // tau ≤ 2^61 and newTAT ≥ now: no overflow for realistic instants
        if now < allowAt {
            return GCRAOutcome(allowed: false, newTAT: tat, retryAfter: allowAt &- now, ttl: tat &- now, t: t, tau: tau)
        }
        return GCRAOutcome(allowed: true, newTAT: newTAT, retryAfter: -1, ttl: newTAT &- now, t: t, tau: tau)
    }
}

/// The raw result of one GCRA step, in nanoseconds; turned into a ``RateLimitDecision`` on demand.
struct GCRAOutcome {
    var allowed: Bool
    /// The TAT to store when allowed (the unchanged effective TAT when limited).
    var newTAT: Int64
    /// Nanoseconds until the request could pass; −1 when allowed or never.
    var retryAfter: Int64
    /// Nanoseconds until the key is fully rested (`reset_after`).
    var ttl: Int64
    var t: Int64
    var tau: Int64

    /// `floor((tau − ttl) / T)`, or 0 when that is negative (redis-cell's `remaining`).
    var remaining: Int {
        let next = tau &- ttl
        return next > 0 ? Int(next / t) : 0
    }

    func decision(limit: RateLimit, tier: Int) -> RateLimitDecision {
        let status = RateLimitStatus(
            limit: limit.limit, remaining: remaining, resetAfter: .nanoseconds(ttl), tier: tier)
        if allowed { return .allowed(status) }
        return .limited(retryAfter: retryAfter < 0 ? nil : .nanoseconds(retryAfter), status)
    }
}
