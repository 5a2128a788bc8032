public import Foundation

/// Where WACore gets the current wall-clock time from.
///
/// WACore never reads the system clock itself: every service and policy takes a `WallClock`, so tests drive time
/// with `WACoreTesting.TestClock` and production passes ``SystemWallClock``.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The real wall clock (`Date()`); the only place in WACore that reads the system time.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
