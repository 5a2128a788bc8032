import Foundation

extension MessageDispatcher {
    /// Runs a `message.media` job: the instance's ready session downloads a received message's media and
    /// ``InboundMedia`` stores it (`message.media_stored`).
    ///
    /// Without a ready session here (the instance starting, reconnecting, stopped, or run by another node) the job
    /// waits, 5 s at a time (a minute while the instance is stopped), for up to ``InboundMedia/deadline`` after the
    /// message arrived. It gives up
    /// (`message.media_failed`, the reason kept in ``Message/MediaDownload/failure``) when WhatsApp no longer has the
    /// media (`not_found`), when the instance was deleted or unlinked, at the deadline, or when transport errors
    /// (retried after 5 s × 2ⁿ, at most 5 min) use up the job's attempts. A message deleted meanwhile, or whose
    /// media was stored already, ends the job.
    func downloadMedia(_ job: Job) async throws {
        let org = job.organizationID
        let payload: MediaJobPayload
        do {
            payload = try job.decodePayload()
        } catch {
            try await env.setAside(unreadable: job, error)
            return
        }
        let now = env.clock.now()
        let (message, instance) = try await env.store.transaction(.organization(org)) { tx in
            (try await tx.messages.find(payload.message, in: org), try await tx.instances.find(payload.instance, in: org))
        }
        enum Outcome {
            case done
            /// No ready session here: try again after `seconds`.
            case wait(seconds: Double)
            case retry(String)
            case giveUp(String)
        }
        let inbound = InboundMedia(env: env, webhooks: webhooks)
        let outcome: Outcome
        if let message, let download = message.mediaDownload, message.media == nil, download.failure == nil {
            switch instance?.status {
            case nil: outcome = .giveUp("the instance was deleted")
            case .created?, .loggedOut?, .failed?: outcome = .giveUp("the instance is no longer linked")
            case _ where now.timeIntervalSince(message.createdAt) > InboundMedia.deadline.timeInterval:
                outcome = .giveUp("the instance had no ready session for a week")
            default:
                if let session = await sessions.readySession(for: payload.instance) {
                    do {
                        let bytes = try await session.downloadMedia(download.media)
                        _ = try await inbound.store(bytes, for: message.id, in: org)
                        outcome = .done
                    } catch let error as WAError where error.code == .notFound {
                        outcome = .giveUp("WhatsApp no longer has the media")
                    } catch {
                        outcome = .retry((error as? WAError)?.message ?? "the media could not be downloaded")
                    }
                } else {
                    // A running instance is ready again within seconds (or runs on another node, whose dispatcher
                    // takes the job); a stopped one may be started any time, and is looked at every minute.
                    outcome = .wait(seconds: instance?.desiredState == .running ? 5 : 60)
                }
            }
        } else {
            outcome = .done  // deleted, stored, or given up meanwhile
        }
        let failing: String? =
            switch outcome {
            case .giveUp(let reason): reason
            case .retry(let reason) where job.failedClaims >= job.maxAttempts: reason
            default: nil
            }
        if let failing { _ = try await inbound.giveUp(payload.message, in: org, reason: failing) }
        try await env.store.transaction(.organization(org)) { tx in
            switch outcome {
            case .done:
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            case .wait(let seconds):
                _ = try await tx.jobs.snooze(job.id, in: org, attempt: job.attempt, until: now.addingTimeInterval(seconds))
            case .giveUp(let reason):
                _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: reason, now: now)
            case .retry(let reason):
                if failing != nil {
                    _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: reason, now: now)
                } else {
                    _ = try await tx.jobs.retry(
                        job.id, in: org, attempt: job.attempt, at: now.adding(job.retryDelay), error: reason)
                }
            }
        }
    }
}
