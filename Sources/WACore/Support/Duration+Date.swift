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
