import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
@testable import WACore
import WACoreTesting
@testable import WAPostgres

#if canImport(Glibc)
import Glibc
#endif

/// The job queue as WACore's workers use it, under load and failures: four workers draining 10,000 jobs, a worker
/// whose connection is killed while it holds a claim, and a server stopped (or killed) and started again while four
/// workers run.
///
/// Each worker is WACore's own loop (`runWorkerLoop`: a batch's error goes to `onError` and the loop goes on) around
/// the batch WACore's webhook delivery worker runs: claim in a system transaction, then for each job do the work and
/// complete the job in its organization's transaction, fenced by the claimed attempt (`lease_lost` skips the job).
/// The work is outside the database, so the ledger counts every time it is done; some tests also write the work's
/// effect in the completing transaction, as the message dispatcher does, to show that effect is kept exactly once.
@Suite("PostgreSQL job queue: concurrency, dropped connections, a restart")
struct PostgresQueueDurabilityTests {
    let f = Fixtures()
    static let logger = TestDatabase.logger

    // MARK: - Exactly once without failures

    /// Four workers, each its own loop on the store, run 10,000 jobs of four organizations: each job is done exactly
    /// once and ends completed at attempt 1.
    @Test(.timeLimit(.minutes(20))) func fourWorkersRunTenThousandJobsExactlyOnce() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresStore(client: client, logger: Self.logger)
            let queue = "test.throughput"
            let count = 10_000
            let enqueueStart = ContinuousClock.now
            let organizations = (0..<4).map { _ in f.organization().id }
            let ids = try await enqueue(count, queue: queue, organizations: organizations, on: store)
            let enqueueTime = ContinuousClock.now - enqueueStart
            #expect(Set(ids).count == count)

            let ledger = QueueLedger()
            let workers = (0..<4).map {
                QueueWorker(name: "w\($0)", store: store, queue: queue, lease: .seconds(60), ledger: ledger)
            }
            let started = ContinuousClock.now
            try await Self.running(workers, idle: .milliseconds(20), wakeUps: nil) {
                try await Self.waitUntil("every job is completed", timeout: .seconds(900)) {
                    ledger.completions >= count
                }
            }
            let elapsed = ContinuousClock.now - started

