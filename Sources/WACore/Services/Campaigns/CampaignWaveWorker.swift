import Foundation
import Logging
import Synchronization

/// Runs campaigns: claims `campaign.wave` and `campaign.finish` jobs (system scope) and turns each wave's
/// recipients into queued messages, which the ``MessageDispatcher`` then sends.
///
/// **A wave claim**, step by step:
/// 1. *Look* (one transaction): the campaign, its instance, and how many of its messages are queued or pending.
///    ``CampaignWaveDecision`` decides: stop (cancelled, finished, deleted), wait (paused, before the start time,
///    quiet hours in the campaign's time zone, backlog full) — a snooze, not an attempt — or send `n`. A deleted
///    instance fails the campaign.
/// 2. *Per recipient*: read the contact (skip it when opted out, deleted or without a number), render the
///    template (built-in and per-recipient variables), and create the message with
///    ``MessagingService/send(_:by:)`` as ``Principal/system(_:)`` with the idempotency key
///    `campaign:<campaign id>:<contact id>`. Then, in one transaction fenced by the job's attempt: tag the message
///    with the campaign id, advance the wave's cursor in its payload (recording a skip or a failure), and re-read
///    the campaign — a pause or cancel stops the wave before the next recipient.
/// 3. *Record* (one transaction): complete the wave when its last recipient is done, otherwise snooze it until the
///    next check; refresh the campaign's stored counters and publish `campaign.progress`.
///
/// **Exactly once per recipient.** A worker that dies mid-wave leaves the job to be claimed again when its lease
/// ends. The re-run starts at the stored cursor; a recipient whose message was created just before the crash is
/// found by its idempotency key, so nothing is created twice, and the dispatcher's client message ids make the
/// send itself idempotent.
///
/// **The finish job** looks every ``CampaignPacing/finishCheckInterval``: once every wave is final and none of
/// the campaign's messages is queued or pending, it completes the campaign with its ``CampaignReport`` (stored as
/// the campaign's progress, audited, published as `campaign.completed`). For a cancelled campaign it stores the
/// final counters once the already-queued messages are out.
public struct CampaignWaveWorker: Sendable {
    /// The service whose environment, pacing and webhook publisher the worker uses.
    public let service: CampaignService
    /// How long a claimed job stays reserved; extended after every recipient.
    public var lease: Duration

    private var env: ServiceEnvironment { service.env }
    private var pacing: CampaignPacing { service.pacing }

    /// A worker for `service`'s campaigns; `lease` is how long a claimed job stays reserved.
    public init(service: CampaignService, lease: Duration = .seconds(120)) {
        self.service = service
        self.lease = lease
    }

    // MARK: Running

    /// Claims up to `limit` due wave and finish jobs as `worker` and handles them one after another; returns how
    /// many it claimed. A job whose lease was lost is skipped; a job that fails unexpectedly is put back with
    /// backoff (its ``Job/lastError`` says why) and the others go on.
    @discardableResult
    public func runOnce(worker: String, limit: Int = 10) async throws -> Int {
        let now = env.clock.now()
        let lease = self.lease
        let jobs = try await env.store.transaction(.system) { tx in
            try await tx.jobs.claim(
                queues: [CampaignService.waveQueue, CampaignService.finishQueue], worker: worker, limit: limit,
                lease: lease, now: now)
        }
        for job in jobs {
            try Task.checkCancellation()
            do {
                if job.queue == CampaignService.finishQueue { try await finish(job) } else { try await wave(job) }
            } catch let error as WAError where error.code == .leaseLost {
                continue  // another worker owns the job now
            } catch is CancellationError {
                throw CancellationError()  // the lease expires and another worker takes the job
            } catch {
                do {
                    try await giveBack(job, error)
                } catch {
                    // The job stays claimed until its lease ends, then another worker takes it.
                    service.env.logFailure("handing a failed campaign job back to the queue", error, .job(job), level: .error)
                }
            }
        }
        return jobs.count
    }

    /// Runs until the task is cancelled, sleeping `idle` on the environment's clock when nothing is due.
    ///
    /// Cancellation is graceful: the batch in hand is finished (a wave stops at its next check anyway), no new one
    /// is claimed. Errors of a batch (a store hiccup while claiming) go to `onError` and the loop goes on; without
    /// `onError` they end the loop.
    public func run(
        worker: String, idle: Duration = .seconds(1), onError: (@Sendable (any Error) -> Void)? = nil
    ) async throws {
        try await runWorkerLoop(
            clock: env.clock, idle: idle, wakeUps: env.store.wakeUps, topics: [.queue(CampaignService.waveQueue), .queue(CampaignService.finishQueue)],
            onError: onError
        ) {
            try await self.runOnce(worker: worker)
        }
    }

