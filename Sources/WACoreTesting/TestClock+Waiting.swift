public import Foundation

extension TestClock {
    /// Waits until `probe` returns a value, and returns that value.
    ///
    /// Use it for work that happens on other tasks — a session becoming ready, a receipt being stored, a worker
    /// picking up a job:
    ///
    /// ```swift
    /// let qr = try await clock.waitFor("the QR code") { try await instances.linkCode(instance.id, by: me) }
    /// ```
    ///
    /// Between tries the caller pauses for a short while in real time (starting at 50 µs, growing to 5 ms), so the
    /// tasks under test get to run; how many turns the scheduler gives them does not matter. If `probe` still
    /// returns `nil` after `timeout` of real time, the wait fails with ``WaitTimedOut``, which names `what`. The
    /// timeout guards a broken test against hanging; it is not a measure of speed, so keep it generous.
    ///
    /// By default this clock stands still while waiting. With `advancing: true`, whenever some task sleeps on the
    /// clock and nothing has happened for ``TestClock/quietPeriod`` of real time (no task went to sleep on it or
    /// woke, no probed store was used), the clock moves to the earliest deadline (as ``advanceToNextDeadline()`` does), so work that sleeps on the clock (typing delays,
    /// backoffs, scripted replies) gets done in virtual time. As with ``run(_:)``, time may then pass while a task
    /// that does not sleep is still working, as it would in real time.
    ///
    /// - Parameters:
    ///   - what: What is waited for, in a few words; the error names it.
    ///   - advancing: Whether to move the clock to the next deadline while nothing else happens.
    ///   - timeout: How long to keep trying, in real time.
    ///   - probe: Returns the value once it is there, `nil` until then. Errors it throws end the wait.
    /// - Throws: ``WaitTimedOut`` when `probe` never returned a value; whatever `probe` throws; `CancellationError`
    ///   when the waiting task is cancelled.
    public func waitFor<Value>(
        _ what: String,
        advancing: Bool = false,
        timeout: Duration = .seconds(60),
        fileID: String = #fileID,
        line: Int = #line,
        _ probe: () async throws -> Value?
    ) async throws -> Value {
        let realClock = ContinuousClock()
        let deadline = realClock.now.advanced(by: timeout)
        let shortestPause = Duration.microseconds(50)
        var pause = shortestPause
        // For `advancing`: the clock moves only once nothing has happened for `quietPeriod`.
        var lastActivity = activity
        var quietSince = realClock.now
        while true {
            if let value = try await probe() { return value }
            if realClock.now >= deadline {
                throw WaitTimedOut(what: what, timeout: timeout, clockTime: now(), fileID: fileID, line: line)
            }
            try await realClock.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(5))
            guard advancing else { continue }
            let current = activity
            if current != lastActivity {
                (lastActivity, quietSince) = (current, realClock.now)
            } else if realClock.now - quietSince >= quietPeriod, advanceToNextDeadline() {
                (lastActivity, quietSince, pause) = (activity, realClock.now, shortestPause)
            }
        }
    }

    /// Waits until `condition` holds: ``waitFor(_:advancing:timeout:fileID:line:_:)`` for a condition.
    ///
    /// ```swift
    /// try await clock.waitUntil("node-a let go") { !supervisor.isRunning(instance.id) }
    /// ```
    public func waitUntil(
        _ what: String,
        advancing: Bool = false,
        timeout: Duration = .seconds(60),
        fileID: String = #fileID,
        line: Int = #line,
        _ condition: () async throws -> Bool
    ) async throws {
        try await waitFor(what, advancing: advancing, timeout: timeout, fileID: fileID, line: line) {
            try await condition() ? () : nil
        }
    }

    /// What ``TestClock/waitFor(_:advancing:timeout:fileID:line:_:)`` throws when what it waited for did not
    /// happen in time.
    public struct WaitTimedOut: Error, CustomStringConvertible {
        /// What was waited for.
        public let what: String
        /// How long it was waited for, in real time.
        public let timeout: Duration
        /// The clock's (virtual) time when the wait gave up.
        public let clockTime: Date
        /// Where the wait was started.
        public let fileID: String
        public let line: Int

        public var description: String {
            "\(fileID):\(line): gave up waiting for \(what) after \(timeout) (the test clock stood at \(clockTime))"
        }
    }
}