            let seen = ledger.state
            #expect(seen.executions.count == count && Set(seen.executions.keys) == Set(ids), "every job was run")
            let notOnce = seen.executions.filter { $0.value.count != 1 }
            #expect(notOnce.isEmpty, "jobs run more than once: \(notOnce.count)")
            #expect(seen.executions.values.allSatisfy { $0.first?.attempt == 1 && $0.first?.outcome == .completed })
            #expect(seen.errors.isEmpty, "errors: \(seen.errors.prefix(5))")
            let rows = try await Self.jobRows(client)
            #expect(rows.count == count && rows.values.allSatisfy { $0.state == "completed" && $0.attempt == 1 })
            let perWorker = workers.map { worker in
                seen.executions.values.filter { $0.first?.worker == worker.name }.count
            }
            print(
                "PostgresQueueDurabilityTests: enqueued \(count) jobs in \(Self.seconds(enqueueTime)) "
                    + "(\(Self.rate(count, enqueueTime)) jobs/s); 4 workers ran them in \(Self.seconds(elapsed)) "
                    + "(\(Self.rate(count, elapsed)) jobs/s), jobs per worker \(perWorker)")
        }
    }

    // MARK: - A dropped connection

    /// Worker `a` claims a job and, while it completes it, its connection is killed (`pg_terminate_backend`): `a`
    /// gets `storage_unavailable` and its transaction (the effect with the completion) is gone. The job stays
    /// running until its lease expires; then another worker claims it again (attempt 2) and completes it. The
    /// attempts count as WACore defines: the rescue claim is attempt 2, a failed claim, not a snooze; and `a`'s late
    /// completion of attempt 1 is refused with `lease_lost`.
    @Test(.timeLimit(.minutes(10))) func aJobWhoseWorkerLostItsConnectionIsRescuedByAnotherWorker() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresStore(client: client, logger: Self.logger)
            let queue = "test.rescue"
            let org = f.organization().id
            let jobID = try #require(try await enqueue(1, queue: queue, organizations: [org], on: store).first)
            let ledger = QueueLedger()
            let lease = Duration.seconds(2)

            // `a` stops after recording the work, until the test has locked the job's row: its completing UPDATE
            // then waits for that lock, on a connection the test can find and kill.
            let claimed = OneShot()
            let proceed = OneShot()
            let claimedJob = Mutex<Job?>(nil)
            var a = QueueWorker(
                name: "a", store: store, queue: queue, lease: lease, ledger: ledger, recordsEffect: true)
            a.beforeCompleting = { job in
                claimedJob.withLock { $0 = job }
                claimed.fire()
                await proceed.wait()
            }
            let worker = a
            let (killedAt, outcome) = try await TestDatabase.transaction(client, as: .system) { lock in
                let batch = Task { try await worker.runBatch() }
                await claimed.wait()
                try await lock.execute(
                    "SELECT 1 FROM jobs WHERE organization_id = \(org.uuid) AND id = \(jobID.uuid) FOR UPDATE")
                let lockPID = try await lock.integer("SELECT pg_backend_pid()::bigint")
                proceed.fire()
                let blocked = try await Self.waitForBackend(blockedBy: lockPID, client)
                let killedAt = ContinuousClock.now
                let terminated = try await client.query(
                    "SELECT pg_terminate_backend(\(blocked)::int)", logger: Self.logger
                ).collect().first?.decode(Bool.self)
                #expect(terminated == true)
                return (killedAt, await batch.result)
            }
            let claim = try #require(claimedJob.withLock { $0 })
            #expect(claim.id == jobID && claim.attempt == 1 && claim.lockedBy == "a")
            switch outcome {
            case .success(let handled):
                Issue.record("a's batch succeeded (\(handled) jobs) although its connection died")
            case .failure(let error):
                #expect((error as? WAError)?.code == .storageUnavailable, "a's completion failed with \(error)")
                #expect((error as? WAError)?.isRetryable == true)
            }

            // Other workers, busy with other jobs, rescue it once a's lease has expired (their own leases are long:
            // nothing else of theirs expires, however slow the machine).
            let others = try await enqueue(300, queue: queue, organizations: [org], on: store)
            let workers = ["b", "c", "d"].map {
                QueueWorker(
                    name: $0, store: store, queue: queue, lease: .seconds(60), ledger: ledger, recordsEffect: true)
            }
            try await Self.running(workers, idle: .milliseconds(20), wakeUps: nil) {
                try await Self.waitUntil("every job is completed", timeout: .seconds(420)) {
                    ledger.state.executions.values.filter { $0.contains { $0.outcome == .completed } }.count == 301
                }
            }
            let stored = try await store.transaction(.organization(org)) { try await $0.jobs.get(jobID, in: org) }
            #expect(stored.state == .completed && stored.attempt == 2)
            #expect(stored.snoozes == 0 && stored.failedClaims == 2, "the rescue counts as an attempt")
            #expect(stored.lastError == nil && stored.lockedBy == nil && stored.lockedUntil == nil)

            let seen = ledger.state
            let runs = seen.executions[jobID] ?? []
            #expect(runs.count == 2, "the job ran twice: by a, whose completion was lost, then by its rescuer")
            #expect(runs.first?.worker == "a" && runs.first?.attempt == 1 && runs.first?.outcome == .failed)
            let rescuer = try #require(runs.last)
            #expect(["b", "c", "d"].contains(rescuer.worker) && rescuer.attempt == 2 && rescuer.outcome == .completed)
            let late = await Self.errorCode {
                try await store.transaction(.organization(org)) {
                    try await $0.jobs.complete(jobID, in: org, attempt: 1, now: Date())
                }
            }
            #expect(late == .leaseLost, "a's claim was taken over: its completion is refused")
            #expect(seen.errors.isEmpty, "the other workers' loops saw no error: \(seen.errors)")

            let effects = try await Self.effects(client)
            #expect(effects[jobID] == [2], "one effect, the rescuer's: a's transaction was rolled back")
            #expect(others.allSatisfy { effects[$0] == [1] && seen.executions[$0]?.count == 1 })
            let rescuedAt = try #require(rescuer.endedAt)
            let leaseEnd = try #require(claim.lockedUntil)
            let rescuedDate = Date().addingTimeInterval(-(ContinuousClock.now - rescuedAt).timeInterval)
            print(
                "PostgresQueueDurabilityTests: the job of a killed connection was completed by \(rescuer.worker) "
                    + "\(Self.seconds(rescuedAt - killedAt)) after the kill, "
                    + String(format: "%.2f s", rescuedDate.timeIntervalSince(leaseEnd))
                    + " after its \(lease) lease ended")
        }
    }

    // MARK: - A restart

    /// How the server goes away mid-run.
    enum Outage: String, CaseIterable, Sendable {
        /// `EmbeddedPostgres.stop()`: `pg_ctl stop --mode fast` (sessions are terminated, open transactions roll
        /// back, a checkpoint is written).
        case stop
        /// `SIGKILL` to the postmaster: a crash; the next start runs crash recovery.
        case kill
    }

    /// Four workers run 3,000 jobs on a private server that is stopped (or killed) after about a third and started
    /// again two seconds later. The workers see `storage_unavailable` (and nothing else) while it is down, their
    /// loops go on, and the client reconnects by itself. Afterwards:
    /// - no job is lost: every job is completed, and was run at least once;
    /// - the queue completed each job once: its effect, written in the completing transaction, exists exactly once,
    ///   for the attempt the job completed with, and that is the last attempt that ran;
    /// - the work outside the database ran at least once: a job ran again only when an earlier run's completion
    ///   did not go through, because the connection failed (before or during `COMMIT`: a completion cut off in
    ///   `COMMIT` may still have committed, and then nothing runs again) or because it came after the claim's lease
    ///   had expired during the outage (`lease_lost`); so the extra runs are at most the jobs the workers held when the
    ///   server went away (4 workers × batches of 10).
    @Test(.timeLimit(.minutes(15)), arguments: Outage.allCases)
    func noJobIsLostAcrossARestart(_ outage: Outage) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("wa-pg-restart-\(UUID().uuidString.prefix(8))").path
        let postgres = EmbeddedPostgres(
            configuration: EmbeddedPostgresConfiguration(
                directory: directory, settings: ["fsync": "off", "full_page_writes": "off"]),
            logger: Self.logger)
        do {
            let settings = try await postgres.start()
            try await TestDatabase.withClient(settings) { client in
                try await TestDatabase.migrate(client)
                try await runAcrossARestart(outage, postgres: postgres, client: client)
            }
        } catch {
            try? await postgres.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        try await postgres.stop()
        try FileManager.default.removeItem(atPath: directory)
    }

    func runAcrossARestart(_ outage: Outage, postgres: EmbeddedPostgres, client: PostgresClient) async throws {
        let store = PostgresStore(client: client, logger: Self.logger)
        let queue = "test.restart"
        let count = 3_000
        let batchSize = 10
        let organizations = (0..<4).map { _ in f.organization().id }
        let ids = try await enqueue(count, queue: queue, organizations: organizations, on: store)
        let ledger = QueueLedger()
        let workers = (0..<4).map {
            QueueWorker(
                name: "w\($0)", store: store, queue: queue, lease: .seconds(5), batchSize: batchSize, ledger: ledger,
                recordsEffect: true)
        }
        let listener = Task { try await store.wakeUpListener.run() }
        defer { listener.cancel() }

        let (downAt, upAt, doneAt, completedBefore) = try await Self.running(
            workers, idle: .milliseconds(100), wakeUps: store.wakeUps
        ) {
            try await Self.waitUntil("a third of the jobs are completed", timeout: .seconds(300)) {
                ledger.completions >= count / 3
            }
            let completedBefore = ledger.completions
            let downAt = ContinuousClock.now
            switch outage {
            case .stop:
                try await postgres.stop()
            case .kill:
                let lock = try #require(PostmasterLock.read(dataDirectory: postgres.dataDirectory))
                #expect(kill(lock.pid, SIGKILL) == 0)
            }
            try await Task.sleep(for: .seconds(2))
            _ = try await postgres.start()
            let upAt = ContinuousClock.now
            try await Self.waitUntil("every job is completed", timeout: .seconds(420)) {
                try await Self.completedCount(client) == count
            }
            return (downAt, upAt, ContinuousClock.now, completedBefore)
        }

        // The wake-up listener listens again: a commit after the restart wakes a waiter.
        var woken = false
        for _ in 0..<10 where !woken {
            let mark = store.wakeUpListener.mark()
            _ = try await enqueue(1, queue: "test.after-restart", organizations: [organizations[0]], on: store)
            woken = await Self.wakes(
                store.wakeUpListener, .queue("test.after-restart"), after: mark, within: .seconds(2))
        }
        #expect(woken, "the wake-up listener reconnected")

        let seen = ledger.state
        let rows = try await Self.jobRows(client)
        let effects = try await Self.effects(client)
        // Nothing lost.
        #expect(Set(seen.executions.keys) == Set(ids), "every job ran")
        let unfinished = ids.filter { rows[$0]?.state != "completed" }
        #expect(unfinished.isEmpty, "jobs not completed: \(unfinished.count)")
        // The queue's completion and the effect written with it: exactly once, the last run's.
        for id in ids {
            let runs = seen.executions[id] ?? []
            let lastAttempt = runs.map(\.attempt).max()
            #expect(
                effects[id]?.count == 1 && effects[id]?.first == rows[id]?.attempt,
                "job \(id): effects \(effects[id] ?? [])")
            #expect(rows[id]?.attempt == lastAttempt, "job \(id) completed by \(rows[id]?.attempt ?? 0): \(runs)")
            #expect(runs.filter { $0.outcome == .completed }.count <= 1)
            // Every run but the last ended without its completion going through.
            #expect(runs.sorted { $0.attempt < $1.attempt }.dropLast().allSatisfy { $0.outcome != .completed })
        }
        // The work outside the database: at least once, repeated only for runs in hand at the outage.
        let extraRuns = seen.executions.values.reduce(0) { $0 + $1.count - 1 }
        let failed = seen.executions.values.flatMap { $0 }.filter { $0.outcome == .failed }.count
        let committedUnseen = seen.executions.filter { id, runs in
            runs.contains { $0.outcome == .failed && $0.attempt == rows[id]?.attempt }
        }.count
        let overtaken = seen.executions.values.flatMap { $0 }.filter { $0.outcome == .leaseLost }.count
        // Each run but a job's last is one whose completion did not go through.
        #expect(extraRuns == failed - committedUnseen + overtaken)
        #expect(extraRuns <= workers.count * batchSize, "extra runs: \(extraRuns)")
        // The workers saw the outage as storage_unavailable, and nothing else.
        #expect(!seen.errors.isEmpty, "the workers saw the outage")
        let unexpected = seen.errors.filter { ($0 as? WAError)?.code != .storageUnavailable }
        #expect(unexpected.isEmpty, "errors other than storage_unavailable: \(unexpected.prefix(5))")
        let firstAfter = seen.completionTimes.filter { $0 > upAt }.min()
        print(
            "PostgresQueueDurabilityTests (\(outage)): \(count) jobs, \(completedBefore) completed before the outage, "
                + "down \(Self.seconds(upAt - downAt)); first completion "
                + "\(firstAfter.map { Self.seconds($0 - upAt) } ?? "-") after the start, all done "
                + "\(Self.seconds(doneAt - upAt)) after it; \(seen.errors.count) worker errors "
                + "(\(Set(seen.errors.map { "\($0)" }).sorted().joined(separator: " | "))); \(extraRuns) extra runs: "
                + "\(failed) completions failed (\(committedUnseen) of them committed nonetheless), \(overtaken) were "
                + "refused with lease_lost after the lease expired")
    }

    // MARK: - Workers

    /// One test worker: WACore's worker loop around a batch like `WebhookDeliveryWorker`'s.
    struct QueueWorker: Sendable {
        var name: String
        var store: PostgresStore
        var queue: String
        var lease: Duration
        var batchSize = 10
        var ledger: QueueLedger
        /// Whether the completing transaction also writes the work's effect: a template named after the job and the
        /// attempt (committed exactly when the completion is).
        var recordsEffect = false
        /// Runs after the work and before the completion (a test holds the worker there).
        var beforeCompleting: (@Sendable (Job) async -> Void)?

        /// Claims up to `batchSize` jobs and runs each: the work (noted in the ledger), then its completion; a
        /// `lease_lost` skips the job, another error is thrown after the batch. Returns how many it claimed.
        func runBatch() async throws -> Int {
            let now = Date()
            let jobs = try await store.transaction(.system) { tx in
                try await tx.jobs.claim(queues: [queue], worker: name, limit: batchSize, lease: lease, now: now)
            }
            var firstError: (any Error)?
            for job in jobs {
                ledger.ran(job, by: name)
                await beforeCompleting?(job)
                do {
                    try await store.transaction(.organization(job.organizationID)) { tx in
                        if recordsEffect { _ = try await tx.templates.insert(Self.effect(of: job)) }
                        _ = try await tx.jobs.complete(
                            job.id, in: job.organizationID, attempt: job.attempt, now: Date())
                    }
                    ledger.ended(job, .completed)
                } catch let error as WAError where error.code == .leaseLost {
                    ledger.ended(job, .leaseLost)
                } catch {
                    ledger.ended(job, .failed)
                    if firstError == nil { firstError = error }
                }
            }
            if let firstError { throw firstError }
            return jobs.count
        }

        /// WACore's worker loop until the task is cancelled; errors go to the ledger.
        func run(idle: Duration, wakeUps: (any WorkerWakeUps)?) async throws {
            let ledger = self.ledger
            try await runWorkerLoop(
                clock: SystemWallClock(), idle: idle, wakeUps: wakeUps, topics: [.queue(queue)],
                onError: { ledger.failed($0) }, batch: { try await runBatch() })
        }

        static let effectIDs = IdentifierGenerator(clock: SystemWallClock(), random: SystemRandomSource())

        /// The effect of running `job`: a template named `<job id> <attempt>`.
        static func effect(of job: Job) -> Template {
            Template(
                id: effectIDs.make(), organizationID: job.organizationID, name: "\(job.id) \(job.attempt)",
                body: "done", createdAt: Date())
        }
    }

    /// Runs `workers`' loops while `body` runs, then cancels them and waits until they have returned.
    static func running<Result: Sendable>(
        _ workers: [QueueWorker], idle: Duration, wakeUps: (any WorkerWakeUps)?, _ body: () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { try await worker.run(idle: idle, wakeUps: wakeUps) } }
            do {
                let result = try await body()
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    // MARK: - Helpers

    /// Enqueues `count` jobs of `queue`, round-robin over `organizations`: each organization's in transactions of
    /// 500, the organizations in parallel. Returns the ids.
    func enqueue(_ count: Int, queue: String, organizations: [OrganizationID], on store: PostgresStore) async throws
        -> [JobID]
    {
        let now = Date().addingTimeInterval(-1)
        let jobs = (0..<count).map { n in
            Job(
                id: f.ids.make(), organizationID: organizations[n % organizations.count], queue: queue,
                payload: Array(#"{"n":\#(n)}"#.utf8), maxAttempts: 25, scheduledAt: now, createdAt: now)
        }
        let byOrganization = Dictionary(grouping: jobs, by: \.organizationID)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (org, jobs) in byOrganization {
                group.addTask {
                    for start in stride(from: 0, to: jobs.count, by: 500) {
                        try await store.transaction(.organization(org)) { tx in
                            for job in jobs[start..<min(start + 500, jobs.count)] { _ = try await tx.jobs.enqueue(job) }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return jobs.map(\.id)
    }

    /// Every job's state and attempt, read as the system.
    static func jobRows(_ client: PostgresClient) async throws -> [JobID: (state: String, attempt: Int)] {
        try await TestDatabase.transaction(client, as: .system) { connection in
            var rows: [JobID: (state: String, attempt: Int)] = [:]
            let query = try await connection.query("SELECT id, state, attempt::bigint FROM jobs", logger: logger)
            for try await (id, state, attempt) in query.decode((UUID, String, Int).self) {
                rows[JobID(uuid: id)] = (state, attempt)
            }
            return rows
        }
    }

    /// How many jobs are completed.
    static func completedCount(_ client: PostgresClient) async throws -> Int {
        try await TestDatabase.transaction(client, as: .system) {
            try await $0.integer("SELECT count(*)::bigint FROM jobs WHERE state = 'completed'")
        }
    }

    /// The effects each job's completions wrote: the attempts, one per effect.
    static func effects(_ client: PostgresClient) async throws -> [JobID: [Int]] {
        let names = try await TestDatabase.transaction(client, as: .system) {
            try await $0.strings("SELECT name FROM templates")
        }
        var effects: [JobID: [Int]] = [:]
        for name in names {
            let parts = name.split(separator: " ")
            guard parts.count == 2, let id = JobID(String(parts[0])), let attempt = Int(parts[1]) else {
                throw SQLTestFailure("an effect named \(name)")
            }
            effects[id, default: []].append(attempt)
        }
        return effects
    }

    /// Waits until a backend of the database waits for a lock `pid` holds, and returns its process id.
    static func waitForBackend(blockedBy pid: Int, _ client: PostgresClient) async throws -> Int {
        for _ in 0..<1_000 {
            let rows = try await client.query(
                "SELECT pid::bigint FROM pg_stat_activity WHERE \(pid)::int = ANY(pg_blocking_pids(pid))",
                logger: logger
            ).collect()
            if let row = rows.first { return try row.decode(Int.self) }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SQLTestFailure("no backend waited for the lock of \(pid)")
    }

    /// Checks `condition` every 50 ms until it holds (a check that throws counts as not yet), for at most `timeout`.
    static func waitUntil(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SQLTestFailure("timed out after \(timeout) waiting until \(what)")
    }

    /// Whether `wakeUps` signals `topic` after `mark` within `limit`.
    static func wakes(
        _ wakeUps: any WorkerWakeUps, _ topic: WakeUpTopic, after mark: WakeUpMark, within limit: Duration
    ) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await wakeUps.wait(for: [topic], after: mark)) != nil }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    static func errorCode<R>(_ body: () async throws -> R) async -> WAError.Code? {
        do {
            _ = try await body()
            return nil
        } catch {
            return (error as? WAError)?.code ?? .internalError
        }
    }

    static func seconds(_ duration: Duration) -> String { String(format: "%.2f s", duration.timeInterval) }

    static func rate(_ count: Int, _ duration: Duration) -> Int {
        Int((Double(count) / duration.timeInterval).rounded())
    }
}

/// What the test workers did, as they saw it: each run of a job's work, how its completion ended, and the errors
/// their loops reported.
final class QueueLedger: Sendable {
    /// How a run's completion ended.
    enum Outcome: Sendable, Hashable {
        /// The completion committed.
        case completed
        /// Refused: the claim had expired and was taken over.
        case leaseLost
        /// Failed otherwise (here: the connection failed). Not committed, or committed without the worker knowing
        /// (the connection failed during `COMMIT`).
        case failed
    }

    /// One run of a job's work: by whom, for which attempt, and how its completion ended (`nil` until it did).
    struct Run: Sendable, Hashable {
        var worker: String
        var attempt: Int
        var outcome: Outcome?
        var endedAt: ContinuousClock.Instant?
    }

    struct State: Sendable {
        var executions: [JobID: [Run]] = [:]
        var completionTimes: [ContinuousClock.Instant] = []
        var errors: [any Error] = []
    }

    private let mutex = Mutex(State())

    var state: State { mutex.withLock { $0 } }

    /// How many completions committed (as their workers saw it).
    var completions: Int { mutex.withLock { $0.completionTimes.count } }

    func ran(_ job: Job, by worker: String) {
        mutex.withLock { $0.executions[job.id, default: []].append(Run(worker: worker, attempt: job.attempt)) }
    }

    func ended(_ job: Job, _ outcome: Outcome) {
        let now = ContinuousClock.now
        mutex.withLock { state in
            guard let index = state.executions[job.id]?.lastIndex(where: { $0.attempt == job.attempt }) else { return }
            state.executions[job.id]?[index].outcome = outcome
            state.executions[job.id]?[index].endedAt = now
            if outcome == .completed { state.completionTimes.append(now) }
        }
    }

    func failed(_ error: any Error) { mutex.withLock { $0.errors.append(error) } }
}

/// A signal one task fires once and another waits for.
final class OneShot: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func fire() {
        continuation.yield()
        continuation.finish()
    }

    func wait() async {
        for await _ in stream { return }
    }
}
