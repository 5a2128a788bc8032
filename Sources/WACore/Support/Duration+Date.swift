import Foundation

// The one rule for mixing the two time types: the public API takes `Duration` for spans and `Date` for instants;
// internal code that needs `Date` arithmetic or Double math converts here, and nowhere else.
extension Duration {
    /// The duration in (fractional) seconds, for `Date` arithmetic and Double math.
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Date {
    /// The instant `duration` after this one (before it when `duration` is negative).
    func adding(_ duration: Duration) -> Date {
        addingTimeInterval(duration.timeInterval)
    }

    /// The instant `duration` before this one.
    func subtracting(_ duration: Duration) -> Date {
        addingTimeInterval(-duration.timeInterval)
    }
}

extension Date {
    /// When to wake up for something that becomes possible `duration` after this instant (a rate limit's
    /// retry-after): that moment rounded up to a whole millisecond, plus one millisecond. So the wake-up is never
    /// early, however `Date` rounds, and always later than this instant — a job snoozed for a few nanoseconds
    /// would otherwise be due again at the same `Date` and spin.
    func wakeUp(after duration: Duration) -> Date {
        let target = RateLimitInstant(self) + Swift.max(.zero, duration)
        let (milliseconds, rest) = target.nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000)
        return Date(timeIntervalSince1970: Double(milliseconds + (rest > 0 ? 1 : 0) + 1) / 1_000)
    }
}
