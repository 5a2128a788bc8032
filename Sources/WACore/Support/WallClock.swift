public import Foundation

/// Where WACore gets the current wall-clock time from, and how it waits.
///
/// WACore never reads the system clock or sleeps on it itself: every service and policy takes a `WallClock`, so
/// tests drive time with `WACoreTesting.TestClock` (which only moves when the test moves it, waking sleepers as
/// it passes their deadlines) and production passes ``SystemWallClock``.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date

    /// Suspends until `deadline` (returns at once if it has passed). Throws `CancellationError` if the task is
    /// cancelled while waiting.
    func sleep(until deadline: Date) async throws

    /// Suspends until `deadline` like ``sleep(until:)``, for periodic upkeep: a lease renewal, a worker's poll
    /// for new jobs. Nothing waits for such a sleep to end, so a clock driven by a test does not count it as work
    /// still to do (it wakes the sleeper when time passes its deadline, but never moves time for it alone).
    /// Clocks that do not tell the two apart sleep as ``sleep(until:)`` does.
    func sleepForUpkeep(until deadline: Date) async throws
}

extension WallClock {
    /// Suspends for `duration` from now.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now().adding(duration))
    }

    /// Sleeps as ``sleep(until:)`` does.
    public func sleepForUpkeep(until deadline: Date) async throws {
        try await sleep(until: deadline)
    }

    /// Suspends for `duration` from now, for periodic upkeep (``sleepForUpkeep(until:)``).
    public func sleepForUpkeep(for duration: Duration) async throws {
        try await sleepForUpkeep(until: now().adding(duration))
    }
}

/// The real wall clock (`Date()`, `Task.sleep`); the only place in WACore that reads the system time.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSince(Date())
        guard interval > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(for: .nanoseconds(Int64(interval * 1e9)))
    }
}
