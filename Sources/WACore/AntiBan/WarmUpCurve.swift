public import Foundation

/// Raises a new instance's send limits gradually over its first days, the way a newly registered number should
/// be warmed up (`reference/peers.md` §3, §5.4: fresh numbers that send at full speed get restricted).
///
/// The curve maps an instance's age in **whole days** to a fraction of its configured ``InstanceRateLimits``:
/// ``initialFraction`` on day 0, rising to 1 on day ``rampDays`` and staying there. The fraction never decreases
/// with age, and the scaled limits never drop below 1 per tier (a zero limit would stop the instance entirely).
///
/// ```swift
/// let curve = WarmUpCurve()                       // 15 % on day 0 → 100 % on day 14, linear
/// let today = curve.scaled(.standard, linkedAt: instance.createdAt, now: clock.now())
/// ```
public struct WarmUpCurve: Sendable, Hashable, Codable {
    /// How the fraction grows between day 0 and ``rampDays``.
    public enum Shape: String, Sendable, Hashable, Codable, CaseIterable {
        /// Equal steps every day.
        case linear
        /// Slow at first, faster towards the end (quadratic): the cautious choice for cold numbers.
        case easeIn
        /// Fast at first, slower towards the end (square root).
        case easeOut
    }

    /// The fraction of the configured limits allowed on day 0 (0 < value ≤ 1). Default 0.15.
    public var initialFraction: Double
    /// The day on which the full limits apply (≥ 0; 0 disables warm-up). Default 14.
    public var rampDays: Int
    /// How the fraction grows. Default ``Shape/linear``.
    public var shape: Shape

    /// A curve from `initialFraction` on day 0 to 100 % on day `rampDays`.
    public init(initialFraction: Double = 0.15, rampDays: Int = 14, shape: Shape = .linear) {
        self.initialFraction = initialFraction
        self.rampDays = rampDays
        self.shape = shape
    }

    /// No warm-up: full limits from day 0.
    public static let disabled = WarmUpCurve(initialFraction: 1, rampDays: 0)

    /// Checks the parameters.
    public func validate() throws(WAError) {
        guard initialFraction > 0, initialFraction <= 1 else {
            throw WAError.invalid("initialFraction", "must be greater than 0 and at most 1")
        }
        guard rampDays >= 0 else { throw WAError.invalid("rampDays", "must not be negative") }
    }

    /// The fraction of the configured limits for an instance that is `day` whole days old.
    public func fraction(day: Int) -> Double {
        let start = min(1, max(0, initialFraction))
        guard rampDays > 0, day < rampDays else { return 1 }
        guard day > 0 else { return start }
        let progress = Double(day) / Double(rampDays)
        let shaped: Double =
            switch shape {
            case .linear: progress
            case .easeIn: progress * progress
            case .easeOut: progress.squareRoot()
            }
        return min(1, start + (1 - start) * shaped)
    }

    /// The whole days between `linkedAt` and `now` (0 for a clock that reads earlier than `linkedAt`).
    public static func ageInDays(linkedAt: Date, now: Date) -> Int {
        let seconds = now.timeIntervalSince(linkedAt)
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int(min(seconds / 86_400, Double(Int32.max)).rounded(.down))
    }

    /// `limits` scaled for an instance `day` whole days old: each tier × ``fraction(day:)``, rounded down, at
    /// least 1 (and never above the configured tier).
    public func scaled(_ limits: InstanceRateLimits, day: Int) -> InstanceRateLimits {
        limits.scaled(by: fraction(day: day))
    }

    /// `limits` scaled for an instance linked at `linkedAt`, as of `now`.
    public func scaled(_ limits: InstanceRateLimits, linkedAt: Date, now: Date) -> InstanceRateLimits {
        scaled(limits, day: Self.ageInDays(linkedAt: linkedAt, now: now))
    }
}