    // MARK: Waves

    private enum RecipientOutcome {
        case created(MessageID)
        case skipped(String)
        case failed(String)
        /// The instance cannot send now (or the quota is used up): stop the wave until then.
        case wait(until: Date)
        /// The instance was deleted.
        case instanceGone
    }

    private func wave(_ job: Job) async throws {
        let org = job.organizationID
        var payload: CampaignWavePayload = try job.decodePayload()
        let now = env.clock.now()
        let look = try await env.store.transaction(.organization(org)) { tx -> (Campaign?, Instance?, Int) in
            guard let campaign = try await tx.campaigns.find(payload.campaign, in: org) else { return (nil, nil, 0) }
            let instance = try await tx.instances.find(campaign.instanceID, in: org)
            let inFlight = try await Self.inFlight(campaign.id, org, tx)
            return (campaign, instance, inFlight)
        }
        guard let campaign = look.0, CampaignLifecycle.isActive(campaign.status) else {
            return try await close(job, payload, publish: false)
        }
        guard let instance = look.1 else { return try await failCampaign(campaign.id, org, job, payload) }
        let window = try CampaignSendWindow(campaign.schedule)
        let spacing = pacing.sustainedSpacing(
            for: instance.rateLimits ?? .standard, throttleFactor: instance.risk.throttleFactor)
        let decision = CampaignWaveDecision.decide(
            status: campaign.status, window: window, now: now, inFlight: look.2, spacing: spacing, pacing: pacing,
            random: env.random)
        let count: Int
        switch decision {
        case .stop:
            return try await close(job, payload, publish: false)
        case .wait(let until):
            return try await snooze(job, until: until)
        case .send(let allowed, let begins):
            count = allowed
            if begins { try await beginSending(campaign.id, org) }
        }

        var waitUntil: Date?
        var handled = 0
        while handled < count && !payload.isFinished {
            let recipient = payload.recipients[payload.next]
            let outcome = try await createMessage(for: recipient, in: campaign, template: payload.template)
            switch outcome {
            case .wait(let until):
                waitUntil = until
            case .instanceGone:
                return try await failCampaign(campaign.id, org, job, payload)
            case .created, .skipped, .failed:
                handled += 1
                let status = try await advance(job, &payload, outcome, campaign.id)
                if !(status.map { $0 == .running || $0 == .scheduled } ?? false) {
                    // Paused, cancelled or deleted since the look: stop before the next recipient.
                    waitUntil = env.clock.now()
                }
            }
            if waitUntil != nil { break }
        }

        let later = env.clock.now()
        if payload.isFinished { return try await close(job, payload, publish: handled > 0) }
        let inFlight = try await env.store.transaction(.organization(org)) {
            try await Self.inFlight(campaign.id, org, $0)
        }
        let until =
            waitUntil ?? pacing.nextCheck(after: later, inFlight: inFlight, spacing: spacing, random: env.random)
        try await snooze(job, until: until, refresh: handled > 0 ? campaign.id : nil)
    }

    /// Creates (or finds) one recipient's message.
    private func createMessage(for recipient: CampaignRecipient, in campaign: Campaign, template: Template)
        async throws -> RecipientOutcome
    {
        let org = campaign.organizationID
        let key = Self.idempotencyKey(campaign.id, recipient.contact)
        let (earlier, contact) = try await env.store.transaction(.organization(org)) { tx in
            (try await tx.messages.find(idempotencyKey: key, instance: campaign.instanceID, in: org), try await tx.contacts.find(recipient.contact, in: org))
        }
        if let earlier { return .created(earlier.id) }
        guard let contact else { return .skipped("contact_deleted") }
        guard !contact.optedOut else { return .skipped("opted_out") }
        guard CampaignService.isReachable(contact) else { return .skipped("no_number") }
        let text: String
        do {
            text = try CampaignVariables.render(template, for: contact, custom: recipient.variables)
        } catch {
            return .failed(error.code.rawValue)
        }
        do {
            var request = SendMessageRequest(
                instanceID: campaign.instanceID, recipient: .contact(contact.id), content: .text(text),
                idempotencyKey: key)
            request.campaignID = campaign.id
            let message = try await MessagingService(environment: env, webhooks: service.webhooks).send(request, by: .system(org))
            return .created(message.id)
        } catch let error as WAError {
            let now = env.clock.now()
            switch error.code {
            case .recipientOptedOut: return .skipped("opted_out")
            case .notFound where error.field == "to": return .skipped("contact_deleted")
            case .invalidArgument where error.field == "to", .invalidJID: return .skipped("no_number")
            case .notFound: return .instanceGone
            case .instanceUnavailable: return .wait(until: now.adding(pacing.unavailableRetryInterval))
            case .quotaExceeded: return .wait(until: Self.nextUTCMidnight(after: now))
            case .invalidArgument, .alreadyExists, .templateVariableMissing, .templateVariableUnknown:
                return .failed(error.code.rawValue)
            default: throw error
            }
        }
    }

