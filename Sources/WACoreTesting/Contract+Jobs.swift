import Foundation
import WACore

extension RepositoryContract {
    static var jobQueueCases: [Case] {
        [
            Case("jobs: enqueue is idempotent per queue and unique key while the job is unfinished", jobEnqueueIsIdempotent),
            Case("jobs: claims take due jobs in priority, time and id order", jobClaimOrder),
            Case("jobs: complete, retry and fail need the claimed attempt", jobFencing),
            Case("jobs: an expired lease is claimed again with a higher attempt", jobLeaseExpiry),
            Case("jobs: attempts are bounded", jobMaxAttempts),
            Case("jobs: snoozes wait without using up attempts", jobSnooze),
            Case("jobs: concurrent workers never claim one job twice", jobConcurrentClaims),
            Case("jobs: a job enqueued in a rolled-back transaction never runs", jobRollback),
            Case("jobs: claiming needs system scope", jobClaimScope),
            Case("jobs: a lane runs one job at a time, across queues and workers", jobLanes),
            Case("jobs: a snooze that holds its lane moves the lane's due jobs after it, in order", jobLaneHold),
            Case("jobs: the next claim time is the earliest claimable job's, lanes and leases included", jobNextClaimTime),
            Case("jobs: pruning deletes finished jobs older than the cut-off, oldest first, and nothing else", jobPruning),
            Case("jobs: a claim limited to lanes takes only their jobs", jobClaimByLanes),
            Case("jobs: a claim of unheld lanes skips the instances a node holds", jobClaimUnheld),
        ]
    }

    static var leaseCases: [Case] {
        [
            Case("leases: one owner at a time, renewals keep the token", leaseExclusive),
            Case("leases: an expired lease changes hands with a higher token and fences the old owner", leaseTakeover),
            Case("leases: a released lease is free", leaseRelease),
            Case("leases: a takeover waits for a write fenced by the old token", leaseFenceHolds),
        ]
    }

    private static func claim(
        _ store: any Store, _ queues: Set<String>, worker: String = "w1", limit: Int = 10,
        lease: Duration = .seconds(60), at now: Date
    ) async throws -> [Job] {
        try await store.transaction(.system) {
            try await $0.jobs.claim(queues: queues, worker: worker, limit: limit, lease: lease, now: now)
        }
    }

    /// A queue name unique to this run, so cases sharing a store never see each other's jobs.
    private static func queue(_ f: Fixtures) -> String { "test.\(f.token(8))" }

    private static func jobClaimByLanes(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let mine = "lane-\(f.token(6))"
        let theirs = "lane-\(f.token(6))"
        let jobs = [
            f.job(in: t.id, queue: q, lane: mine), f.job(in: t.id, queue: q, lane: theirs), f.job(in: t.id, queue: q),
        ]
        try await store.transaction(.organization(t.id)) { tx in for job in jobs { _ = try await tx.jobs.enqueue(job) } }
        let limited = try await store.transaction(.system) {
            try await $0.jobs.claim(queues: [q], worker: "w1", limit: 10, lease: .seconds(60), now: f.now(), lanes: .only([mine]))
        }
        try check(limited.map(\.id) == [jobs[0].id], "only the job of the node's lane is claimed (\(limited.count))")
        let rest = try await claim(store, [q], at: f.now())
        try check(Set(rest.map(\.id)) == Set([jobs[1].id, jobs[2].id]), "an unlimited claim takes the others")
        let none = try await store.transaction(.system) {
            try await $0.jobs.claim(queues: [q], worker: "w1", limit: 10, lease: .seconds(60), now: f.now(), lanes: .only([]))
        }
        try check(none.isEmpty, "no lanes, no jobs")
    }

