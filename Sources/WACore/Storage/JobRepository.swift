public import Foundation

/// The durable job queue.
///
/// Enqueue inside the transaction of the change that needs the work. Claiming, which looks across all
/// organizations, requires a `.system` transaction; completing and rescheduling name the job's organization and
/// the attempt that was claimed (the fencing token). Claims never hand one job to two workers at the same time.
public protocol JobRepository: Repository where Entity == Job {
    /// Adds a job. If an unfinished job (available or running) with the same queue and ``Job/uniqueKey`` exists,
    /// nothing is added and that job is returned: enqueueing is idempotent while the work is pending. A finished
    /// job (completed, failed or cancelled) no longer holds its key, so that finished jobs can be pruned without
    /// changing what an enqueue does (PostgreSQL: a unique index over unfinished jobs only). Decide "was this work
    /// ever done" from the domain's own records (a message's status, a delivery), not from the queue.
    func enqueue(_ job: Job) async throws(WAError) -> Job

    /// Claims up to `limit` claimable jobs of `queues` (due available jobs, and running jobs whose lease
    /// expired), in order of priority, then scheduled time, then id. Each claimed job becomes `running` with
    /// `attempt + 1`, `lockedBy = worker` and `lockedUntil = now + lease`. A job whose counted attempts
    /// (``Job/failedClaims``) reached ``Job/maxAttempts`` is failed instead of claimed. A job whose ``Job/lane``
    /// has a running job with an unexpired lease, or one claimed earlier in the same call, is passed over (a
    /// lane runs one job at a time). `lanes` says which lanes the claim takes jobs from (``JobLaneSelection``: a
    /// node takes the jobs of the instances it runs, then those no node runs). Requires system scope.
    func claim(
        queues: Set<String>, worker: String, limit: Int, lease: Duration, now: Date, lanes: JobLaneSelection
    ) async throws(WAError) -> [Job]

    /// When a job of `queues` can next be claimed, as things stand at `now`: an available job's scheduled time
    /// (or, while its ``Job/lane`` is busy, the end of the busy job's lease), or a running job's lease end. At
    /// or before `now` when a job can be claimed now; `nil` when no job of `queues` is waiting. A worker, or a
    /// test driving one, can sleep until then instead of polling. Requires system scope.
    func nextClaimTime(queues: Set<String>, now: Date) async throws(WAError) -> Date?

    /// Marks a claimed job completed. Fails with `lease_lost` unless the job is running with `attempt`.
    func complete(_ id: JobID, in organization: OrganizationID, attempt: Int, now: Date) async throws(WAError) -> Job

    /// Puts a claimed job back to wait until `at`, recording `error`. Fails with `lease_lost` like ``complete``.
    func retry(_ id: JobID, in organization: OrganizationID, attempt: Int, at: Date, error: String)
        async throws(WAError) -> Job

    /// Puts a claimed job back to wait until `until` without counting the claim as an attempt: the work was not
    /// tried (a rate limit or a missing session said "later"). Fails with `lease_lost` like ``complete``.
    ///
    /// With `holdingLane`, the wait is the whole lane's (the account has no session, or must pause): every other
    /// available job of the job's ``Job/lane`` that would be due before `until` waits until then too, so the
    /// lane keeps its order (at equal times, claims go by id).
    func snooze(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date, holdingLane: Bool)
        async throws(WAError) -> Job

    /// Gives up on a claimed job, recording `error`. Fails with `lease_lost` like ``complete``.
    func fail(_ id: JobID, in organization: OrganizationID, attempt: Int, error: String, now: Date)
        async throws(WAError) -> Job

    /// Deletes up to `limit` finished jobs (completed, failed or cancelled) that finished before `before`, the
    /// oldest first, and returns how many it deleted. Unfinished jobs are never touched. Requires system scope.
    func pruneFinished(before: Date, limit: Int) async throws(WAError) -> Int

    /// Extends the lease of a job the worker still holds. Fails with `lease_lost` like ``complete``.
    func extendLease(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date) async throws(WAError)
        -> Job
}

extension JobRepository {
    /// ``claim(queues:worker:limit:lease:now:lanes:)`` from every lane.
    public func claim(queues: Set<String>, worker: String, limit: Int, lease: Duration, now: Date)
        async throws(WAError) -> [Job]
    {
        try await claim(queues: queues, worker: worker, limit: limit, lease: lease, now: now, lanes: .all)
    }

    /// ``snooze(_:in:attempt:until:holdingLane:)`` for this job alone.
    public func snooze(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date) async throws(WAError)
        -> Job
    {
        try await snooze(id, in: organization, attempt: attempt, until: until, holdingLane: false)
    }
}
