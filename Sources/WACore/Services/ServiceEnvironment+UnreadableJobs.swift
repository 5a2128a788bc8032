import Logging

extension ServiceEnvironment {
    /// Handles a claimed job whose payload cannot be read. It is retried after ``Job/retryDelay`` (the queue's one
    /// growing wait, up to 5 min), since a node of a newer version may have written it and a node that can read it
    /// may take it, and failed on its ``Job/maxAttempts``-th attempt. Logged at error level either way, with the
    /// job's ids.
    func setAside(unreadable job: Job, _ error: any Error) async throws {
        let now = clock.now()
        let isLast = job.attempt >= job.maxAttempts
        logFailure(
            isLast ? "reading a job's payload (failed on its last attempt)" : "reading a job's payload (retried later)",
            error, .job(job), level: .error)
        let organization = job.organizationID
        try await store.transaction(.organization(organization)) { tx in
            if isLast {
                _ = try await tx.jobs.fail(job.id, in: organization, attempt: job.attempt, error: Self.unreadable, now: now)
            } else {
                _ = try await tx.jobs.retry(
                    job.id, in: organization, attempt: job.attempt, at: now.adding(job.retryDelay), error: Self.unreadable)
            }
        }
    }

    private static let unreadable = "unreadable job payload"
}
