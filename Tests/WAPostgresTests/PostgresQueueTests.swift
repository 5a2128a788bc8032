import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// The job queue and the instance leases on a real server: the behaviours of the repository contract's job and
/// lease cases (`Contract+Jobs.swift`), concurrent claimers on separate connections, and a lease check holding a
/// takeover back. After every change, each job's `data` is compared with its typed columns.
@Suite("PostgreSQL job queue and leases")
struct PostgresQueueTests {
    let f = Fixtures()

    /// The repositories of one transaction.
    struct Repositories {
        let context: PostgresTransactionContext
        var jobs: PostgresJobRepository { PostgresJobRepository(context: context) }
        var leases: PostgresLeaseRepository { PostgresLeaseRepository(context: context) }
    }

    func withRunner(_ body: (PostgresTransactionRunner) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await body(PostgresTransactionRunner(client: client, logger: TestDatabase.logger))
        }
    }

    /// Runs `body` in one transaction for `scope`.
    func tx<Result: Sendable>(
        _ runner: PostgresTransactionRunner, _ scope: TransactionScope, _ body: (Repositories) async throws -> Result
    ) async throws -> Result {
        try await runner.run(scope) { connection in
            let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
            defer { context.close() }
            return try await body(Repositories(context: context))
        }
    }

    func claim(
        _ runner: PostgresTransactionRunner, _ queues: Set<String>, worker: String = "w1", limit: Int = 10,
        lease: Duration = .seconds(60), at now: Date, lanes: JobLaneSelection = .all
    ) async throws -> [Job] {
        let claimed = try await tx(runner, .system) {
            try await $0.jobs.claim(queues: queues, worker: worker, limit: limit, lease: lease, now: now, lanes: lanes)
        }
        try await checkConsistency(runner)
        return claimed
    }

    func enqueue(_ runner: PostgresTransactionRunner, _ jobs: [Job]) async throws -> [Job] {
        guard let organization = jobs.first?.organizationID else { return [] }
        let stored = try await tx(runner, .organization(organization)) { tx in
            var stored: [Job] = []
            for job in jobs { stored.append(try await tx.jobs.enqueue(job)) }
            return stored
        }
        try await checkConsistency(runner)
        return stored
    }

    /// Runs `body` on a job repository of `organization`'s transaction, then checks every job's `data` against its
    /// columns.
    func jobs<Result: Sendable>(
        _ runner: PostgresTransactionRunner, _ organization: OrganizationID,
        _ body: (PostgresJobRepository) async throws -> Result
    ) async throws -> Result {
        let result = try await tx(runner, .organization(organization)) { try await body($0.jobs) }
        try await checkConsistency(runner)
        return result
    }

    func get(_ runner: PostgresTransactionRunner, _ id: JobID, in organization: OrganizationID) async throws -> Job? {
        try await tx(runner, .organization(organization)) { try await $0.jobs.find(id, in: organization) }
    }

    /// Every job's `data` says what its typed columns say (dates to the microsecond a `timestamptz` keeps).
    func checkConsistency(_ runner: PostgresTransactionRunner, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        try await runner.run(.system) { connection in
            let rows = try await connection.query(
                """
                SELECT data::text, organization_id, id, version, queue, state, priority, scheduled_at, attempt, snoozes,
                    max_attempts, locked_by, locked_until, lane, unique_key, created_at, finished_at FROM jobs
                """, logger: TestDatabase.logger)
            for try await row in rows {
                let r = row.makeRandomAccess()
                let job = try JSONDecoder().decode(Job.self, from: Data(try r[0].decode(String.self).utf8))
                func same(_ column: Date?, _ value: Date?) -> Bool {
                    switch (column, value) {
                    case (nil, nil): true
                    case let (column?, value?): abs(column.timeIntervalSince(value)) < 0.000_002
                    default: false
                    }
                }
                let consistent =
                    try r[1].decode(UUID.self) == job.organizationID.uuid && r[2].decode(UUID.self) == job.id.uuid
                    && r[3].decode(Int.self) == job.version && r[4].decode(String.self) == job.queue
                    && r[5].decode(String.self) == job.state.rawValue && r[6].decode(Int.self) == job.priority
                    && same(try r[7].decode(Date.self), job.scheduledAt) && r[8].decode(Int.self) == job.attempt
                    && r[9].decode(Int.self) == job.snoozes && r[10].decode(Int.self) == job.maxAttempts
                    && r[11].decode(String?.self) == job.lockedBy && same(try r[12].decode(Date?.self), job.lockedUntil)
                    && r[13].decode(String?.self) == job.lane && r[14].decode(String?.self) == job.uniqueKey
                    && same(try r[15].decode(Date.self), job.createdAt) && same(try r[16].decode(Date?.self), job.finishedAt)
                #expect(consistent, "data and columns disagree for \(job)", sourceLocation: sourceLocation)
            }
        }
    }

    func expectError<R>(
        _ code: WAError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> R
    ) async {
        do {
            _ = try await body()
            Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as WAError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Enqueue

    @Test func enqueueIsIdempotentWhileUnfinishedAndAFinishedJobReleasesItsKey() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let q = "test.queue"
            let first = try await enqueue(runner, [f.job(in: org, queue: q, uniqueKey: "message-1")])[0]
            #expect(first.version == 1 && first.state == .available)
            let again = try await enqueue(runner, [f.job(in: org, queue: q, uniqueKey: "message-1")])[0]
            #expect(again == first, "a second enqueue with the key returns the first job")
            let otherQueue = try await enqueue(runner, [f.job(in: org, queue: q + ".other", uniqueKey: "message-1")])[0]
            #expect(otherQueue.id != first.id, "the key is per queue")
            let otherOrganization = try await enqueue(runner, [f.job(in: f.organization().id, queue: q, uniqueKey: "message-1")])[0]
            #expect(otherOrganization.id != first.id, "the key is per organization")

            // While running, the job still holds its key.
            let claimed = try await claim(runner, [q], at: f.now())
            #expect(Set(claimed.map(\.id)) == [first.id, otherOrganization.id])
            let whileRunning = try await enqueue(runner, [f.job(in: org, queue: q, uniqueKey: "message-1")])[0]
            #expect(whileRunning.id == first.id && whileRunning.state == .running)

            _ = try await jobs(runner, org) { try await $0.complete(first.id, in: org, attempt: 1, now: f.now()) }
            let afterCompletion = try await enqueue(runner, [f.job(in: org, queue: q, uniqueKey: "message-1")])[0]
            #expect(afterCompletion.id != first.id && afterCompletion.state == .available, "a finished job holds no key")
            let whileWaiting = try await enqueue(runner, [f.job(in: org, queue: q, uniqueKey: "message-1")])[0]
            #expect(whileWaiting.id == afterCompletion.id, "the new job holds the key while it waits")

            // The finished job's key is no obstacle to updating the new holder (the unique check counts unfinished
            // jobs only), and the filters see both.
            var changed = afterCompletion
            changed.priority = 3
            let updated = try await jobs(runner, org) { try await $0.update(changed) }
            #expect(updated.version == 2 && updated.priority == 3)
            let counts = try await tx(runner, .organization(org)) { tx in
                (
                    try await tx.jobs.count(in: org, where: .init(queue: q, uniqueKeyPrefix: "message-")),
                    try await tx.jobs.count(in: org, where: .init(uniqueKeyPrefix: "message_")),
                    try await tx.jobs.count(in: org, where: .init(queue: q, isFinished: true)),
                    try await tx.jobs.count(in: org, where: .init(state: .available)),
                    try await tx.jobs.list(in: org, where: .init(isFinished: false), page: .first).items.map(\.id)
                )
            }
            #expect(counts.0 == 2 && counts.1 == 0 && counts.2 == 1 && counts.3 == 2)
            #expect(Set(counts.4) == [afterCompletion.id, otherQueue.id])
            // Inserting a second unfinished holder directly is a collision on the key.
            await expectError(.alreadyExists) {
                try await jobs(runner, org) { try await $0.insert(f.job(in: org, queue: q, uniqueKey: "message-1")) }
            }
        }
    }

    /// A concurrent enqueue of the same key waits for the first transaction and returns its job once it commits
    /// (the job its own statement's snapshot could not see).
    @Test func aConcurrentEnqueueOfTheSameKeyReturnsTheCommittedJob() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let firstJob = f.job(in: org, queue: "q", uniqueKey: "k")
            let secondJob = f.job(in: org, queue: "q", uniqueKey: "k")
            let enqueued = AsyncStream<Void>.makeStream()
            let secondDone = Atomic<Bool>(false)
            async let first: Job = tx(runner, .organization(org)) { tx in
                let job = try await tx.jobs.enqueue(firstJob)
                enqueued.continuation.yield()
                try await waitForLockWaiter(runner)
                let secondFinished = secondDone.load(ordering: .acquiring)
                #expect(!secondFinished, "the second enqueue waits for this transaction")
                return job
            }
            var iterator = enqueued.stream.makeAsyncIterator()
            _ = await iterator.next()
            let second = try await tx(runner, .organization(org)) { try await $0.jobs.enqueue(secondJob) }
            secondDone.store(true, ordering: .releasing)
            let firstResult = try await first
            #expect(second.id == firstJob.id && firstResult.id == firstJob.id)
            let count = try await tx(runner, .organization(org)) { try await $0.jobs.count(in: org, where: .init()) }
            #expect(count == 1)
        }
    }

    /// Waits until a transaction of this database waits for a lock.
    func waitForLockWaiter(_ runner: PostgresTransactionRunner) async throws {
        for _ in 0..<500 {
            let waiting = try await runner.client.query(
                "SELECT count(*)::bigint FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                logger: TestDatabase.logger
            ).collect().first?.decode(Int.self) ?? 0
            if waiting > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("no transaction waited for a lock")
    }

    // MARK: - Claims

    @Test func claimsTakeDueJobsInPriorityTimeAndIDOrder() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let q = "test.order"
            let now = f.now()
            let later = f.job(in: org, queue: q, scheduledAt: now.addingTimeInterval(60))
            let low = f.job(in: org, queue: q, scheduledAt: now, priority: 5)
            let old = f.job(in: org, queue: q, scheduledAt: now.addingTimeInterval(-10))
            let urgent = f.job(in: org, queue: q, scheduledAt: now, priority: -1)
            let elsewhere = f.job(in: org, queue: q + ".x", scheduledAt: now)
            // Same priority and time in two other organizations: the id decides, across organizations.
            let tied = [f.job(in: f.organization().id, queue: q, scheduledAt: now.addingTimeInterval(-10), priority: -1),
                        f.job(in: f.organization().id, queue: q, scheduledAt: now.addingTimeInterval(-10), priority: -1)]
            _ = try await enqueue(runner, [later, low, old, urgent, elsewhere])
            for job in tied { _ = try await enqueue(runner, [job]) }

            let first = try await claim(runner, [q], worker: "w1", limit: 4, lease: .seconds(3600), at: now)
            #expect(first.map(\.id) == tied.map(\.id).sorted() + [urgent.id, old.id], "priority, then time, then id")
            #expect(first.allSatisfy {
                $0.state == .running && $0.attempt == 1 && $0.lockedBy == "w1" && $0.lockedUntil == now.addingTimeInterval(3600)
                    && $0.version == 2
            })
            let stored = try await get(runner, urgent.id, in: org)
            #expect(stored == first[2], "what the claim returns is what is stored")
            let second = try await claim(runner, [q], lease: .seconds(3600), at: now)
            #expect(second.map(\.id) == [low.id], "running and future jobs are not claimed")
            let third = try await claim(runner, [q], at: now.addingTimeInterval(61))
            #expect(third.map(\.id) == [later.id], "a future job once due; live leases hold")
            let scope = await errorCode { try await tx(runner, .organization(org)) {
                try await $0.jobs.claim(queues: [q], worker: "w", limit: 1, lease: .seconds(1), now: now)
            } }
            #expect(scope == .tenantMismatch, "claiming needs system scope")
        }
    }

    func errorCode<R>(_ body: () async throws -> R) async -> WAError.Code? {
        do {
            _ = try await body()
            return nil
        } catch {
            return (error as? WAError)?.code
        }
    }

    @Test func aLaneRunsOneJobAtATimeAcrossQueuesAndWorkers() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let (q1, q2) = ("test.q1", "test.q2")
            let lane = "instance:\(f.token(8))"
            let jobs = try await enqueue(runner, [
                f.job(in: org, queue: q1, lane: lane), f.job(in: org, queue: q2, lane: lane),
                f.job(in: org, queue: q1, lane: "other:\(f.token(8))"), f.job(in: org, queue: q1),
                f.job(in: org, queue: q1, lane: lane),
            ])
            let now = f.now()
            let first = try await claim(runner, [q1, q2], worker: "w1", lease: .seconds(30), at: now)
            #expect(Set(first.map(\.id)) == [jobs[0].id, jobs[2].id, jobs[3].id], "one job per lane in a claim")
            #expect(try await claim(runner, [q1, q2], worker: "w2", at: now).isEmpty, "the lane is busy for every worker")
            _ = try await self.jobs(runner, org) { try await $0.complete(jobs[0].id, in: org, attempt: 1, now: now) }
            let second = try await claim(runner, [q2], worker: "w2", lease: .seconds(30), at: now)
            #expect(second.map(\.id) == [jobs[1].id], "the lane's next job, once the first finished")
            #expect(try await claim(runner, [q1], worker: "w2", at: now).isEmpty, "busy from another queue's job")
            let third = try await claim(runner, [q2], worker: "w3", at: now.addingTimeInterval(30))
            #expect(third.map(\.id) == [jobs[1].id] && third.first?.attempt == 2, "an expired lease frees the lane")
        }
    }

    @Test func aClaimLimitedToLanesTakesOnlyTheirJobsAndUnheldSkipsHeldInstances() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let q = "test.lanes"
            let (mine, theirs) = ("lane-\(f.token(6))", "lane-\(f.token(6))")
            let byLane = try await enqueue(runner, [
                f.job(in: org, queue: q, lane: mine), f.job(in: org, queue: q, lane: theirs), f.job(in: org, queue: q),
            ])
            let limited = try await claim(runner, [q], at: f.now(), lanes: .only([mine]))
            #expect(limited.map(\.id) == [byLane[0].id])
            #expect(try await claim(runner, [q], at: f.now(), lanes: .only([])).isEmpty, "no lanes, no jobs")
            let rest = try await claim(runner, [q], at: f.now())
            #expect(Set(rest.map(\.id)) == [byLane[1].id, byLane[2].id])

            let u = "test.unheld"
            let (held, expired, released, nobody) = (f.instance(in: org), f.instance(in: org), f.instance(in: org), f.instance(in: org))
            let now = f.now()
            try await tx(runner, .organization(org)) { tx in
                _ = try await tx.leases.acquire(instance: held.id, in: org, owner: "node-b", duration: .seconds(600), now: now)
                _ = try await tx.leases.acquire(
                    instance: expired.id, in: org, owner: "node-c", duration: .seconds(1), now: now.addingTimeInterval(-60))
                let lease = try await tx.leases.acquire(
                    instance: released.id, in: org, owner: "node-d", duration: .seconds(600), now: now)
                try await tx.leases.release(try #require(lease))
            }
            let jobs = try await enqueue(runner, [
                f.job(in: org, queue: u, lane: Job.instanceLane(held.id)),
                f.job(in: org, queue: u, lane: Job.instanceLane(expired.id)),
                f.job(in: org, queue: u, lane: Job.instanceLane(released.id)),
                f.job(in: org, queue: u, lane: Job.instanceLane(nobody.id)),
                f.job(in: org, queue: u),
                f.job(in: org, queue: u, lane: "tenant-\(f.token(4))"),
                f.job(in: org, queue: u, lane: "instance:not-a-uuid"),
                // Not the lane string of the held instance (Job.instanceLane writes lower case): unheld.
                f.job(in: org, queue: u, lane: "instance:\(held.id.description.uppercased())"),
            ])
            let unheld = try await claim(runner, [u], at: f.now(), lanes: .unheld)
            #expect(
                Set(unheld.map(\.id)) == Set([jobs[1].id, jobs[2].id, jobs[3].id, jobs[4].id, jobs[7].id]),
                "instances without a live lease and jobs without a lane: \(unheld.map(\.lane))")
            let held2 = try await claim(runner, [u], at: f.now(), lanes: .only([Job.instanceLane(held.id)]))
            #expect(held2.map(\.id) == [jobs[0].id], "the holder's node takes its instance's job")
        }
    }

    @Test func exhaustedAttemptsFailOnClaimAndAnExpiredClaimIsRescued() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let q = "test.attempts"
            let lane = "instance:\(f.token(8))"
            let job = try await enqueue(runner, [f.job(in: org, queue: q, maxAttempts: 2, lane: lane)])[0]
            let behind = try await enqueue(runner, [f.job(in: org, queue: q, lane: lane)])[0]
            var now = f.now()
            for attempt in 1...2 {
                let claimed = try await claim(runner, [q], lease: .seconds(10), at: now)
                #expect(claimed.map(\.id) == [job.id] && claimed.first?.attempt == attempt, "the worker crashed: rescued")
                now = now.addingTimeInterval(11)  // the lease expires
            }
            // The third claim fails the exhausted head and takes the lane's next job in the same call.
            let third = try await claim(runner, [q], at: now)
            #expect(third.map(\.id) == [behind.id])
            let stored = try #require(try await get(runner, job.id, in: org))
            #expect(stored.state == .failed && stored.attempt == 2 && stored.finishedAt == now)
            #expect(stored.lastError == "gave up after 2 attempts" && stored.lockedBy == nil && stored.lockedUntil == nil)
        }
    }

    @Test func completeRetryFailAndExtendNeedTheClaimedAttempt() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let q = "test.fencing"
            let job = try await enqueue(runner, [f.job(in: org, queue: q)])[0]
            let now = f.now()
            let claimed = try #require(try await claim(runner, [q], at: now).first)
            await expectError(.leaseLost) {
                try await jobs(runner, org) { try await $0.complete(job.id, in: org, attempt: claimed.attempt + 1, now: now) }
            }
            await expectError(.notFound) {
                try await jobs(runner, org) { try await $0.complete(JobID(high: 1, low: 1), in: org, attempt: 1, now: now) }
            }
            await expectError(.tenantMismatch) {
                try await jobs(runner, org) { try await $0.complete(job.id, in: f.organization().id, attempt: 1, now: now) }
            }
            let retried = try await jobs(runner, org) {
                try await $0.retry(job.id, in: org, attempt: claimed.attempt, at: now.addingTimeInterval(5), error: "503 \"x\"")
            }
            #expect(retried.state == .available && retried.lastError == "503 \"x\"" && retried.lockedBy == nil)
            #expect(retried.lockedUntil == nil && retried.scheduledAt == now.addingTimeInterval(5) && retried.version == 3)
            #expect(try await get(runner, job.id, in: org) == retried)
            await expectError(.leaseLost) {
                try await jobs(runner, org) { try await $0.complete(job.id, in: org, attempt: claimed.attempt, now: now) }
            }
            #expect(try await claim(runner, [q], at: now.addingTimeInterval(4)).isEmpty, "not before the retry time")
            let again = try #require(try await claim(runner, [q], at: now.addingTimeInterval(5)).first)
            #expect(again.attempt == 2 && again.lastError == "503 \"x\"")
            let extended = try await jobs(runner, org) {
                try await $0.extendLease(job.id, in: org, attempt: 2, until: now.addingTimeInterval(600))
            }
            #expect(extended.state == .running && extended.lockedUntil == now.addingTimeInterval(600) && extended.lockedBy == "w1")
            #expect(try await claim(runner, [q], at: now.addingTimeInterval(300)).isEmpty, "the extended lease holds")
            let failed = try await jobs(runner, org) { try await $0.fail(job.id, in: org, attempt: 2, error: "410 Gone", now: now) }
            #expect(failed.state == .failed && failed.finishedAt == now && failed.lastError == "410 Gone" && failed.lockedUntil == nil)
            #expect(try await get(runner, job.id, in: org) == failed)
            #expect(try await claim(runner, [q], at: now.addingTimeInterval(3600)).isEmpty, "a failed job is never claimed")
            await expectError(.leaseLost) {
                try await jobs(runner, org) { try await $0.extendLease(job.id, in: org, attempt: 2, until: now) }
            }
        }
    }

    @Test func snoozesWaitWithoutUsingAttemptsAndAHeldLaneWaitsInOrder() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let q = "test.snooze"
            let job = try await enqueue(runner, [f.job(in: org, queue: q, maxAttempts: 1)])[0]
            var now = f.now()
            for round in 1...3 {
                let claimed = try #require(try await claim(runner, [q], at: now).first)
                #expect(claimed.attempt == round)
                let snoozed = try await jobs(runner, org) {
                    try await $0.snooze(job.id, in: org, attempt: claimed.attempt, until: now.addingTimeInterval(6))
                }
                #expect(snoozed.state == .available && snoozed.snoozes == round && snoozed.scheduledAt == now.addingTimeInterval(6))
                #expect(try await claim(runner, [q], at: now.addingTimeInterval(5)).isEmpty)
                now = now.addingTimeInterval(6)
            }
            let last = try #require(try await claim(runner, [q], at: now).first)
            #expect(last.failedClaims == 1)
            _ = try await jobs(runner, org) { try await $0.retry(job.id, in: org, attempt: last.attempt, at: now, error: "timeout") }
            #expect(try await claim(runner, [q], at: now).isEmpty, "a real failure used up the single attempt")
            #expect(try await get(runner, job.id, in: org)?.state == .failed)

            // Holding the lane: its other jobs due before the snooze's end wait until then.
            let h = "test.hold"
            let lane = "instance:\(f.token(8))"
            let later = f.now().addingTimeInterval(3_600)
            let laneJobs = try await enqueue(runner, [
                f.job(in: org, queue: h, lane: lane), f.job(in: org, queue: h, lane: lane),
                f.job(in: org, queue: h, scheduledAt: later, lane: lane), f.job(in: org, queue: h, lane: "other:\(f.token(8))"),
                f.job(in: org, queue: h + ".elsewhere", lane: lane),
            ])
            let at = f.now()
            let head = try #require(try await claim(runner, [h], at: at).first { $0.id == laneJobs[0].id })
            let until = at.addingTimeInterval(10)
            _ = try await jobs(runner, org) {
                try await $0.snooze(head.id, in: org, attempt: head.attempt, until: until, holdingLane: true)
            }
            var stored: [Job] = []
            for job in laneJobs { stored.append(try #require(try await get(runner, job.id, in: org))) }
            #expect(stored[1].scheduledAt == until && stored[1].version == 2, "the lane's other due job waits with it")
            #expect(stored[4].scheduledAt == until, "in every queue")
            #expect(stored[2].scheduledAt == later, "a job due later keeps its time")
            #expect(stored[3].state == .running && stored[3].scheduledAt < until, "another lane is untouched")
            #expect(try await claim(runner, [h], at: until.addingTimeInterval(-1)).allSatisfy { $0.lane != lane })
            let next = try await claim(runner, [h], at: until)
            #expect(next.filter { $0.lane == lane }.map(\.id) == [laneJobs[0].id], "the snoozed head first")
        }
    }

    @Test func theNextClaimTimeCountsLanesAndLeases() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let (q, other) = ("test.next", "test.other")
            let lane = "instance:\(f.token(8))"
            let now = f.now()
            func next(_ queues: Set<String>, at instant: Date) async throws -> Date? {
                try await tx(runner, .system) { try await $0.jobs.nextClaimTime(queues: queues, now: instant) }
            }
            #expect(try await next([q], at: now) == nil)
            let scheduled = now.addingTimeInterval(300)
            let jobs = try await enqueue(runner, [
                f.job(in: org, queue: other, scheduledAt: now.addingTimeInterval(5)),
                f.job(in: org, queue: q, scheduledAt: now, lane: lane),
                f.job(in: org, queue: q, scheduledAt: now.addingTimeInterval(10), lane: lane),
                f.job(in: org, queue: q, scheduledAt: scheduled),
            ])
            let (head, behind) = (jobs[1], jobs[2])
            #expect(try await next([q], at: now) == now)
            #expect(try await next([other], at: now) == now.addingTimeInterval(5))
            let claimed = try await claim(runner, [q], lease: .seconds(60), at: now)
            #expect(claimed.map(\.id) == [head.id])
            let leaseEnd = now.addingTimeInterval(60)
            #expect(try await next([q], at: now) == leaseEnd, "a busy lane waits for its lease")
            #expect(try await claim(runner, [q], at: leaseEnd.addingTimeInterval(-0.001)).isEmpty)
            _ = try await self.jobs(runner, org) { try await $0.complete(head.id, in: org, attempt: 1, now: now) }
            #expect(try await next([q], at: now) == now.addingTimeInterval(10), "then the lane's next job")
            let second = try await claim(runner, [q], at: now.addingTimeInterval(10))
            #expect(second.map(\.id) == [behind.id])
            #expect(try await next([q], at: now) == now.addingTimeInterval(70), "a running job: its lease end")
            _ = try await self.jobs(runner, org) { try await $0.fail(behind.id, in: org, attempt: 1, error: "x", now: now) }
            #expect(try await next([q], at: now) == scheduled, "finished jobs wait for nothing")
            await expectError(.tenantMismatch) {
                try await tx(runner, .organization(org)) { try await $0.jobs.nextClaimTime(queues: [q], now: now) }
            }
        }
    }

    @Test func pruningDeletesFinishedJobsOlderThanTheCutOffOldestFirst() async throws {
        try await withRunner { runner in
            let (org, otherOrg) = (f.organization().id, f.organization().id)
            let q = "test.prune"
            let ancient = Date(timeIntervalSince1970: 1_000_000_000)
            let old = try await enqueue(runner, (0..<3).map { _ in f.job(in: org, queue: q, scheduledAt: ancient) })
            let otherOld = try await enqueue(runner, [f.job(in: otherOrg, queue: q, scheduledAt: ancient)])[0]
            let waiting = try await enqueue(runner, [f.job(in: org, queue: q + ".waiting", scheduledAt: ancient)])[0]
            let claimed = try await claim(runner, [q], limit: 10, at: ancient)
            #expect(claimed.count == 4)
            _ = try await jobs(runner, org) { try await $0.complete(old[0].id, in: org, attempt: 1, now: ancient.addingTimeInterval(20)) }
            _ = try await jobs(runner, org) {
                try await $0.fail(old[1].id, in: org, attempt: 1, error: "x", now: ancient.addingTimeInterval(60))
            }
            _ = try await jobs(runner, otherOrg) { try await $0.complete(otherOld.id, in: otherOrg, attempt: 1, now: ancient) }
            let recent = try await enqueue(runner, [f.job(in: org, queue: q + ".recent")])[0]
            let recentClaim = try await claim(runner, [q + ".recent"], at: f.now())
            _ = try await jobs(runner, org) { try await $0.complete(recent.id, in: org, attempt: recentClaim[0].attempt, now: f.now()) }

            await expectError(.tenantMismatch) {
                try await tx(runner, .organization(org)) { try await $0.jobs.pruneFinished(before: ancient, limit: 10) }
            }
            let cutOff = ancient.addingTimeInterval(3_600)
            let first = try await tx(runner, .system) { try await $0.jobs.pruneFinished(before: cutOff, limit: 1) }
            #expect(first == 1)
            #expect(try await get(runner, otherOld.id, in: otherOrg) == nil, "the oldest, of any organization, first")
            #expect(try await get(runner, old[0].id, in: org) != nil)
            let second = try await tx(runner, .system) { try await $0.jobs.pruneFinished(before: cutOff, limit: 1) }
            #expect(second == 1)
            #expect(try await get(runner, old[0].id, in: org) == nil)
            #expect(try await get(runner, old[1].id, in: org) != nil)
            let rest = try await tx(runner, .system) { try await $0.jobs.pruneFinished(before: cutOff, limit: 1_000) }
            #expect(rest == 1)
            #expect(try await get(runner, old[1].id, in: org) == nil)
            #expect(try await get(runner, old[2].id, in: org)?.state == .running, "a running job is kept")
            #expect(try await get(runner, waiting.id, in: org)?.state == .available, "an unfinished job is kept")
            #expect(try await get(runner, recent.id, in: org)?.state == .completed, "finished after the cut-off: kept")
            #expect(try await tx(runner, .system) { try await $0.jobs.pruneFinished(before: cutOff, limit: 10) } == 0)
        }
    }

    // MARK: - Concurrency

    /// Four workers, each claiming in its own transactions on its own connection, drain 2,000 jobs of three
    /// organizations and complete what they claim: every job is claimed and completed exactly once.
    @Test func concurrentWorkersClaimEveryJobExactlyOnce() async throws {
        try await withRunner { runner in
            let organizations = (0..<3).map { _ in f.organization().id }
            let now = f.now()
            var all: Set<JobID> = []
            for (index, org) in organizations.enumerated() {
                let count = index == 0 ? 668 : 666
                let jobs = (0..<count).map { n in
                    f.job(in: org, queue: "test.concurrent", scheduledAt: now.addingTimeInterval(-Double(n % 7)), priority: n % 3)
                }
                let stored = try await tx(runner, .organization(org)) { tx in
                    var ids: [JobID] = []
                    for job in jobs { ids.append(try await tx.jobs.enqueue(job).id) }
                    return ids
                }
                all.formUnion(stored)
            }
            #expect(all.count == 2_000)
            let started = ContinuousClock.now
            let claims = try await withThrowingTaskGroup(of: (claims: Int, ids: [JobID]).self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [JobID] = []
                        var claims = 0
                        while true {
                            let batch = try await tx(runner, .system) {
                                try await $0.jobs.claim(
                                    queues: ["test.concurrent"], worker: "w\(worker)", limit: 10, lease: .seconds(300),
                                    now: now)
                            }
                            if batch.isEmpty { return (claims, mine) }
                            claims += 1
                            try await tx(runner, .system) { tx in
                                for job in batch {
                                    _ = try await tx.jobs.complete(job.id, in: job.organizationID, attempt: job.attempt, now: now)
                                }
                            }
                            mine += batch.map(\.id)
                        }
                    }
                }
                var results: [(claims: Int, ids: [JobID])] = []
                for try await result in group { results.append(result) }
                return results
            }
            let elapsed = ContinuousClock.now - started
            let claimed = claims.flatMap(\.ids)
            #expect(claimed.count == 2_000 && Set(claimed) == all, "every job claimed exactly once (\(claimed.count))")
            let (completedOnce, total) = try await runner.run(.system) { connection in
                let row = try await connection.query(
                    "SELECT count(*) FILTER (WHERE state = 'completed' AND attempt = 1 AND (data ->> 'attempt')::int = 1 AND data ->> 'state' = 'completed')::bigint, count(*)::bigint FROM jobs",
                    logger: TestDatabase.logger
                ).collect().first
                return try #require(row).decode((Int, Int).self)
            }
            #expect(completedOnce == 2_000 && total == 2_000)
            try await checkConsistency(runner)
            print(
                "PostgresQueueTests: 4 workers completed \(claimed.count) jobs of 3 organizations in \(elapsed); "
                    + "claims per worker (batches of up to 10): \(claims.map(\.claims)), jobs per worker: \(claims.map(\.ids.count))")
        }
    }

    /// Workers claiming laned jobs at once never hold two jobs of one lane: a claim whose lane another claim took
    /// since its snapshot fails with `storage_conflict` and is run again.
    @Test func concurrentWorkersNeverRunTwoJobsOfALane() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let now = f.now()
            let lanes = (0..<6).map { "instance:lane-\($0)" }
            let jobs = (0..<240).map { n in
                f.job(in: org, queue: "test.lanes", scheduledAt: now.addingTimeInterval(-Double(n % 5)), priority: n % 2, lane: lanes[n % 6])
            }
            _ = try await tx(runner, .organization(org)) { tx in for job in jobs { _ = try await tx.jobs.enqueue(job) } }
            let tracker = LaneTracker()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        while tracker.done.load(ordering: .acquiring) < jobs.count {
                            let batch: [Job]
                            do {
                                batch = try await tx(runner, .system) {
                                    try await $0.jobs.claim(
                                        queues: ["test.lanes"], worker: "w\(worker)", limit: 3, lease: .seconds(300), now: now)
                                }
                            } catch let error as WAError where error.code == .storageConflict {
                                tracker.conflicts.add(1, ordering: .relaxed)
                                continue
                            }
                            if batch.isEmpty {
                                try await Task.sleep(for: .milliseconds(2))
                                continue
                            }
                            let claimedLanes = batch.compactMap(\.lane)
                            for lane in claimedLanes where !tracker.inFlight.withLock({ $0.insert(lane).inserted }) {
                                tracker.overlaps.add(1, ordering: .relaxed)
                            }
                            try await Task.sleep(for: .milliseconds(1))
                            // Out of the set before completing: until the completion commits the lane stays busy.
                            tracker.inFlight.withLock { set in for lane in claimedLanes { set.remove(lane) } }
                            try await tx(runner, .system) { tx in
                                for job in batch {
                                    _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
                                }
                            }
                            tracker.done.add(batch.count, ordering: .releasing)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(tracker.overlaps.load(ordering: .relaxed) == 0, "two jobs of one lane were running at once")
            let completed = try await tx(runner, .organization(org)) {
                try await $0.jobs.count(in: org, where: .init(state: .completed))
            }
            #expect(completed == jobs.count)
            print("PostgresQueueTests: lanes: \(jobs.count) jobs in 6 lanes, \(tracker.conflicts.load(ordering: .relaxed)) claims ran again")
        }
    }

    /// What the lane workers share: the lanes whose jobs they hold, and counts.
    final class LaneTracker: Sendable {
        let inFlight = Mutex<Set<String>>([])
        let overlaps = Atomic<Int>(0)
        let conflicts = Atomic<Int>(0)
        let done = Atomic<Int>(0)
    }

    // MARK: - EXPLAIN

    /// The claim statement's plan, on 60,000 jobs of three organizations (60% finished, 38% available, 2% running,
    /// a fifth with an instance lane; analysed), walks the organizations and reads the candidates through the
    /// partial indexes: no sequential scan of `jobs`. (The rows are written directly: only the plan is looked at.)
    @Test func theClaimPlanUsesTheIndexes() async throws {
        try await withRunner { runner in
            let now = f.now()
            _ = try await runner.run(.system) { connection in
                try await connection.query(
                    """
                    INSERT INTO jobs (organization_id, id, version, queue, state, priority, scheduled_at, attempt, snoozes,
                        max_attempts, locked_by, locked_until, lane, created_at, finished_at, data)
                    SELECT o.id, gen_random_uuid(), 1, CASE WHEN n % 2 = 0 THEN 'test.plan' ELSE 'test.other' END, s.state,
                        n % 3, \(now) - make_interval(secs => n % 600), 1, 0, 5,
                        CASE WHEN s.state = 'running' THEN 'w' END,
                        CASE WHEN s.state = 'running' THEN \(now) + make_interval(secs => n % 120 - 60) END,
                        CASE WHEN n % 5 = 0 THEN 'instance:' || (n % 50) END, \(now),
                        CASE WHEN s.state = 'completed' THEN \(now) END, '{}'
                    FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 3)) o
                    CROSS JOIN generate_series(1, 20000) AS n
                    CROSS JOIN LATERAL (SELECT CASE WHEN n % 100 < 60 THEN 'completed' WHEN n % 100 < 98 THEN 'available'
                        ELSE 'running' END AS state) s
                    """, logger: TestDatabase.logger)
            }
            _ = try await runner.client.query("ANALYZE jobs", logger: TestDatabase.logger).collect()
            for lanes in [JobLaneSelection.all, .unheld] {
                let plan = try await runner.run(.system) { connection in
                    let statement = try PostgresJobRepository.claimStatement(
                        queues: ["test.plan"], worker: "w", limit: 10, now: now, lockedUntil: now.addingTimeInterval(60),
                        lanes: lanes, json: { date throws(WAError) in String(date.timeIntervalSinceReferenceDate) },
                        explain: true)
                    return try await connection.query(statement.query, logger: TestDatabase.logger).collect()
                        .map { try $0.decode(String.self) }.joined(separator: "\n")
                }
                print("PostgresQueueTests: EXPLAIN of the claim (\(lanes)):\n\(plan)")
                #expect(!plan.contains("Seq Scan on jobs"), "\(plan)")
                #expect(plan.contains("jobs_claim") && plan.contains("jobs_running"), "\(plan)")
            }
        }
    }

    // MARK: - Leases

    @Test func leasesAreExclusiveRenewKeepTheTokenAndATakeoverRaisesIt() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let instance = f.instance(in: org).id
            let scope = TransactionScope.organization(org)
            let now = f.now()
            func acquire(_ owner: String, at date: Date, for duration: Duration = .seconds(30)) async throws -> InstanceLease? {
                try await tx(runner, scope) {
                    try await $0.leases.acquire(instance: instance, in: org, owner: owner, duration: duration, now: date)
                }
            }
            func stored() async throws -> InstanceLease? {
                try await tx(runner, scope) { try await $0.leases.find(instance.retyped(), in: org) }
            }
            let a = try #require(try await acquire("node-a", at: now))
            #expect(a.token == 1 && a.expiresAt == now.addingTimeInterval(30) && a.version == 1 && a.owner == "node-a")
            #expect(try await stored() == a)
            #expect(try await acquire("node-b", at: now.addingTimeInterval(29)) == nil, "held by node-a")
            let again = try #require(try await acquire("node-a", at: now.addingTimeInterval(10)))
            #expect(again.token == a.token && again.expiresAt == now.addingTimeInterval(40) && again.version == 2)
            let renewed = try await tx(runner, scope) {
                try await $0.leases.renew(again, duration: .seconds(30), now: now.addingTimeInterval(20))
            }
            #expect(renewed.token == a.token && renewed.expiresAt == now.addingTimeInterval(50) && renewed.version == 3)
            #expect(try await stored() == renewed)
            let current = try await tx(runner, scope) {
                try await $0.leases.isCurrent(instance: instance, in: org, token: a.token, now: now.addingTimeInterval(49))
            }
            #expect(current)

            // Expired: node-b takes it over with a higher token; node-a is fenced out.
            let b = try #require(try await acquire("node-b", at: now.addingTimeInterval(51)))
            #expect(b.token == a.token + 1 && b.owner == "node-b" && b.version == 4)
            #expect(try await stored() == b)
            await expectError(.leaseLost) {
                try await tx(runner, scope) { try await $0.leases.renew(a, duration: .seconds(30), now: now.addingTimeInterval(52)) }
            }
            let stale = try await tx(runner, scope) {
                try await $0.leases.isCurrent(instance: instance, in: org, token: a.token, now: now.addingTimeInterval(52))
            }
            #expect(!stale)
            try await tx(runner, scope) { try await $0.leases.release(a) }  // stale: ignored
            #expect(try await stored() == b)
            // Node-b's own lease lapses and node-b acquires again: a new term, a new token.
            let lapsed = try #require(try await acquire("node-b", at: now.addingTimeInterval(90)))
            #expect(lapsed.token == b.token + 1)
            // Released, it is free at once, for a higher token.
            try await tx(runner, scope) { try await $0.leases.release(lapsed) }
            #expect(try await stored()?.expiresAt == .distantPast)
            let c = try #require(try await acquire("node-c", at: now.addingTimeInterval(91)))
            #expect(c.token == lapsed.token + 1 && c.owner == "node-c")
            #expect(try await stored() == c)
            let missing = try await tx(runner, scope) {
                try await $0.leases.isCurrent(instance: f.instance(in: org).id, in: org, token: 1, now: now)
            }
            #expect(!missing)
        }
    }

    /// Node A checks its token (`FOR SHARE`) and keeps its transaction open; node B, whose clock says the lease
    /// expired, acquires it on another connection: B's statement waits for A's lock, and finishes only after A
    /// committed its fenced write.
    @Test func aCheckedLeaseHoldsAConcurrentTakeoverUntilTheCheckCommits() async throws {
        try await withRunner { runner in
            let org = f.organization().id
            let instance = f.instance(in: org).id
            let scope = TransactionScope.organization(org)
            let now = f.now()
            let a = try #require(
                try await tx(runner, scope) {
                    try await $0.leases.acquire(instance: instance, in: org, owner: "node-a", duration: .seconds(30), now: now)
                })
            let checked = AsyncStream<Void>.makeStream()
            let takeoverDone = Atomic<Bool>(false)
            async let fencedWrite: Void = tx(runner, scope) { tx in
                let current = try await tx.leases.isCurrent(instance: instance, in: org, token: a.token, now: now.addingTimeInterval(29))
                #expect(current)
                checked.continuation.yield()
                try await waitForLockWaiter(runner)
                let tookOver = takeoverDone.load(ordering: .acquiring)
                #expect(!tookOver, "the takeover waits while the check's transaction is open")
                _ = try await tx.jobs.enqueue(f.job(in: org, queue: "written-by-node-a"))
            }
            var iterator = checked.stream.makeAsyncIterator()
            _ = await iterator.next()
            let b = try await tx(runner, scope) {
                try await $0.leases.acquire(instance: instance, in: org, owner: "node-b", duration: .seconds(30), now: now.addingTimeInterval(31))
            }
            takeoverDone.store(true, ordering: .releasing)
            try await fencedWrite
            #expect(b?.owner == "node-b" && b?.token == a.token + 1, "the takeover happens once node-a's transaction ended")
            let written = try await tx(runner, scope) { try await $0.jobs.count(in: org, where: .init(queue: "written-by-node-a")) }
            #expect(written == 1)
        }
    }
}
