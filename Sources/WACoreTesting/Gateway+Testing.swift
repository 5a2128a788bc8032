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
    /// for 10 ms of real time, or the clock's ``TestClock/quietPeriod`` if longer
    /// (``TestClock/settle(quietPeriod:until:)``), so the sessions' events are handled before time moves on.
    /// A step that woke only upkeep waits the clock's own quiet period.
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
        try await drive(
            until: limit, upkeepCounts: false, timeout: timeout, what: "the gateway to become idle", fileID: fileID,
            line: line)
    }

    /// Lets `duration` of virtual time pass as it would on a running gateway: every job, session event and
    /// periodic upkeep (lease renewals, adoption) due on the way happens at its time, and the clock ends exactly
    /// `duration` later.
    ///
    /// Prefer it to `TestClock.advance(by:)`, which jumps at once: a jump longer than an instance lease is what a
    /// node frozen for that long sees, so the supervisor gives up the instances whose leases lapsed.
    ///
    /// - Precondition: the gateway's clock is a `TestClock`.
    public func advance(
        by duration: Duration, timeout: Duration = .seconds(120), fileID: String = #fileID, line: Int = #line
    ) async throws {
        try await drive(
            until: testClock.instant(after: duration), upkeepCounts: true, timeout: timeout,
            what: "\(duration) of virtual time to pass", fileID: fileID, line: line)
    }

    private var testClock: TestClock {
        guard let clock = environment.clock as? TestClock else {
            preconditionFailure("this drives a TestClock; the gateway runs on \(type(of: environment.clock))")
        }
        return clock
    }

    /// Runs due jobs, lets the tasks under test settle, and moves the clock to the next job or sleeper (upkeep
    /// included when `upkeepCounts`), until nothing is left or the next thing is after `limit`.
    private func drive(
        until limit: Date?, upkeepCounts: Bool, timeout: Duration, what: String, fileID: String, line: Int
    ) async throws {
        let clock = testClock
        let giveUp = ContinuousClock.now.advanced(by: timeout)
        try await clock.run {
            var upkeepOnly = false
            var sleepersBeforeStep = 0
            while true {
                try await self.runDueJobs()
                // A session event travels through a few tasks (the simulator's timer, the session's stream, the
                // supervisor's event loop) before it touches the store: wait longer than the clock's own quiet
                // period, unless the last step only woke upkeep (a lease renewal, one transaction).
                let quiet = upkeepOnly ? clock.quietPeriod : Swift.max(clock.quietPeriod, .milliseconds(10))
                await clock.settle(quietPeriod: quiet)
                if upkeepOnly {
                    // Upkeep loops sleep again once their work is done: until they do (a busy machine may not run a
                    // woken renewal for a while), time must not move on, or a lease lapses that a running gateway
                    // would have renewed. A loop that ended instead is given a second.
                    let patience = ContinuousClock.now.advanced(by: .seconds(1))
                    while clock.sleeperCount < sleepersBeforeStep, ContinuousClock.now < patience {
                        await clock.settle(quietPeriod: quiet)
                    }
                }
                guard ContinuousClock.now < giveUp else {
                    throw TestClock.WaitTimedOut(
                        what: what, timeout: timeout, clockTime: clock.now(), fileID: fileID, line: line)
                }
                let now = clock.now()
                let nextJob = try await self.nextJobTime()
                if let nextJob, nextJob <= now {
                    upkeepOnly = false
                    continue
                }
                let nextWork = [nextJob, clock.nextWorkDeadline].compactMap({ $0 }).min()
                let nextUpkeep = upkeepCounts ? clock.nextDeadline : nil
                guard let next = [nextWork, nextUpkeep].compactMap({ $0 }).min() else {
                    if let limit, limit > now { clock.set(limit) }
                    return
                }
                if let limit, next > limit {
                    if limit > now { clock.set(limit) }
                    return
                }
                upkeepOnly = nextWork.map { $0 > next } ?? true
                sleepersBeforeStep = clock.sleeperCount
                clock.set(next)
            }
        }
    }

    /// Starts `instance` and links it to `phone` on the simulated network, as a person would: waits for the QR
    /// code (virtual time passes while the session starts: the network's
    /// ``SimulatedWhatsApp/Configuration-swift.struct/startupTime``), scans it with the phone, and waits until the
    /// session is ready.
    ///
    /// - Precondition: the gateway's transport is the ``SimulatedWhatsApp`` that `phone` belongs to.
    public func link(
        _ instance: InstanceID, with phone: SimulatedPhone, by principal: Principal, fileID: String = #fileID,
        line: Int = #line
    ) async throws {
        guard let network = transport as? SimulatedWhatsApp else {
            preconditionFailure("link(_:with:by:) links on a SimulatedWhatsApp; this gateway uses \(type(of: transport))")
        }
        let clock = testClock
        // Starting waits for the session to start, which takes the network's startup time (a browser launching).
        _ = try await clock.run { try await self.instances.start(instance, by: principal) }
        let qr = try await clock.waitFor("the QR code of \(instance)", fileID: fileID, line: line) {
            try await self.instances.linkCode(instance, by: principal)
        }
        try network.scan(qrCode: qr.value, with: phone.number)
        _ = try await clock.waitFor("a ready session for \(instance)", fileID: fileID, line: line) {
            await self.supervisor.readySession(for: instance)
        }
    }
}
