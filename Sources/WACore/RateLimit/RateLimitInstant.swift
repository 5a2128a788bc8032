public import Foundation

/// An instant on the rate limiter's time line: whole nanoseconds since the Unix epoch (1970-01-01T00:00:00Z).
///
/// Rate-limit state and arithmetic use integers so that no floating-point drift accumulates in stored
/// theoretical arrival times. Convert a `Date` (from a ``WallClock``) once at the edge:
///
/// ```swift
/// let now = RateLimitInstant(clock.now())
/// let later = now + .seconds(6)
/// ```
///
/// Arithmetic saturates at the ends of the 64-bit range (about the years 1677 and 2262) instead of trapping.
///
/// It is public, an exception to "`Date` for instants", because the rate-limit state types that storage adapters
/// persist need an exact integer-nanosecond instant: `Date`'s `Double` of seconds cannot hold nanoseconds exactly
/// at today's dates, so a stored state would not round-trip bit for bit.
public struct RateLimitInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since the Unix epoch (negative before 1970).
    public var nanosecondsSinceEpoch: Int64

    /// The instant `nanosecondsSinceEpoch` nanoseconds after the Unix epoch.
    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    /// The instant of `date`, rounded to the nearest nanosecond (clamped to the representable range).
    ///
    /// `Date` stores a `Double` of seconds since 2001; the whole seconds and the fraction are converted
    /// separately so that the conversion adds no error beyond `Date`'s own precision.
    public init(_ date: Date) {
        let interval = date.timeIntervalSinceReferenceDate
        guard interval.isFinite else {
            self.init(nanosecondsSinceEpoch: interval < 0 ? .min : .max)
            return
        }
        let whole = interval.rounded(.down)
        let fraction = interval - whole
        // ±9.2e9 s is the Int64-nanosecond range; anything beyond saturates.
        guard abs(whole) < 9.0e9 else {
            self.init(nanosecondsSinceEpoch: whole < 0 ? .min : .max)
            return
        }
        let seconds = Int64(whole) + 978_307_200  // 2001-01-01 is 978,307,200 s after the Unix epoch
        let nanos = Int64((fraction * 1e9).rounded())
        self.init(nanosecondsSinceEpoch: RateLimitArithmetic.add(RateLimitArithmetic.multiply(seconds, 1_000_000_000), nanos))
    }

    /// The same instant as a `Date` (with `Date`'s sub-microsecond rounding).
    public var date: Date {
        let seconds = nanosecondsSinceEpoch / 1_000_000_000
        let nanos = nanosecondsSinceEpoch % 1_000_000_000
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }

    /// The UTC calendar day containing this instant, as whole days since 1970-01-01 (floor division).
    public var utcDay: Int64 {
        let perDay: Int64 = 86_400_000_000_000
        let (q, r) = nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: perDay)
        return r < 0 ? q - 1 : q
    }

    /// The first instant (00:00:00 UTC) of day `utcDay` (days since 1970-01-01).
    public static func startOfUTCDay(_ utcDay: Int64) -> RateLimitInstant {
        RateLimitInstant(nanosecondsSinceEpoch: RateLimitArithmetic.multiply(utcDay, 86_400_000_000_000))
    }

    public static func < (lhs: RateLimitInstant, rhs: RateLimitInstant) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// The instant `duration` after `instant` (saturating).
    public static func + (instant: RateLimitInstant, duration: Duration) -> RateLimitInstant {
        RateLimitInstant(
            nanosecondsSinceEpoch: RateLimitArithmetic.add(instant.nanosecondsSinceEpoch, duration.rateLimitNanoseconds))
    }

    /// The instant `duration` before `instant` (saturating).
    public static func - (instant: RateLimitInstant, duration: Duration) -> RateLimitInstant {
        RateLimitInstant(
            nanosecondsSinceEpoch: RateLimitArithmetic.subtract(
                instant.nanosecondsSinceEpoch, duration.rateLimitNanoseconds))
    }

    /// The signed time from `rhs` to `lhs`.
    public static func - (lhs: RateLimitInstant, rhs: RateLimitInstant) -> Duration {
        .nanoseconds(RateLimitArithmetic.subtract(lhs.nanosecondsSinceEpoch, rhs.nanosecondsSinceEpoch))
    }

    /// Moves the instant forward by `duration` (saturating).
    public static func += (instant: inout RateLimitInstant, duration: Duration) {
        instant = instant + duration
    }

    public var description: String { "RateLimitInstant(\(nanosecondsSinceEpoch) ns)" }
}

/// Saturating 64-bit arithmetic for nanosecond values: a rate limiter must never trap on odd input.
enum RateLimitArithmetic {
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? .max : .min) : r
    }

    static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.subtractingReportingOverflow(b)
        return o ? (b < 0 ? .max : .min) : r
    }

    static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? ((a < 0) == (b < 0) ? .max : .min) : r
    }
}

extension Duration {
    /// The duration in whole nanoseconds, truncated toward zero and saturated to the `Int64` range.
    var rateLimitNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return RateLimitArithmetic.add(
            RateLimitArithmetic.multiply(seconds, 1_000_000_000), attoseconds / 1_000_000_000)
    }
}
