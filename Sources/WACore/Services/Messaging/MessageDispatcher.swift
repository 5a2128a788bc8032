import Foundation
import Logging
import Synchronization

/// Takes `message.send` jobs and sends them, human-shaped (and `chat.seen` jobs, which send read receipts in the
/// same instance lanes).
///
/// For each claimed job: skip messages that are already past `pending` (a duplicate claim), wait (snooze, not an
/// attempt) while the instance has no ready session, is paused by the risk monitor, is inside its gap after the
/// previous message, or a rate limit (daily quota, instance tiers scaled by the throttle factor, the per-recipient
/// pair limit) says "later"; then mark the message `pending`, follow the ``BehaviourPlanner``'s plan (mark seen,
/// typing or recording, pauses) and send with the message's stable client message id, so a retry after a crash
/// never sends twice. Success moves the message to `sent` and completes the job in one transaction; failures are
/// retried with backoff and end in `failed` with a reason.
public final class MessageDispatcher: Sendable {
    let env: ServiceEnvironment
    let sessions: any SessionDirectory
    let webhooks: (any WebhookPublisher)?
    private let planner: BehaviourPlanner
    private let risk: RiskService?
    private let lease: Duration

    /// A service over `environment`, of which it uses the store, clock, random source, identifier generator, rate-limit store, media store and logger.
    public init(
        environment: ServiceEnvironment, sessions: any SessionDirectory, webhooks: (any WebhookPublisher)? = nil,
        planner: BehaviourPlanner = BehaviourPlanner(), risk: RiskService? = nil, lease: Duration = .seconds(300)
    ) {
        self.env = environment
        self.sessions = sessions
        self.webhooks = webhooks
        self.planner = planner
        self.risk = risk
        self.lease = lease
    }