    /// Records one handled recipient, fenced by the job's attempt; returns the campaign's status now.
    private func advance(
        _ job: Job, _ payload: inout CampaignWavePayload, _ outcome: RecipientOutcome, _ campaign: CampaignID
    ) async throws -> Campaign.Status? {
        let org = job.organizationID
        var next = payload
        next.next += 1
        let until = env.clock.now().adding(lease)
        // Run again on a conflict: the campaign's tally is shared with its other waves.
        let status = try await env.store.transaction(.organization(org), retryingConflicts: 5) { tx -> Campaign.Status? in
            var held = try await tx.jobs.extendLease(job.id, in: org, attempt: job.attempt, until: until)
            // Messages are tagged when they are queued; one found by its idempotency key may predate that (queued
            // by hand with the campaign's key), so it is tagged here.
            if case .created(let id) = outcome, var message = try await tx.messages.find(id, in: org),
                message.campaignID == nil
            {
                message.campaignID = campaign
                _ = try await tx.messages.update(message)
            }
            held.payload = Job.encodePayload(next)
            _ = try await tx.jobs.update(held)
            guard var stored = try await tx.campaigns.find(campaign, in: org) else { return nil }
            switch outcome {
            case .skipped: stored.recipients.skipped += 1
            case .failed: stored.recipients.failed += 1
            default: return stored.status
            }
            return try await tx.campaigns.update(stored).status
        }
        payload = next
        return status
    }

    /// Completes the wave (its recipients are done, or the campaign no longer runs).
    private func close(_ job: Job, _ payload: CampaignWavePayload, publish: Bool) async throws {
        let org = job.organizationID
        let now = env.clock.now()
        try await env.store.transaction(.organization(org)) { tx in
            _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            if publish { try await refresh(payload.campaign, org, tx) }
        }
    }

    private func snooze(_ job: Job, until: Date, refresh campaign: CampaignID? = nil) async throws {
        let org = job.organizationID
        try await env.store.transaction(.organization(org)) { tx in
            _ = try await tx.jobs.snooze(job.id, in: org, attempt: job.attempt, until: until)
            if let campaign { try await refresh(campaign, org, tx) }
        }
    }

    /// Stores the campaign's current counters and publishes `campaign.progress`.
    private func refresh(_ id: CampaignID, _ org: OrganizationID, _ tx: any StoreTransaction) async throws {
        guard var campaign = try await tx.campaigns.find(id, in: org) else { return }
        campaign.progress = try await CampaignMetrics.measure(campaign, tx).progress
        campaign.updatedAt = env.clock.now()
        let stored = try await tx.campaigns.update(campaign)
        try await service.publish(.campaignProgress, CampaignEventData.progress(stored), org, tx)
    }

    private func beginSending(_ id: CampaignID, _ org: OrganizationID) async throws {
        let now = env.clock.now()
        try await env.store.transaction(.organization(org)) { tx in
            // Paused or cancelled meanwhile: the wave finds out for itself; nothing to begin.
            guard var campaign = try await tx.campaigns.find(id, in: org), campaign.allows(.beginSending) else { return }
            try campaign.apply(.beginSending)
            campaign.updatedAt = now
            let stored = try await tx.campaigns.update(campaign)
            _ = try await tx.auditEvents.insert(service.audit("campaign.running", stored, by: .system(org)))
            try await service.publish(.campaignProgress, CampaignEventData.progress(stored), org, tx)
        }
    }

