public import Foundation

/// The durable job queue.
///
/// Enqueue inside the transaction of the change that needs the work. Claiming, which looks across all
/// organizations, requires a `.system` transaction; completing and rescheduling name the job's organization and
/// the attempt that was claimed (the fencing token). Claims never hand one job to two workers at the same time.
public protocol JobRepository: Repository where Entity == Job {
    /// Adds a job. If a job with the same queue and ``Job/uniqueKey`` exists (in any state), nothing is added and
    /// that job is returned: enqueueing is idempotent.
    func enqueue(_ job: Job) async throws(WAError) -> Job

    /// Claims up to `limit` claimable jobs of `queues` (due available jobs, and running jobs whose lease
    /// expired), in order of priority, then scheduled time, then id. Each claimed job becomes `running` with
    /// `attempt + 1`, `lockedBy = worker` and `lockedUntil = now + lease`. A job whose counted attempts
    /// (``Job/failedClaims``) reached ``Job/maxAttempts`` is failed instead of claimed. Requires system scope.
    func claim(queues: Set<String>, worker: String, limit: Int, lease: TimeInterval, now: Date) async throws(WAError)
        -> [Job]

    /// Marks a claimed job completed. Fails with `lease_lost` unless the job is running with `attempt`.
    func complete(_ id: JobID, in organization: OrganizationID, attempt: Int, now: Date) async throws(WAError) -> Job

    /// Puts a claimed job back to wait until `at`, recording `error`. Fails with `lease_lost` like ``complete``.
    func retry(_ id: JobID, in organization: OrganizationID, attempt: Int, at: Date, error: String)
        async throws(WAError) -> Job

    /// Puts a claimed job back to wait until `until` without counting the claim as an attempt: the work was not
    /// tried (a rate limit or a missing session said "later"). Fails with `lease_lost` like ``complete``.
    func snooze(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date) async throws(WAError) -> Job

    /// Gives up on a claimed job, recording `error`. Fails with `lease_lost` like ``complete``.
    func fail(_ id: JobID, in organization: OrganizationID, attempt: Int, error: String, now: Date)
        async throws(WAError) -> Job

    /// Extends the lease of a job the worker still holds. Fails with `lease_lost` like ``complete``.
    func extendLease(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date) async throws(WAError)
        -> Job
}

/// Instance leases for sharing instances between gateway nodes.
public protocol LeaseRepository: Repository where Entity == InstanceLease {
    /// Takes the instance's lease for `owner` if it is free, expired, or already `owner`'s (then it is extended
    /// and keeps its token). A lease that changes hands gets a higher token. `nil` while another owner holds a
    /// valid lease.
    func acquire(
        instance: InstanceID, in organization: OrganizationID, owner: String, duration: TimeInterval, now: Date
    ) async throws(WAError) -> InstanceLease?

    /// Extends a lease its owner still holds; `lease_lost` if the stored lease has another token or owner, or
    /// expired.
    func renew(_ lease: InstanceLease, duration: TimeInterval, now: Date) async throws(WAError) -> InstanceLease

    /// Gives a lease up (if it is still this one); afterwards anyone may acquire it.
    func release(_ lease: InstanceLease) async throws(WAError)

    /// Whether `token` is the current, unexpired token of the instance's lease: the check a fenced write makes.
    func isCurrent(instance: InstanceID, in organization: OrganizationID, token: Int64, now: Date)
        async throws(WAError) -> Bool
}
