import Foundation
import Logging

/// Turns the event log into webhook deliveries: claims `webhook.fan_out` jobs and, for each, reads the
/// organization's event log from where the fan-out stopped, creating one ``Delivery`` (and its `webhook.deliver`
/// job) per endpoint that should receive each event.
///
/// **Which endpoints.** An event goes to every endpoint that, when the event is fanned out, is enabled and whose
/// filter matches its type, and that existed when the event was logged (``WebhookEndpoint/firstEventSequence``).
/// `webhook.endpoint_disabled` never goes to the endpoint it is about.
///
/// **Exactly once.** The fan-out's position is an ``EventLogConsumer`` (`webhooks`) in the store. Each page of
/// events is handled in one transaction that creates the deliveries, moves the position past the page and, fenced
/// by the job's attempt, extends, snoozes or completes the job; a worker that dies or loses its lease leaves
/// nothing half done, and the next run starts where the last committed page ended. Deliveries are unique per
/// endpoint and event as well.
///
/// **Scheduling.** ``WebhookService/publish(_:in:)`` schedules a run when the consumer has none scheduled; the run
/// that reads the log to its end marks it unscheduled in the same transaction, so an event published a moment
/// later schedules the next run. A run handles at most ``pagesPerRun`` pages, then yields to other organizations
/// (its job snoozes until now). A failing run backs off (up to five minutes) and is never given up.
public struct WebhookFanOutWorker: Sendable {
    /// The service whose endpoints and deliveries the worker writes.
    public let service: WebhookService
    /// How long a claimed job stays reserved; extended after every page.
    public var lease: Duration
    /// Events read per transaction (1 … 1,000).
    public var pageSize: Int
    /// Pages one run handles before the job yields to other organizations' runs.
    public var pagesPerRun: Int

    private var env: ServiceEnvironment { service.env }

    public init(service: WebhookService, lease: Duration = .seconds(60), pageSize: Int = 100, pagesPerRun: Int = 10) {
        self.service = service
        self.lease = lease
        self.pageSize = min(1_000, max(1, pageSize))
        self.pagesPerRun = max(1, pagesPerRun)
    }

    // MARK: Running

    /// Claims up to `limit` due fan-out jobs as `worker` and runs them one after another; returns how many it
    /// claimed. A job whose lease was lost is skipped; one that fails is put back with backoff (its
    /// ``Job/lastError`` says why) and the others go on.
    @discardableResult
    public func runOnce(worker: String, limit: Int = 10) async throws -> Int {
        let now = env.clock.now()
        let lease = self.lease
        let jobs = try await env.store.transaction(.system) { tx in
            try await tx.jobs.claim(
                queues: [WebhookService.fanOutQueue], worker: worker, limit: limit, lease: lease, now: now)
        }
        for job in jobs {
            do {
                try await run(job)
            } catch let error as WAError where error.code == .leaseLost {
                continue  // another worker owns the job now
            } catch {
                env.logFailure("fanning out webhook events (tried again with backoff)", error, .job(job))
                await env.bestEffort("handing a failed fan-out job back to the queue", .job(job)) {
                    let message = (error as? WAError)?.description ?? "unexpected error"
                    let at = env.clock.now().adding(job.retryDelay)
                    _ = try await env.store.transaction(.organization(job.organizationID)) { tx in
                        try await tx.jobs.retry(job.id, in: job.organizationID, attempt: job.attempt, at: at, error: message)
                    }
                }
            }
        }
        return jobs.count
    }

    /// Runs until the task is cancelled, sleeping `idle` on the environment's clock when nothing is due.
    /// Cancellation is graceful: the run in hand finishes its page and the loop ends. Errors of a batch go to
    /// `onError` and the loop goes on; without `onError` they end the loop.
    public func run(
        worker: String, idle: Duration = .milliseconds(250), onError: (@Sendable (any Error) -> Void)? = nil
    ) async throws {
        try await runWorkerLoop(
            clock: env.clock, idle: idle, wakeUps: env.store.wakeUps, topics: [.eventLog],
            onError: onError
        ) {
            try await self.runOnce(worker: worker)
        }
    }

    // MARK: One run

    private func run(_ job: Job) async throws {
        let payload: WebhookFanOutJob = try job.decodePayload()
        for page in 1...pagesPerRun {
            let last = page == pagesPerRun
            if try await fanOutPage(job, consumer: payload.consumer, lastPage: last) { return }
        }
    }

    /// One page in one transaction; returns whether the job is finished (completed or snoozed).
    private func fanOutPage(_ job: Job, consumer name: String, lastPage: Bool) async throws -> Bool {
        let org = job.organizationID
        let now = env.clock.now()
        return try await env.store.transaction(.organization(org)) { tx in
            var consumer = try await tx.eventLog.consumer(name, in: org)
            let bounds = try await tx.eventLog.bounds(in: org)
            if consumer.position + 1 < bounds.firstRetained {
                // Pruning waits for consumers, so only events logged before the consumer first existed can be
                // gone; say so rather than pretend.
                env.logger.error(
                    "webhook fan-out skips events pruned before it read them",
                    metadata: [
                        "organization": "\(org)", "from": "\(consumer.position + 1)",
                        "to": "\(bounds.firstRetained - 1)",
                    ])
                consumer.position = bounds.firstRetained - 1
            }
            let events = try await tx.eventLog.read(in: org, after: consumer.position, limit: pageSize)
            if !events.isEmpty {
                let endpoints = try await receivingEndpoints(org, tx)
                for logged in events {
                    let payload = logged.event.encoded()
                    for endpoint in endpoints where endpoint.receives(logged) {
                        _ = try await service.enqueueDelivery(
                            logged.event, payload: payload, to: endpoint.endpoint.id, in: tx)
                    }
                }
                consumer.position = events[events.count - 1].sequence
            }
            let caughtUp = consumer.position >= bounds.last
            if caughtUp { consumer.isScheduled = false }
            try await tx.eventLog.save(consumer)
            // Every page proves the lease: a worker that lost its job writes nothing.
            if caughtUp {
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            } else if lastPage {
                _ = try await tx.jobs.snooze(job.id, in: org, attempt: job.attempt, until: now)
            } else {
                _ = try await tx.jobs.extendLease(job.id, in: org, attempt: job.attempt, until: now.adding(lease))
            }
            return caughtUp || lastPage
        }
    }

    /// The organization's enabled endpoints with their filters parsed once per page.
    private func receivingEndpoints(_ org: OrganizationID, _ tx: any StoreTransaction) async throws -> [Receiver] {
        var receivers: [Receiver] = []
        var cursor: Cursor?
        repeat {
            let page = try await tx.webhookEndpoints.list(
                in: org, where: .init(isEnabled: true),
                page: PageRequest(limit: PageRequest.maximumLimit, cursor: cursor, order: .oldestFirst))
            receivers += page.items.map { Receiver(endpoint: $0, filter: $0.eventFilter) }
            cursor = page.nextCursor
        } while cursor != nil
        return receivers
    }

    private struct Receiver {
        let endpoint: WebhookEndpoint
        let filter: WebhookEventFilter

        func receives(_ logged: LoggedEvent) -> Bool {
            let event = logged.event
            guard endpoint.isEnabled, logged.sequence >= endpoint.firstEventSequence, filter.matches(event.type)
            else { return false }
            // An endpoint is not told about its own disabling (it is disabled; a re-enabled one knows).
            if event.type == .webhookEndpointDisabled,
                event.data["endpoint_id"]?.stringValue == endpoint.id.description
            {
                return false
            }
            return true
        }
    }
}