    /// The campaign's instance was deleted: the campaign fails and the wave completes.
    private func failCampaign(_ id: CampaignID, _ org: OrganizationID, _ job: Job, _ payload: CampaignWavePayload)
        async throws
    {
        let now = env.clock.now()
        try await env.store.transaction(.organization(org)) { tx in
            _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            // Already final (cancelled, or failed by another wave): nothing more to record.
            guard var campaign = try await tx.campaigns.find(id, in: org), campaign.allows(.fail) else { return }
            try campaign.apply(.fail)
            campaign.progress = try await CampaignMetrics.measure(campaign, tx).progress
            campaign.updatedAt = now
            let stored = try await tx.campaigns.update(campaign)
            _ = try await tx.auditEvents.insert(
                service.audit("campaign.failed", stored, by: .system(org), ["reason": "instance_deleted"]))
            try await service.publish(.campaignProgress, CampaignEventData.progress(stored), org, tx)
        }
    }

    // MARK: Finishing

    private func finish(_ job: Job) async throws {
        let org = job.organizationID
        let payload: CampaignFinishPayload = try job.decodePayload()
        let now = env.clock.now()
        let pacing = self.pacing
        let random = env.random
        try await env.store.transaction(.organization(org)) { tx in
            guard var campaign = try await tx.campaigns.find(payload.campaign, in: org) else {
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
                return
            }
            let measurement = try await CampaignMetrics.measure(campaign, tx)
            switch campaign.status {
            case .draft, .completed, .failed:
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            case .cancelled:
                guard measurement.inFlight == 0 else {
                    let until = now.adding(pacing.jittered(pacing.finishCheckInterval, random: random))
                    _ = try await tx.jobs.snooze(job.id, in: org, attempt: job.attempt, until: until)
                    return
                }
                campaign.progress = measurement.progress
                campaign.updatedAt = now
                let stored = try await tx.campaigns.update(campaign)
                try await service.publish(.campaignProgress, CampaignEventData.progress(stored), org, tx)
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            case .scheduled, .running, .paused:
                guard measurement.wavesFinished, measurement.inFlight == 0 else {
                    let interval = campaign.status == .paused
                        ? max(pacing.finishCheckInterval, pacing.pausedCheckInterval) : pacing.finishCheckInterval
                    let until = now.adding(pacing.jittered(interval, random: random))
                    _ = try await tx.jobs.snooze(job.id, in: org, attempt: job.attempt, until: until)
                    return
                }
                try campaign.apply(.complete)
                let report = try await CampaignMetrics.report(of: campaign, in: tx, now: now)
                campaign.progress = report.progress
                campaign.updatedAt = now
                let stored = try await tx.campaigns.update(campaign)
                _ = try await tx.auditEvents.insert(
                    service.audit(
                        "campaign.completed", stored, by: .system(org),
                        ["sent": String(report.progress.sent), "failed": String(report.progress.failed),
                         "skipped": String(report.progress.skipped)]))
                try await service.publish(.campaignCompleted, report.jsonValue, org, tx)
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            }
        }
    }

    // MARK: Helpers

    /// Puts a job that failed unexpectedly back with exponential backoff (5 s doubling, at most 5 minutes).
    private func giveBack(_ job: Job, _ error: any Error) async throws {
        let org = job.organizationID
        let now = env.clock.now()
        let message = (error as? WAError)?.description ?? "unexpected error"
        let delay = job.retryDelay
        try await env.store.transaction(.organization(org)) { tx in
            _ = try await tx.jobs.retry(
                job.id, in: org, attempt: job.attempt, at: now.adding(delay), error: message)
        }
    }

    /// The campaign's queued or pending messages.
    static func inFlight(_ campaign: CampaignID, _ org: OrganizationID, _ tx: any StoreTransaction) async throws -> Int {
        let queued = try await tx.messages.count(in: org, where: Message.Filter(campaignID: campaign, status: .queued))
        let pending = try await tx.messages.count(in: org, where: Message.Filter(campaignID: campaign, status: .pending))
        return queued + pending
    }

    /// The idempotency key of a campaign's message to a contact.
    public static func idempotencyKey(_ campaign: CampaignID, _ contact: ContactID) -> String {
        "campaign:\(campaign):\(contact)"
    }

    static func nextUTCMidnight(after date: Date) -> Date {
        let day = 86_400.0
        return Date(timeIntervalSince1970: (date.timeIntervalSince1970 / day).rounded(.down) * day + day)
    }
}
