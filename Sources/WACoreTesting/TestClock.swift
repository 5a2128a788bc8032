public import Foundation
public import WACore
import Synchronization

/// A wall clock that only moves when a test moves it.
///
/// Tasks that ``sleep(until:)`` stay suspended until the test advances the clock past their deadline, so code that
/// waits minutes (rate limits, retries, campaign pacing) runs in microseconds and deterministically:
///
/// ```swift
/// let clock = TestClock()
/// let task = Task { try await clock.sleep(for: .seconds(60)); return "done" }
/// try await clock.waitForSleepers(1)        // the task is now waiting
/// clock.advance(by: .seconds(60))       // wakes it
/// ```
public final class TestClock: WallClock {
    private struct Sleeper {
        let id: Int
        let deadline: Date
        /// The ``run(_:)`` whose operation (or a task it started) sleeps here, if any.
        let run: Int?
        /// Periodic upkeep (``sleepForUpkeep(until:)``): nothing waits for it.
        let isUpkeep: Bool
        let continuation: CheckedContinuation<Void, any Error>
    }

    /// Marks the tasks of one ``run(_:)`` operation (task locals are inherited by child and unstructured tasks).
    @TaskLocal private static var currentRun: Int?

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID = 0
        var nextRun = 0
        /// Counts every sleeper added or removed, so a waiter can tell whether anything slept or woke meanwhile.
        var activity = 0
        /// Sleepers ``set(_:)`` woke whose tasks have not run again yet (they leave in `sleep`, once resumed).
        var woken: Set<Int> = []
        /// Other counters of work happening (``addActivityProbe(_:)``).
        var probes: [@Sendable () -> Int] = []
    }

    private let state: Mutex<State>

    /// How long, in real time, nothing must happen before ``run(_:)`` (and the other helpers that move time on
    /// their own) conclude that every task is waiting.
    public let quietPeriod: Duration

    /// A clock standing at `now` (by default 2026-01-01T00:00:00Z).
    ///
    /// - Parameter quietPeriod: how long nothing must happen, in real time, before time is moved on its own (see
    ///   ``run(_:)``). Longer is safer on a loaded machine and slower.
    public init(now: Date = Date(timeIntervalSince1970: 1_767_225_600), quietPeriod: Duration = .milliseconds(1)) {
        state = Mutex(State(now: now))
        self.quietPeriod = quietPeriod
    }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(until deadline: Date) async throws {
        try await sleep(until: deadline, isUpkeep: false)
    }

    /// Sleeps like ``sleep(until:)``, marked as upkeep: ``nextWorkDeadline`` ignores it, so drivers that run until
    /// nothing is left to do (WACoreTesting's `Gateway.runUntilIdle`) do not wait for lease renewals and polls.
    public func sleepForUpkeep(until deadline: Date) async throws {
        try await sleep(until: deadline, isUpkeep: true)
    }

    private func sleep(until deadline: Date, isUpkeep: Bool) async throws {
        let id = state.withLock { s -> Int? in
            guard deadline > s.now else { return nil }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return try Task.checkCancellation() }
        let run = Self.currentRun
        // Once resumed, this task runs again: it no longer counts as woken but not yet running.
        defer {
            state.withLock { s in
                if s.woken.remove(id) != nil { s.activity += 1 }
            }
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { s -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= s.now { return .success(()) }
                    s.sleepers.append(
                        Sleeper(id: id, deadline: deadline, run: run, isUpkeep: isUpkeep, continuation: continuation))
                    s.activity += 1
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                guard let index = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                s.activity += 1
                return s.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward (or backward, with a negative duration, to simulate a clock step) and wakes every
    /// sleeper whose deadline has been reached.
    public func advance(by duration: Duration) {
        set(instant(after: duration))
    }

    /// The instant `duration` after the clock's current time (before it for a negative duration).
    public func instant(after duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return now().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Sets the clock to `date` and wakes every sleeper whose deadline has been reached.
    public func set(_ date: Date) {
        let due = state.withLock { s -> [Sleeper] in
            s.now = date
            let due = s.sleepers.filter { $0.deadline <= date }
            s.sleepers.removeAll { $0.deadline <= date }
            s.activity += due.count
            s.woken.formUnion(due.map(\.id))
            return due.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// The number of tasks currently sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Changes whenever a task starts or stops sleeping on this clock, or an activity probe changes.
    var activity: Int {
        let (sleeps, probes) = state.withLock { ($0.activity, $0.probes) }
        return probes.reduce(sleeps) { $0 &+ $1() }
    }

    /// Adds a counter of work happening elsewhere (a ``MemoryStore``'s ``MemoryStore/activityCount``): while it
    /// keeps changing, the helpers that move time on their own consider the tasks under test busy.
    /// `ServiceEnvironment.testing(clock:)` adds its store.
    public func addActivityProbe(_ probe: @escaping @Sendable () -> Int) {
        state.withLock { $0.probes.append(probe) }
    }

    /// The earliest deadline any sleeper waits for.
    public var nextDeadline: Date? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    /// The earliest deadline of a sleeper that is not upkeep (``sleepForUpkeep(until:)``): when the next piece of
    /// work is due to happen on its own.
    public var nextWorkDeadline: Date? {
        state.withLock { $0.sleepers.lazy.filter { !$0.isUpkeep }.map(\.deadline).min() }
    }

    /// Waits until at least `count` tasks sleep on this clock (``waitUntil(_:advancing:timeout:fileID:line:_:)``,
    /// so it fails with ``WaitTimedOut`` instead of hanging when they never do).
    public func waitForSleepers(
        _ count: Int, timeout: Duration = .seconds(60), fileID: String = #fileID, line: Int = #line
    ) async throws {
        try await waitUntil("\(count) task(s) sleeping on the test clock", timeout: timeout, fileID: fileID, line: line) {
            sleeperCount >= count
        }
    }

    /// Advances the clock to the next sleeper's deadline, if any; returns whether there was one.
    @discardableResult
    public func advanceToNextDeadline() -> Bool {
        guard let next = nextDeadline else { return false }
        set(next)
        return true
    }

    /// Runs `operation` and, whenever it (or a task it started) sleeps on this clock and nothing else is
    /// happening (nothing slept, woke or used a probed store for ``quietPeriod`` of real time: ``settle(until:)``),
    /// advances the clock to the earliest deadline — so code that waits (typing delays, backoffs,
    /// pacing) runs to completion in virtual time. Returns the operation's result.
    ///
    /// The clock moves only while some task of the operation sleeps (the operation, its child tasks, and tasks it
    /// created with `Task {}`, which inherit the marker): tasks started elsewhere that sleep on this clock (a
    /// supervisor's lease renewal, say) are woken when their deadline comes, but never make time pass on their own;
    /// time passing on its own would let virtual time run away from the code under test. While one task of the
    /// operation sleeps, time does pass even if another of its tasks is still working, as it would in real time.
    ///
    /// An operation that waits for something only a task started elsewhere can do after a sleep never finishes:
    /// advance the clock yourself in that case (``advance(by:)``, ``advanceToNextDeadline()``).
    @discardableResult
    public func run<Result: Sendable>(_ operation: @escaping @Sendable () async throws -> Result) async throws
        -> Result
    {
        let token = state.withLock { s -> Int in
            s.nextRun += 1
            return s.nextRun
        }
        let finished = Atomic<Bool>(false)
        let task = Task {
            defer { finished.store(true, ordering: .releasing) }
            return try await Self.$currentRun.withValue(token) { try await operation() }
        }
        while !finished.load(ordering: .acquiring) {
            // Every runnable task gets to its next suspension point before time moves: the clock moves only once
            // nothing has slept, woken or used a probed store for `quietPeriod` of real time.
            await settle { finished.load(ordering: .acquiring) }
            if finished.load(ordering: .acquiring) { break }
            let operationSleeps = state.withLock { s in s.sleepers.contains { $0.run == token } }
            if operationSleeps { advanceToNextDeadline() }
        }
        return try await task.value
    }

    /// Waits, in real time, until nothing has happened for `quietPeriod` (by default ``quietPeriod``; no task started or stopped sleeping on
    /// this clock, no activity probe changed) and every task this clock woke has run again (or until `done()`
    /// holds). Polls every 50 µs at first, then less
    /// often, never counting scheduler turns.
    public func settle(quietPeriod: Duration? = nil, until done: () -> Bool = { false }) async {
        let quietPeriod = quietPeriod ?? self.quietPeriod
        let realClock = ContinuousClock()
        let shortestPause = Duration.microseconds(50)
        let longestPause = Swift.max(shortestPause, quietPeriod / 4)
        var last = activity
        var quietSince = realClock.now
        var pause = shortestPause
        while !done() {
            // A cancelled sleep returns at once; the loop then ends by `done` or by the quiet period.
            try? await realClock.sleep(for: pause)
            let current = activity
            if current != last {
                (last, quietSince, pause) = (current, realClock.now, shortestPause)
            } else if realClock.now - quietSince >= quietPeriod, state.withLock({ $0.woken.isEmpty }) {
                return
            } else {
                pause = Swift.min(pause * 2, longestPause)
            }
        }
    }
}
