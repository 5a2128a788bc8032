/// How long the supervisor waits before reconnecting after a transient disconnect: exponential backoff with a
/// cap and random jitter.
///
/// The nominal delay of attempt *n* (0-based) is `initialDelay × multiplier^n`, capped at `maximumDelay`; the
/// actual delay is drawn uniformly from `nominal × (1 ± jitter)` and again capped at `maximumDelay`. With the
/// defaults: about 1 s, 2 s, 4 s, 8 s … 5 min. Jitter spreads the reconnects of many instances that lost their
/// connection at the same moment (a network blip on one node) instead of hitting WhatsApp all at once.
///
/// ```swift
/// let backoff = ReconnectBackoff()
/// backoff.nominalDelay(attempt: 3)                 // 8 s
/// try await clock.sleep(for: backoff.delay(attempt: 3, random: random))
/// ```
public struct ReconnectBackoff: Sendable, Hashable {
    /// The delay before the first reconnect. Default 1 s.
    public var initialDelay: Duration
    /// The growth factor per attempt (at least 1). Default 2.
    public var multiplier: Double
    /// No delay is longer than this. Default 5 min.
    public var maximumDelay: Duration
    /// The relative spread, 0…1. Default 0.2 (±20 %).
    public var jitter: Double

    /// A policy; every parameter defaults to the value documented on its property.
    public init(
        initialDelay: Duration = .seconds(1), multiplier: Double = 2, maximumDelay: Duration = .seconds(300),
        jitter: Double = 0.2
    ) {
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maximumDelay = maximumDelay
        self.jitter = jitter
    }

    /// The defaults described on each property.
    public static let standard = ReconnectBackoff()

    /// The delay of `attempt` (0-based) before jitter.
    public func nominalDelay(attempt: Int) -> Duration {
        let cap = maximumDelay.timeInterval
        let factor = multiplier.isFinite ? max(1, multiplier) : 2
        let exponent = max(0, min(attempt, 1_000))
        let value = initialDelay.timeInterval * Self.power(factor, exponent)
        return Self.duration(value.isFinite ? min(cap, value) : cap)
    }

    /// The delay of `attempt` with jitter drawn from `random`.
    public func delay(attempt: Int, random: any RandomSource) -> Duration {
        let nominal = nominalDelay(attempt: attempt).timeInterval
        let spread = jitter.isFinite ? min(1, max(0, jitter)) : 0
        guard spread > 0 else { return Self.duration(nominal) }
        let unit = Double(random.next() >> 11) / Double(1 << 53)  // uniform in [0, 1)
        let value = nominal * (1 - spread + 2 * spread * unit)
        return Self.duration(min(maximumDelay.timeInterval, max(0, value)))
    }

    /// `base` raised to `exponent` by repeated multiplication (stops early once it overflows to infinity).
    private static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        var remaining = exponent
        while remaining > 0, result.isFinite {
            result *= base
            remaining -= 1
        }
        return result
    }

    private static func duration(_ seconds: Double) -> Duration {
        .microseconds(Int64((seconds * 1e6).rounded()))
    }
}
