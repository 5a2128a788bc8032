public import Foundation
public import WACore

extension Gateway {
    /// Runs everything on the gateway's `TestClock` until nothing is left to do, moving virtual time as far as the
    /// work needs: due jobs (sends with their typing and pauses, read receipts, campaign waves, webhook deliveries),
    /// then whatever the sessions report in reply (the simulator's receipts, inbound messages, the automations
    /// they trigger), then the next job or scheduled event, and so on.
    ///
    /// ```swift
    /// _ = try await gateway.messaging.send(.text("Hi", to: customer.number, from: instance.id), by: admin)
    /// try await gateway.runUntilIdle()
    /// #expect(customer.inbox.count == 1)
    /// ```
    ///
    /// Idle means: no job of ``queues`` is waiting, and no task sleeps on the clock other than for upkeep (lease
    /// renewals, polls: ``WallClock/sleepForUpkeep(until:)``). Between steps it waits until nothing has happened
    /// for the clock's ``TestClock/quietPeriod`` of real time (``TestClock/settle(until:)``), so the sessions'
    /// events are handled before time moves on.
    ///
    /// - Parameters:
    ///   - limit: stop once the next piece of work is after this instant, with the clock set to it (for work that
    ///     never ends, such as an instance showing QR codes nobody scans).
    ///   - timeout: real time after which it gives up with ``TestClock/WaitTimedOut`` (a job that never stops
    ///     being due, say). It guards a broken test against hanging, so keep it generous.
    /// - Precondition: the gateway's clock is a `TestClock`.
    public func runUntilIdle(
        until limit: Date? = nil, timeout: Duration = .seconds(120), fileID: String = #fileID, line: Int = #line
    ) async throws {
        guard let clock = environment.clock as? TestClock else {
            preconditionFailure("runUntilIdle() drives a TestClock; this gateway runs on \(type(of: environment.clock))")
        }
        let giveUp = ContinuousClock.now.advanced(by: timeout)
        try await clock.run {
            while true {
                try await self.runDueJobs()
                await clock.settle()
                guard ContinuousClock.now < giveUp else {
                    throw TestClock.WaitTimedOut(
                        what: "the gateway to become idle", timeout: timeout, clockTime: clock.now(), fileID: fileID,
                        line: line)
                }
                let now = clock.now()
                let nextJob = try await self.nextJobTime()
                if let nextJob, nextJob <= now { continue }
                guard let next = [nextJob, clock.nextWorkDeadline].compactMap({ $0 }).min() else { return }
                if let limit, next > limit {
                    if limit > now { clock.set(limit) }
                    return
                }
                clock.set(next)
            }
        }
    }
}
