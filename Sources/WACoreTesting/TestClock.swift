public import Foundation
public import WACore
import Synchronization

/// A wall clock that only moves when a test moves it.
///
/// ```swift
/// let clock = TestClock(now: Date(timeIntervalSince1970: 1_700_000_000))
/// clock.advance(by: .seconds(61))
/// ```
public final class TestClock: WallClock {
    private let current: Mutex<Date>

    /// A clock standing at `now` (by default 2026-01-01T00:00:00Z).
    public init(now: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        current = Mutex(now)
    }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward (or backward, with a negative duration, to simulate a clock step).
    public func advance(by duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
