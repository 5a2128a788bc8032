import Foundation

extension MessageDispatcher {
    /// Runs a `chat.seen` job: the instance's ready session marks the chat seen on WhatsApp. Without a ready
    /// session, or while the risk monitor pauses the instance, the job waits (snoozes) 5 s at a time; an instance
    /// that is gone, unlinked, failed or stopped ends it (the chat stays marked read in the store). Transport errors are retried after 5 s × 2ⁿ (at most 5 min) until the
    /// job's attempts run out.
    func sendReadReceipts(_ job: Job) async throws {
        let org = job.organizationID
        let payload: SeenJobPayload = try job.decodePayload()
        let now = env.clock.now()
        let instance = try await env.store.transaction(.organization(org)) {
            try await $0.instances.find(payload.instance, in: org)
        }
        enum Outcome {
            case done
            case wait
            case retry(String)
            case drop(String)
        }
        let outcome: Outcome
        switch instance?.status {
        case nil: outcome = .drop("the instance was deleted")
        case .created?, .loggedOut?, .failed?: outcome = .drop("the instance is not linked")
        case .stopped?: outcome = .drop("the instance was stopped")
        case _ where (instance?.risk.pausedUntil).map({ $0 > now }) ?? false:
            outcome = .wait  // read receipts are account activity too: they wait out a risk pause
        default:
            if let session = await sessions.readySession(for: payload.instance) {
                do {
                    try await session.markSeen(payload.chat)
                    outcome = .done
                } catch {
                    outcome = .retry((error as? WAError)?.message ?? "the read receipts could not be sent")
                }
            } else {
                outcome = .wait
            }
        }
        try await env.store.transaction(.organization(org)) { tx in
            switch outcome {
            case .done:
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            case .wait:
                _ = try await tx.jobs.snooze(job.id, in: org, attempt: job.attempt, until: now.addingTimeInterval(5))
            case .drop(let reason):
                _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: reason, now: now)
            case .retry(let reason):
                if job.failedClaims >= job.maxAttempts {
                    _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: reason, now: now)
                } else {
                    let delay = job.retryDelay
                    _ = try await tx.jobs.retry(
                        job.id, in: org, attempt: job.attempt, at: now.adding(delay), error: reason)
                }
            }
        }
    }
}