    private static func jobClaimUnheld(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let (held, expired, nobody) = try await store.transaction(.organization(t.id)) { tx in
            (
                try await tx.instances.insert(f.instance(in: t.id)), try await tx.instances.insert(f.instance(in: t.id)),
                try await tx.instances.insert(f.instance(in: t.id))
            )
        }
        let now = f.now()
        try await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.leases.acquire(instance: held.id, in: t.id, owner: "node-b", duration: .seconds(600), now: now)
            _ = try await tx.leases.acquire(
                instance: expired.id, in: t.id, owner: "node-c", duration: .seconds(1), now: now.addingTimeInterval(-60))
        }
        let jobs = [
            f.job(in: t.id, queue: q, lane: Job.instanceLane(held.id)),
            f.job(in: t.id, queue: q, lane: Job.instanceLane(expired.id)),
            f.job(in: t.id, queue: q, lane: Job.instanceLane(nobody.id)),
            f.job(in: t.id, queue: q),
            f.job(in: t.id, queue: q, lane: "tenant-\(f.token(4))"),
        ]
        try await store.transaction(.organization(t.id)) { tx in for job in jobs { _ = try await tx.jobs.enqueue(job) } }
        let unheld = try await store.transaction(.system) {
            try await $0.jobs.claim(queues: [q], worker: "w1", limit: 10, lease: .seconds(60), now: f.now(), lanes: .unheld)
        }
        try check(
            Set(unheld.map(\.id)) == Set([jobs[1].id, jobs[2].id, jobs[3].id]),
            "the jobs of instances without a live lease and jobs without a lane (\(unheld.map(\.lane)))")
    }

    private static func jobPruning(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        // Finished long ago (2001), so that no other case's jobs on a shared store are older.
        let ancient = Date(timeIntervalSince1970: 1_000_000_000)
        let jobs = (0..<3).map { _ in f.job(in: t.id, queue: q, scheduledAt: ancient) }
        let waiting = f.job(in: t.id, queue: q + ".waiting", scheduledAt: ancient)
        let recent = f.job(in: t.id, queue: q + ".recent", scheduledAt: f.now())
        try await store.transaction(.organization(t.id)) { tx in
            for job in jobs + [waiting, recent] { _ = try await tx.jobs.enqueue(job) }
        }
        let claimed = try await claim(store, [q], limit: 3, at: ancient)
        try check(claimed.count == 3, "the three old jobs are claimed")
        try await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.jobs.complete(claimed[0].id, in: t.id, attempt: claimed[0].attempt, now: ancient)
            _ = try await tx.jobs.fail(claimed[1].id, in: t.id, attempt: claimed[1].attempt, error: "x", now: ancient.addingTimeInterval(60))
        }
        let recentClaim = try await claim(store, [q + ".recent"], at: f.now())
        _ = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.complete(recent.id, in: t.id, attempt: recentClaim[0].attempt, now: f.now())
        }
        try await checkThrows(.tenantMismatch, "pruning needs system scope") {
            try await store.transaction(.organization(t.id)) { try await $0.jobs.pruneFinished(before: ancient, limit: 10) }
        }
        let cutOff = ancient.addingTimeInterval(3_600)
        let first = try await store.transaction(.system) { try await $0.jobs.pruneFinished(before: cutOff, limit: 1) }
        try check(first == 1, "a limit of one prunes one job (\(first))")
        _ = try await store.transaction(.system) { try await $0.jobs.pruneFinished(before: cutOff, limit: 1_000) }
        try await store.transaction(.organization(t.id)) { tx in
            try check(try await tx.jobs.find(claimed[0].id, in: t.id) == nil, "the completed old job is pruned")
            try check(try await tx.jobs.find(claimed[1].id, in: t.id) == nil, "the failed old job is pruned")
            try check(try await tx.jobs.find(claimed[2].id, in: t.id)?.state == .running, "a running job is kept")
            try check(try await tx.jobs.find(waiting.id, in: t.id)?.state == .available, "a waiting job is kept")
            try check(try await tx.jobs.find(recent.id, in: t.id)?.state == .completed, "a job finished after the cut-off is kept")
        }
    }

    private static func jobEnqueueIsIdempotent(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let first = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.enqueue(f.job(in: t.id, queue: q, uniqueKey: "message-1"))
        }
        let again = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.enqueue(f.job(in: t.id, queue: q, uniqueKey: "message-1"))
        }
        try check(again.id == first.id, "a second enqueue with the key returns the first job")
        let otherQueue = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.enqueue(f.job(in: t.id, queue: q + ".other", uniqueKey: "message-1"))
        }
        try check(otherQueue.id != first.id, "the key is per queue")
        let claimed = try await claim(store, [q], at: f.now())
        _ = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.complete(first.id, in: t.id, attempt: claimed[0].attempt, now: f.now())
        }
        let afterCompletion = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.enqueue(f.job(in: t.id, queue: q, uniqueKey: "message-1"))
        }
        try check(
            afterCompletion.id != first.id && afterCompletion.state == .available,
            "a finished job no longer holds its key: enqueueing again adds a new job")
        let whileWaiting = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.enqueue(f.job(in: t.id, queue: q, uniqueKey: "message-1"))
        }
        try check(whileWaiting.id == afterCompletion.id, "the new job holds the key while it waits")
    }

    private static func jobClaimOrder(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let now = f.now()
        let later = f.job(in: t.id, queue: q, scheduledAt: now.addingTimeInterval(60))
        let low = f.job(in: t.id, queue: q, scheduledAt: now, priority: 5)
        let old = f.job(in: t.id, queue: q, scheduledAt: now.addingTimeInterval(-10))
        let urgent = f.job(in: t.id, queue: q, scheduledAt: now, priority: -1)
        let elsewhere = f.job(in: t.id, queue: q + ".x", scheduledAt: now)
        try await store.transaction(.organization(t.id)) { tx in
            for job in [later, low, old, urgent, elsewhere] { _ = try await tx.jobs.enqueue(job) }
        }
        let first = try await claim(store, [q], worker: "w1", limit: 2, lease: .seconds(3600), at: now)
        try check(first.map(\.id) == [urgent.id, old.id], "priority first, then the earlier schedule")
        try check(
            first.allSatisfy { $0.state == .running && $0.attempt == 1 && $0.lockedBy == "w1"
                && $0.lockedUntil == now.addingTimeInterval(3600) },
            "claimed jobs are running, attempt 1, locked by the worker for the lease")
        let second = try await claim(store, [q], lease: .seconds(3600), at: now)
        try check(second.map(\.id) == [low.id], "running jobs and future jobs are not claimed")
        let third = try await claim(store, [q], at: now.addingTimeInterval(61))
        try check(third.map(\.id) == [later.id], "a future job is claimed once due; live leases hold")
    }

    private static func jobFencing(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let job = try await store.transaction(.organization(t.id)) { try await $0.jobs.enqueue(f.job(in: t.id, queue: q)) }
        let now = f.now()
        let claimed = try requireValue(try await claim(store, [q], at: now).first, "a claimed job")
        try await checkThrows(.leaseLost, "completing with the wrong attempt") {
            try await store.transaction(.organization(t.id)) {
                try await $0.jobs.complete(job.id, in: t.id, attempt: claimed.attempt + 1, now: now)
            }
        }
        let retried = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.retry(job.id, in: t.id, attempt: claimed.attempt, at: now.addingTimeInterval(5), error: "503")
        }
        try check(
            retried.state == .available && retried.lastError == "503" && retried.lockedBy == nil,
            "retry puts the job back, unlocked, with the error")
        try await checkThrows(.leaseLost, "completing a job that is no longer running") {
            try await store.transaction(.organization(t.id)) {
                try await $0.jobs.complete(job.id, in: t.id, attempt: claimed.attempt, now: now)
            }
        }
        let again = try requireValue(try await claim(store, [q], at: now.addingTimeInterval(5)).first, "claimed again")
        try check(again.attempt == 2, "the second claim is attempt 2")
        let extended = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.extendLease(job.id, in: t.id, attempt: 2, until: now.addingTimeInterval(600))
        }
        try check(extended.state == .running && extended.lockedUntil == now.addingTimeInterval(600), "lease extended")
        let failed = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.fail(job.id, in: t.id, attempt: 2, error: "410 Gone", now: now)
        }
        try check(failed.state == .failed && failed.finishedAt == now, "fail is final")
        let none = try await claim(store, [q], at: now.addingTimeInterval(3600))
        try check(none.isEmpty, "a failed job is never claimed")
    }

    private static func jobLeaseExpiry(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        _ = try await store.transaction(.organization(t.id)) { try await $0.jobs.enqueue(f.job(in: t.id, queue: q)) }
        let now = f.now()
        let crashed = try requireValue(
            try await claim(store, [q], worker: "w1", lease: .seconds(30), at: now).first, "claim")
        try check(try await claim(store, [q], worker: "w2", at: now.addingTimeInterval(29)).isEmpty, "lease holds")
        let rescued = try requireValue(
            try await claim(store, [q], worker: "w2", at: now.addingTimeInterval(30)).first, "reclaimed")
        try check(rescued.id == crashed.id && rescued.attempt == 2 && rescued.lockedBy == "w2", "w2 owns attempt 2")
        try await checkThrows(.leaseLost, "the crashed worker comes back and completes") {
            try await store.transaction(.organization(t.id)) {
                try await $0.jobs.complete(crashed.id, in: t.id, attempt: 1, now: now.addingTimeInterval(31))
            }
        }
        let done = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.complete(rescued.id, in: t.id, attempt: 2, now: now.addingTimeInterval(31))
        }
        try check(done.state == .completed, "the new owner completes")
    }

    private static func jobMaxAttempts(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let job = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.enqueue(f.job(in: t.id, queue: q, maxAttempts: 2))
        }
        var now = f.now()
        for _ in 0..<2 {
            let claimed = try await claim(store, [q], lease: .seconds(10), at: now)
            try check(claimed.count == 1, "claimable while attempts remain")
            now = now.addingTimeInterval(11)  // the worker "crashes": its lease expires
        }
        try check(try await claim(store, [q], at: now).isEmpty, "no third attempt")
        let stored = try await store.transaction(.organization(t.id)) { try await $0.jobs.get(job.id, in: t.id) }
        try check(stored.state == .failed && stored.attempt == 2, "the job failed after its attempts: \(stored.state)")
    }

    private static func jobSnooze(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let job = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.enqueue(f.job(in: t.id, queue: q, maxAttempts: 1))
        }
        var now = f.now()
        for round in 1...3 {
            let claimed = try requireValue(try await claim(store, [q], at: now).first, "claim \(round)")
            try check(claimed.attempt == round, "the attempt number still rises (fencing): \(claimed.attempt)")
            let snoozed = try await store.transaction(.organization(t.id)) {
                try await $0.jobs.snooze(job.id, in: t.id, attempt: claimed.attempt, until: now.addingTimeInterval(6))
            }
            try check(
                snoozed.state == .available && snoozed.snoozes == round && snoozed.scheduledAt == now.addingTimeInterval(6),
                "snoozed until later")
            try check(try await claim(store, [q], at: now.addingTimeInterval(5)).isEmpty, "not before the snooze ends")
            now = now.addingTimeInterval(6)
        }
        let last = try requireValue(try await claim(store, [q], at: now).first, "still claimable after 3 snoozes")
        try check(last.failedClaims == 1, "only the current claim counts")
        _ = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.retry(job.id, in: t.id, attempt: last.attempt, at: now, error: "timeout")
        }
        try check(try await claim(store, [q], at: now).isEmpty, "a real failure used up the single attempt")
    }

    private static func jobLanes(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let (q1, q2) = (queue(f), queue(f))
        let lane = "instance:\(f.token(8))"
        let jobs = try await store.transaction(.organization(t.id)) { tx in
            [
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q1, lane: lane)),
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q2, lane: lane)),
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q1, lane: "other:\(f.token(8))")),
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q1)),
            ]
        }
        let now = f.now()
        let first = try await claim(store, [q1, q2], worker: "w1", lease: .seconds(30), at: now)
        try check(Set(first.map(\.id)) == [jobs[0].id, jobs[2].id, jobs[3].id], "one job per lane in a claim: \(first.map(\.id))")
        try check(try await claim(store, [q1, q2], worker: "w2", at: now).isEmpty, "the lane is busy for every worker")
        _ = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.complete(jobs[0].id, in: t.id, attempt: 1, now: now)
        }
        let second = try await claim(store, [q2], worker: "w2", lease: .seconds(30), at: now)
        try check(second.map(\.id) == [jobs[1].id], "the lane's next job, once the first finished")
        // A lane held by a worker whose lease expired is free again (its job is claimable too).
        let third = try await claim(store, [q2], worker: "w3", at: now.addingTimeInterval(30))
        try check(third.map(\.id) == [jobs[1].id] && third.first?.attempt == 2, "an expired lease frees the lane")
    }

    private static func jobNextClaimTime(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let (q, other) = (queue(f), queue(f))
        let lane = "instance:\(f.token(8))"
        let now = f.now()
        func next(_ queues: Set<String>, at instant: Date) async throws -> Date? {
            try await store.transaction(.system) { try await $0.jobs.nextClaimTime(queues: queues, now: instant) }
        }
        try check(try await next([q], at: now) == nil, "no job: nothing to wait for")
        let scheduled = now.addingTimeInterval(300)
        let (head, behind) = try await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.jobs.enqueue(f.job(in: t.id, queue: other, scheduledAt: now.addingTimeInterval(5)))
            return (
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q, scheduledAt: now, lane: lane)),
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q, scheduledAt: now.addingTimeInterval(10), lane: lane))
            )
        }
        _ = try await store.transaction(.organization(t.id)) { tx in
            try await tx.jobs.enqueue(f.job(in: t.id, queue: q, scheduledAt: scheduled))
        }
        try check(try await next([q], at: now) == now, "a due job: claimable now")
        try check(try await next([other], at: now) == now.addingTimeInterval(5), "only the queues asked about")

        // The head of the lane runs under a 60 s lease: the job behind it waits for the lease, not its schedule.
        let claimed = try await claim(store, [q], lease: .seconds(60), at: now)
        try check(claimed.map(\.id) == [head.id], "the head is claimed")
        let leaseEnd = now.addingTimeInterval(60)
        try check(
            try await next([q], at: now) == leaseEnd,
            "a busy lane waits for its lease (and an expired lease is claimable again at its end)")
        try check(try await claim(store, [q], at: leaseEnd.addingTimeInterval(-0.001)).isEmpty, "nothing before then")

        // Finished, the lane is free: the next time is the job behind it.
        _ = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.complete(head.id, in: t.id, attempt: claimed[0].attempt, now: now)
        }
        try check(try await next([q], at: now) == now.addingTimeInterval(10), "then the lane's next job")
        let second = try await claim(store, [q], at: now.addingTimeInterval(10))
        try check(second.map(\.id) == [behind.id], "claimable at exactly that time")
        _ = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.fail(behind.id, in: t.id, attempt: second[0].attempt, error: "x", now: now)
        }
        try check(try await next([q], at: now) == scheduled, "finished jobs wait for nothing")
        try await checkThrows(.tenantMismatch, "the next claim time needs system scope") {
            try await store.transaction(.organization(t.id)) {
                try await $0.jobs.nextClaimTime(queues: [q], now: now)
            }
        }
    }

    private static func jobLaneHold(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let lane = "instance:\(f.token(8))"
        let later = f.now().addingTimeInterval(3_600)
        let jobs = try await store.transaction(.organization(t.id)) { tx in
            [
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q, lane: lane)),
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q, lane: lane)),
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q, scheduledAt: later, lane: lane)),
                try await tx.jobs.enqueue(f.job(in: t.id, queue: q, lane: "other:\(f.token(8))")),
            ]
        }
        let now = f.now()
        let claimed = try requireValue(try await claim(store, [q], at: now).first { $0.id == jobs[0].id }, "head")
        let until = now.addingTimeInterval(10)
        _ = try await store.transaction(.organization(t.id)) {
            try await $0.jobs.snooze(claimed.id, in: t.id, attempt: claimed.attempt, until: until, holdingLane: true)
        }
        let stored = try await store.transaction(.organization(t.id)) { tx in
            var stored: [Job] = []
            for job in jobs { stored.append(try await tx.jobs.get(job.id, in: t.id)) }
            return stored
        }
        try check(stored[1].scheduledAt == until, "the lane's other due job waits with it")
        try check(stored[2].scheduledAt == later, "a job due later keeps its time")
        try check(stored[3].state == .running && stored[3].scheduledAt < until, "another lane is untouched")
        try check(try await claim(store, [q], at: until.addingTimeInterval(-1)).allSatisfy { $0.lane != lane }, "the lane waits")
        let next = try await claim(store, [q], at: until)
        try check(next.filter { $0.lane == lane }.map(\.id) == [jobs[0].id], "in order: the snoozed head first")
    }

    private static func jobConcurrentClaims(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        let now = f.now()
        let enqueued = try await store.transaction(.organization(t.id)) { tx in
            var ids: [JobID] = []
            for _ in 0..<40 { ids.append(try await tx.jobs.enqueue(f.job(in: t.id, queue: q, scheduledAt: now)).id) }
            return ids
        }
        let claims = try await withThrowingTaskGroup(of: [JobID].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var mine: [JobID] = []
                    while true {
                        let batch = try await claim(store, [q], worker: "w\(worker)", limit: 3, at: now)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.id)
                    }
                }
            }
            var all: [[JobID]] = []
            for try await ids in group { all.append(ids) }
            return all
        }
        let flat = claims.flatMap { $0 }
        try check(flat.count == 40 && Set(flat) == Set(enqueued), "every job claimed exactly once (\(flat.count))")
    }

    private static func jobRollback(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let q = queue(f)
        struct Abort: Error {}
        _ = try? await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.jobs.enqueue(f.job(in: t.id, queue: q))
            throw Abort()
        }
        try check(try await claim(store, [q], at: f.now().addingTimeInterval(1)).isEmpty, "no job from a rollback")
    }

    private static func jobClaimScope(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        try await checkThrows(.tenantMismatch, "claiming inside an organization's transaction") {
            try await store.transaction(.organization(t.id)) {
                try await $0.jobs.claim(queues: ["x"], worker: "w", limit: 1, lease: .seconds(1), now: f.now())
            }
        }
    }

    private static func leaseExclusive(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let now = f.now()
        func acquire(
            _ owner: String, at date: Date, for duration: Duration = .seconds(30)
        ) async throws -> InstanceLease? {
            try await store.transaction(.organization(t.id)) {
                try await $0.leases.acquire(instance: t.instance.id, in: t.id, owner: owner, duration: duration, now: date)
            }
        }
        let a = try requireValue(try await acquire("node-a", at: now), "node-a acquires a free lease")
        try check(a.token >= 1 && a.expiresAt == now.addingTimeInterval(30), "token and expiry")
        try check(try await acquire("node-b", at: now.addingTimeInterval(29)) == nil, "node-b waits while it is held")
        let again = try requireValue(try await acquire("node-a", at: now.addingTimeInterval(10)), "owner re-acquires")
        try check(again.token == a.token, "re-acquiring keeps the token")
        let renewed = try await store.transaction(.organization(t.id)) {
            try await $0.leases.renew(again, duration: .seconds(30), now: now.addingTimeInterval(20))
        }
        try check(renewed.token == a.token && renewed.expiresAt == now.addingTimeInterval(50), "renewal extends")
        let current = try await store.transaction(.organization(t.id)) {
            try await $0.leases.isCurrent(instance: t.instance.id, in: t.id, token: a.token, now: now.addingTimeInterval(49))
        }
        try check(current, "the token is current while the lease lasts")
    }

    private static func leaseTakeover(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let now = f.now()
        let a = try requireValue(
            try await store.transaction(.organization(t.id)) {
                try await $0.leases.acquire(
                    instance: t.instance.id, in: t.id, owner: "node-a", duration: .seconds(30), now: now)
            }, "node-a")
        let b = try requireValue(
            try await store.transaction(.organization(t.id)) {
                try await $0.leases.acquire(
                    instance: t.instance.id, in: t.id, owner: "node-b", duration: .seconds(30),
                    now: now.addingTimeInterval(30))
            }, "node-b takes the expired lease")
        try check(b.token > a.token && b.owner == "node-b", "a new owner gets a higher token")
        try await checkThrows(.leaseLost, "the stalled owner renews") {
            try await store.transaction(.organization(t.id)) {
                try await $0.leases.renew(a, duration: .seconds(30), now: now.addingTimeInterval(31))
            }
        }
        let stale = try await store.transaction(.organization(t.id)) {
            try await $0.leases.isCurrent(instance: t.instance.id, in: t.id, token: a.token, now: now.addingTimeInterval(31))
        }
        try check(!stale, "the old token no longer passes the fencing check")
        try await store.transaction(.organization(t.id)) { try await $0.leases.release(a) }  // a stale release is ignored
        let stillB = try await store.transaction(.organization(t.id)) {
            try await $0.leases.isCurrent(instance: t.instance.id, in: t.id, token: b.token, now: now.addingTimeInterval(31))
        }
        try check(stillB, "a stale release does not free the new owner's lease")
    }

    /// Node A checks its token and, in the same transaction, takes a while to write the instance; node B, whose
    /// clock says A's lease expired, takes the lease over meanwhile. B's takeover must wait for A's transaction:
    /// A's fenced write lands before the lease changes hands, never after.
    private static func leaseFenceHolds(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let now = f.now()
        let a = try requireValue(
            try await store.transaction(scope) {
                try await $0.leases.acquire(instance: t.instance.id, in: t.id, owner: "node-a", duration: .seconds(30), now: now)
            }, "node-a")
        let checked = AsyncStream<Void>.makeStream()
        async let fencedWrite: Date = store.transaction(scope) { tx in
            let current = try await tx.leases.isCurrent(
                instance: t.instance.id, in: t.id, token: a.token, now: now.addingTimeInterval(29))
            try check(current, "node-a's token is current when it checks")
            checked.continuation.yield()
            try await Task.sleep(for: .milliseconds(200))
            var instance = try await tx.instances.get(t.instance.id, in: t.id)
            instance.name = "written by node-a"
            _ = try await tx.instances.update(instance)
            return Date()
        }
        var iterator = checked.stream.makeAsyncIterator()
        _ = await iterator.next()
        let takeover = Task {
            let lease = try await store.transaction(scope) {
                try await $0.leases.acquire(
                    instance: t.instance.id, in: t.id, owner: "node-b", duration: .seconds(30),
                    now: now.addingTimeInterval(31))
            }
            return (lease, Date())
        }
        let writtenAt = try await fencedWrite
        let (b, tookOverAt) = try await takeover.value
        try check(b?.owner == "node-b", "node-b takes the expired lease")
        try check(tookOverAt >= writtenAt, "the takeover waited for the fenced write")
        let instance = try await store.transaction(scope) { try await $0.instances.get(t.instance.id, in: t.id) }
        try check(instance.name == "written by node-a", "the fenced write was kept")
    }

    private static func leaseRelease(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let now = f.now()
        let a = try requireValue(
            try await store.transaction(.organization(t.id)) {
                try await $0.leases.acquire(
                    instance: t.instance.id, in: t.id, owner: "node-a", duration: .seconds(300), now: now)
            }, "node-a")
        try await store.transaction(.organization(t.id)) { try await $0.leases.release(a) }
        let b = try await store.transaction(.organization(t.id)) {
            try await $0.leases.acquire(
                instance: t.instance.id, in: t.id, owner: "node-b", duration: .seconds(30), now: now)
        }
        try check(b != nil && b!.token > a.token, "after release another node acquires at once, with a higher token")
    }
}