    /// Claims up to `limit` due jobs and handles them: one instance's jobs one after another (in claim order, so
    /// its pacing holds), different instances' jobs in parallel. Returns how many it claimed.
    ///
    /// When the session directory knows which instances run here (``SessionDirectory/heldInstances``: the
    /// supervisor does), it claims their jobs first and then the jobs of instances no node runs (stopped, logged
    /// out or deleted: they wait or fail here), and never the jobs of an instance another node runs.
    @discardableResult
    public func runOnce(worker: String, limit: Int = 10) async throws -> Int {
        let now = env.clock.now()
        let queues: Set<String> = [MessagingService.sendQueue, MessagingService.seenQueue, MessagingService.mediaQueue]
        let held = sessions.heldInstances
        let lease = self.lease
        let jobs = try await env.store.transaction(.system) { tx in
            guard let held else {
                return try await tx.jobs.claim(queues: queues, worker: worker, limit: limit, lease: lease, now: now)
            }
            var claimed = try await tx.jobs.claim(
                queues: queues, worker: worker, limit: limit, lease: lease, now: now,
                lanes: .only(Set(held.map(Job.instanceLane))))
            if claimed.count < limit {
                claimed += try await tx.jobs.claim(
                    queues: queues, worker: worker, limit: limit - claimed.count, lease: lease, now: now,
                    lanes: .unheld)
            }
            return claimed
        }
        var lanes: [InstanceID?: [Job]] = [:]
        var order: [InstanceID?] = []
        for job in jobs {
            // A payload that names no readable instance runs in a lane of its own; handling it fails the job.
            // (Read receipts and sends share the `instance` field.)
            let instance: InstanceID?
            do {
                instance = try job.decodePayload(LanePayload.self).instance
            } catch {
                env.logFailure("reading a job's instance", error, .job(job))
                instance = nil
            }
            if lanes[instance] == nil { order.append(instance) }
            lanes[instance, default: []].append(job)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in order {
                let laneJobs = lanes[lane] ?? []
                group.addTask {
                    for job in laneJobs {
                        do {
                            try await self.handle(job)
                        } catch let error as WAError where error.code == .leaseLost {
                            continue  // another worker owns the job now; it will finish it
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return jobs.count
    }

    /// Runs until the task is cancelled, sleeping `idle` on the environment's clock when there is nothing to do.
    ///
    /// Cancellation is graceful: the batch in hand is finished (its sends and their records are not interrupted;
    /// a message mid-typing is still sent), no new job is taken, and the function returns. Errors are reported to
    /// `onError` and the loop goes on after `idle`; without `onError` they end the loop.
    public func run(
        worker: String, idle: Duration = .seconds(1), onError: (@Sendable (any Error) -> Void)? = nil
    ) async throws {
        try await runWorkerLoop(
            clock: env.clock, idle: idle, wakeUps: env.store.wakeUps, topics: [
                .queue(MessagingService.sendQueue), .queue(MessagingService.seenQueue), .queue(MessagingService.mediaQueue),
            ],
            onError: onError
        ) {
            try await self.runOnce(worker: worker)
        }
    }

    // MARK: One job

    private enum Outcome {
        case sent(SendReceipt)
        /// Try later without counting an attempt. `holdingLane`: the reason is the account's (no session, a pause,
        /// a cap), so its later messages wait too and keep their order.
        case wait(until: Date, holdingLane: Bool)
        /// Try again later; the failure was WhatsApp's or the transport's, so the risk monitor hears of it.
        case retry(WAError)
        /// Try again later; the failure was ours (storage), which says nothing about the account's risk.
        case retryLocally(WAError)
        case fail(MessageError)
        case alreadyDone
    }

    private func handle(_ job: Job) async throws {
        if job.queue == MessagingService.seenQueue { return try await sendReadReceipts(job) }
        if job.queue == MessagingService.mediaQueue { return try await downloadMedia(job) }
        let org = job.organizationID
        let now = env.clock.now()
        let payload: SendJobPayload
        do {
            payload = try job.decodePayload()
        } catch {
            try await env.setAside(unreadable: job, error)
            return
        }
        let (message, instance, organization, chat, optedOut) = try await env.store.transaction(.organization(org)) {
            tx in
            let organization = try await tx.organizations.get(org, in: org)
            guard let message = try await tx.messages.find(payload.message, in: org) else {
                return (nil, nil, organization, nil, false) as (Message?, Instance?, Organization, Chat?, Bool)
            }
            let instance = try await tx.instances.find(message.instanceID, in: org)
            let chat = try await tx.chats.find(jid: message.chatJID, instance: message.instanceID, in: org)
            // A scheduled message was accepted long before it goes: its contact may have opted out meanwhile.
            var optedOut = false
            if message.scheduledAt != nil, let contactID = message.contactID {
                optedOut = try await tx.contacts.find(contactID, in: org)?.optedOut ?? false
            }
            return (message, instance, organization, chat, optedOut)
        }
        guard let message, let instance else {
            _ = try await env.store.transaction(.organization(org)) {
                try await $0.jobs.fail(job.id, in: org, attempt: job.attempt, error: "the message was deleted", now: now)
            }
            return
        }
        let outcome = await attempt(job, message, instance, organization, chat, recipientOptedOut: optedOut, now: now)
        try await record(outcome, job, message, instance)
    }

    private func attempt(
        _ job: Job, _ message: Message, _ instance: Instance, _ organization: Organization, _ chat: Chat?,
        recipientOptedOut: Bool, now: Date
    ) async -> Outcome {
        if message.status != .queued && message.status != .pending { return .alreadyDone }
        switch instance.status {
        case .loggedOut, .failed, .created:
            return .fail(
                MessageError(
                    code: WAError.Code.instanceUnavailable.rawValue,
                    message: "the instance is \(instance.status.rawValue)", isRetryable: false))
        default: break
        }
        if recipientOptedOut && message.status == .queued {
            return .fail(
                MessageError(
                    code: WAError.Code.recipientOptedOut.rawValue,
                    message: "the recipient opted out after the message was scheduled", isRetryable: false))
        }
        if let paused = instance.risk.pausedUntil, paused > now { return .wait(until: paused, holdingLane: true) }
        guard let session = await sessions.readySession(for: instance.id) else {
            return .wait(until: now.addingTimeInterval(5), holdingLane: true)
        }
        // A message whose media was deleted fails for good, before it costs a rate-limit slot.
        if let media = message.media {
            do {
                let exists = try await env.store.transaction(.organization(message.organizationID)) {
                    try await $0.mediaObjects.find(media.mediaID, in: message.organizationID) != nil
                }
                if !exists { return .fail(Self.mediaDeleted) }
            } catch {
                return .retryLocally(error as? WAError ?? WAError(.internalError, "the message's media could not be read"))
            }
        }
        // The limits and the account's pause, checked before any typing (nothing is counted yet: the send step
        // counts, at the moment it sends).
        let admission: SendAdmission
        let keys = SendAdmission.Keys(organization: organization.id, instance: instance.id, recipient: message.chatJID)
        do {
            admission = try SendAdmission(organization: organization, instance: instance, now: now)
            let check = try await admission.admit(keys, in: env.rateLimits, now: RateLimitInstant(now), commit: false)
            if let outcome = Self.outcome(ofRefused: check, now: now) { return outcome }
        } catch {
            return .retryLocally(error)
        }
        // From here on the send may happen: record `pending` first, so a crash is visible and the resend is
        // recognised by its client message id.
        do {
            try await markPending(job, message, now: now)
        } catch {
            return .retryLocally(error as? WAError ?? WAError(.internalError, "could not mark the message pending"))
        }
        let outgoing: OutgoingMessage
        do {
            outgoing = try await outgoingMessage(for: message)
        } catch let error as WAError where error.code == .notFound {
            return .fail(Self.mediaDeleted)
        } catch {
            return .retryLocally(error as? WAError ?? WAError(.internalError, "the message's content could not be read"))
        }
        let plan = planner.plan(
            behaviourRequest(for: message, chatHasUnread: (chat?.unreadCount ?? 0) > 0,
                             throttle: instance.risk.throttleFactor),
            random: env.random)
        // Whether the send step was admitted (and counted): from then on the account owes its pause, whatever
        // the send's outcome. Whether a typing or recording indicator is showing.
        var admitted = false
        var showsPresence = false
        let outcome = await perform(plan, message: message, outgoing: outgoing, job: job, session: session) {
            let sendNow = self.env.clock.now()
            let decision: SendAdmissionDecision
            do throws(WAError) {
                decision = try await admission.admit(
                    keys, in: self.env.rateLimits, now: RateLimitInstant(sendNow), pauseAfter: plan.gapAfter)
            } catch {
                return .retryLocally(error)  // our rate-limit store failed: says nothing about the account
            }
            if let refused = Self.outcome(ofRefused: decision, now: sendNow) { return refused }
            admitted = true
            return nil
        } presence: { showsPresence = $0 }
        if showsPresence {
            // "Typing…" ends whether or not a message followed it.
            await env.bestEffort("ending the typing indicator", level: .info, .job(job)) {
                try await session.setPresence(.paused, in: message.chatJID)
            }
        }
        if admitted {
            // A failed send paces the account like a successful one.
            await env.bestEffort("starting the pause after a send", .job(job)) {
                try await SendAdmission.release(
                    keys, in: self.env.rateLimits, now: RateLimitInstant(self.env.clock.now()), pause: plan.gapAfter)
            }
        }
        return outcome
    }

    /// What to do about a refused admission: wait until every limit passes, or fail a message that never can.
    /// `nil` when admitted.
    private static func outcome(ofRefused decision: SendAdmissionDecision, now: Date) -> Outcome? {
        guard case .denied(let limit, let retryAfter, _) = decision else { return nil }
        guard let retryAfter else {
            return .fail(
                MessageError(
                    code: WAError.Code.rateLimited.rawValue, message: "the message can never pass the rate limits",
                    isRetryable: false))
        }
        return .wait(until: now.wakeUp(after: retryAfter), holdingLane: limit != .recipient)
    }

    /// Follows `plan`: seen, typing or recording, pauses, then the send, which `admit` must let through first
    /// (it returns the outcome that ends the attempt instead, or `nil`). `presence` hears whether an indicator
    /// is showing.
    private func perform(
        _ plan: BehaviourPlan, message: Message, outgoing: OutgoingMessage, job: Job, session: any WhatsAppSession,
        admit: () async -> Outcome?, presence: (Bool) -> Void
    ) async -> Outcome {
        let now = env.clock.now()
        do {
            var receipt: SendReceipt?
            for step in plan.steps {
                switch step {
                // Seen and typing make the send human-shaped; when one fails the message still goes out.
                case .markSeen:
                    await env.bestEffort("marking the chat seen before a send", level: .info, .job(job)) {
                        try await session.markSeen(message.chatJID)
                    }
                case .typing(let duration):
                    presence(true)
                    await env.bestEffort("showing typing before a send", level: .info, .job(job)) {
                        try await session.setPresence(.typing, in: message.chatJID)
                    }
                    try await env.clock.sleep(for: duration)
                case .recording(let duration):
                    presence(true)
                    await env.bestEffort("showing recording before a send", level: .info, .job(job)) {
                        try await session.setPresence(.recording, in: message.chatJID)
                    }
                    try await env.clock.sleep(for: duration)
                case .pause(let duration): try await env.clock.sleep(for: duration)
                case .send:
                    if let refused = await admit() { return refused }
                    receipt = try await session.send(outgoing)
                }
            }
            guard let receipt else { return .retry(WAError(.internalError, "the behaviour plan had no send step")) }
            return .sent(receipt)
        } catch let error as WAError {
            // A transport may report a cancelled call as its own error: cancellation wins.
            if Task.isCancelled { return .wait(until: env.clock.now(), holdingLane: false) }
            switch error.code {
            case .recipientNotOnWhatsApp:
                return .fail(MessageError(code: error.code.rawValue, message: error.message, isRetryable: false))
            case .accountRestricted:
                // Until the restriction ends when WhatsApp says so (at least a minute), else an hour.
                return .wait(
                    until: now.adding(error.retryAfter.map { max($0, .seconds(60)) } ?? .seconds(3_600)), holdingLane: true)
            case .transportUnavailable, .sessionNotReady:
                // Our side failed (a crashed browser, a session not up): WhatsApp was not asked, so the account's
                // risk is not charged.
                return .retryLocally(error)
            default:
                return .retry(error)
            }
        } catch is CancellationError {
            // The worker is being stopped mid-send: hand the job back at once, without counting a failed attempt
            // (and without a risk signal). If the message did reach WhatsApp, the next attempt's client message id
            // is recognised and nothing is sent twice.
            return .wait(until: env.clock.now(), holdingLane: false)
        } catch {
            if Task.isCancelled { return .wait(until: env.clock.now(), holdingLane: false) }
            // Not a WAError: the transport broke its contract, which says nothing about the account.
            return .retryLocally(WAError(.transportUnavailable, "the send was interrupted"))
        }
    }

    private static let mediaDeleted = MessageError(
        code: "media_not_found", message: "the message's media was deleted before it was sent", isRetryable: false)

    private func markPending(_ job: Job, _ message: Message, now: Date) async throws {
        let org = message.organizationID
        try await env.store.transaction(.organization(org)) { tx in
            // Fenced: only the worker holding this attempt may touch the message.
            _ = try await tx.jobs.extendLease(job.id, in: org, attempt: job.attempt, until: now.adding(lease))
            var current = try await tx.messages.get(message.id, in: org)
            if current.advance(to: .pending, at: now) { _ = try await tx.messages.update(current) }
        }
    }

    /// Records the outcome of an attempt in one transaction, run again on a transaction conflict (the instance's
    /// risk state, the chat or the message changed meanwhile): after a real send, a conflict left to expire the
    /// job's lease would send the message again.
    private func record(_ outcome: Outcome, _ job: Job, _ message: Message, _ instance: Instance) async throws {
        let org = message.organizationID
        let now = env.clock.now()
        try await env.store.transaction(.organization(org), retryingConflicts: 5) { tx in
            switch outcome {
            case .alreadyDone:
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            case .wait(let until, let holdingLane):
                _ = try await tx.jobs.snooze(
                    job.id, in: org, attempt: job.attempt, until: until, holdingLane: holdingLane)
            case .sent(let receipt):
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
                var current = try await tx.messages.get(message.id, in: org)
                current.whatsappID = receipt.whatsappID
                current.advance(to: receipt.status, at: receipt.timestamp)
                current.error = nil
                let stored = try await tx.messages.update(current)
                try await touchChat(stored, in: tx)
                try await publish(.messageSent, stored, in: tx)
                try await risk?.record(
                    .messageSent(
                        recipient: stored.chatJID.description, recipientIsContact: stored.contactID != nil,
                        text: stored.body),
                    instance: instance.id, in: org, at: now, tx)
            case .retry(let error), .retryLocally(let error):
                if case .retry = outcome {
                    try await risk?.record(
                        .sendFailed(recipient: message.chatJID.description), instance: instance.id, in: org, at: now,
                        tx)
                }
                if job.failedClaims >= job.maxAttempts {
                    try await fail(
                        MessageError(code: error.code.rawValue, message: error.message, isRetryable: true), job, message,
                        in: tx, now: now)
                } else {
                    let delay = job.retryDelay
                    _ = try await tx.jobs.retry(
                        job.id, in: org, attempt: job.attempt, at: now.adding(delay), error: error.message)
                }
            case .fail(let reason):
                if reason.code == WAError.Code.recipientNotOnWhatsApp.rawValue {
                    try await risk?.record(
                        .sendFailed(recipient: message.chatJID.description), instance: instance.id, in: org, at: now,
                        tx)
                }
                try await fail(reason, job, message, in: tx, now: now)
            }
        }
    }

    private func fail(_ reason: MessageError, _ job: Job, _ message: Message, in tx: any StoreTransaction, now: Date)
        async throws
    {
        let org = message.organizationID
        _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: reason.message, now: now)
        var current = try await tx.messages.get(message.id, in: org)
        guard current.advance(to: .failed, at: now) else { return }
        current.error = reason
        let stored = try await tx.messages.update(current)
        try await publish(.messageFailed, stored, in: tx)
    }

    private func touchChat(_ message: Message, in tx: any StoreTransaction) async throws {
        let org = message.organizationID
        let at = message.timestamps.sentAt ?? message.updatedAt
        if var chat = try await tx.chats.find(jid: message.chatJID, instance: message.instanceID, in: org) {
            chat.lastMessageAt = at
            chat.unreadCount = 0
            chat.updatedAt = at
            _ = try await tx.chats.update(chat)
        } else {
            _ = try await tx.chats.insertMissing(
                Chat(
                    id: env.ids.make(), organizationID: org, instanceID: message.instanceID, jid: message.chatJID,
                    contactID: message.contactID, lastMessageAt: at, createdAt: at))
        }
    }

    private func publish(_ type: WebhookEventType, _ message: Message, in tx: any StoreTransaction) async throws {
        guard let webhooks else { return }
        let event = WebhookEvent(
            type: type, organizationID: message.organizationID, instanceID: message.instanceID,
            data: MessageEventData.json(message), ids: env.ids)
        try await webhooks.publish(event, in: tx)
    }

    private func outgoingMessage(for message: Message) async throws -> OutgoingMessage {
        let content: OutgoingMessage.Content
        switch message.kind {
        case .text:
            content = .text(message.body ?? "")
        case .location:
            guard let location = message.location else { throw WAError(.internalError, "a location message has no location") }
            content = .location(location)
        case .contact:
            content = .contactCard(name: message.body ?? "", vCard: message.contactCard ?? "")
        case .image, .video, .audio, .voice, .document, .sticker:
            guard let media = message.media else { throw WAError(.internalError, "a media message has no media") }
            let bytes = try await env.media.bytes(of: media.mediaID, in: message.organizationID)
            content = .media(
                MediaPayload(
                    kind: message.kind, mimeType: media.mimeType, fileName: media.fileName, caption: message.body,
                    bytes: bytes))
        }
        return OutgoingMessage(
            chat: message.chatJID, content: content, clientMessageID: OutgoingMessage.clientMessageID(for: message.id))
    }

    private func behaviourRequest(for message: Message, chatHasUnread: Bool, throttle: Double) -> BehaviourRequest {
        switch message.kind {
        case .voice:
            return .voice(nil, chatHasUnread: chatHasUnread, throttleFactor: throttle)
        default:
            return BehaviourRequest(
                kind: message.kind, textLength: message.body?.count ?? 0, audioDuration: nil,
                chatHasUnread: chatHasUnread, throttleFactor: throttle)
        }
    }
}
