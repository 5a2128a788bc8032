import Foundation
import Logging
import Synchronization

/// Sends webhook deliveries: claims `webhook.deliver` jobs, signs and sends each delivery's next attempt through a
/// ``WebhookSender``, and records the outcome.
///
/// For each claimed job, in three steps:
/// 1. **Prepare** (one transaction, organization scope): extend the job's lease (which also proves the worker
///    still holds it), load the delivery and its endpoint, and rebuild the ``WebhookDeliveryStateMachine`` from
///    the delivery's stored ``Delivery/state``. A finished delivery completes the job; one whose endpoint was
///    deleted or disabled is given up (`endpoint disabled`) — except a `webhook.test` delivery, which is sent to
///    a disabled endpoint too; one woken before it is due snoozes the job; otherwise the attempt is stored as in
///    flight.
/// 2. **Send** (no transaction open): check the URL against the policy again, unseal the secrets, sign at
///    `clock.now()` with the endpoint's ``WebhookEndpoint/SignatureMode`` (current and, during a rotation, previous
///    secret), and send.
/// 3. **Record** (one transaction, fenced by the job's attempt): complete, reschedule or fail the job as the state
///    machine decides, append the attempt to the delivery and store the machine's new state, and apply
///    the ``WebhookEndpointHealthPolicy`` to the endpoint. When the policy disables the endpoint, the worker writes
///    an audit event (actor: system) and publishes `webhook.endpoint_disabled` to the organization's *other*
///    endpoints; when a successful test re-enables it, an audit event too. A worker whose lease was taken over
///    gets `lease_lost` at the first write, the transaction rolls back, and nothing of its attempt is kept.
///
/// Delivery is at least once: a worker that dies after sending but before recording leaves the job to be claimed
/// again when its lease ends, and the receiver sees the same `webhook-id` twice.
public struct WebhookDeliveryWorker: Sendable {
    /// The service whose policies and publisher the worker uses.
    public let service: WebhookService
    /// Makes the HTTP requests.
    public let sender: any WebhookSender
    /// The time limit of one attempt (handed to the sender).
    public var requestTimeout: Duration
    /// How long a claimed job stays reserved for this worker; extended right before each send, so it must be
    /// comfortably longer than ``requestTimeout``.
    public var lease: Duration

    private var env: ServiceEnvironment { service.env }

    public init(
        service: WebhookService, sender: any WebhookSender, requestTimeout: Duration = .seconds(15),
        lease: Duration = .seconds(60)
    ) {
        self.service = service
        self.sender = sender
        self.requestTimeout = requestTimeout
        self.lease = lease
    }

    // MARK: Running

    /// Claims up to `limit` due jobs as `worker` and handles them one after another. Returns how many jobs were
    /// claimed (0: nothing was due). A job whose lease was lost is skipped silently; any other error is thrown
    /// after the remaining jobs were handled (the failing job is retried when its lease ends).
    @discardableResult
    public func runOnce(worker: String, limit: Int = 10) async throws -> Int {
        try await runBatch(worker: worker, limit: limit, stop: nil)
    }

    /// Runs until the task is cancelled: handles due jobs in batches of `batchSize`, and sleeps `pollInterval` on
    /// the environment's clock whenever nothing is due.
    ///
    /// Cancellation is graceful: the delivery in hand is finished and recorded (its request is not cancelled),
    /// the batch's other claimed jobs are handed back to the queue (snoozed until now, not counted as attempts), and
    /// the function returns. Errors end the loop
    /// unless `onError` is given; then they are reported to it and the loop continues after `pollInterval`.
    /// For parallel sending, run several loops with different `worker` names.
    public func run(
        worker: String, pollInterval: Duration = .seconds(1), batchSize: Int = 10,
        onError: (@Sendable (any Error) -> Void)? = nil
    ) async throws {
        let stop = StopSignal()
        try await withTaskCancellationHandler {
            while !stop.isSet {
                let mark = env.store.wakeUps?.mark()
                let handled: Int
                do {
                    // An unstructured task does not inherit cancellation: the batch in hand runs to its end.
                    handled = try await Task { try await runBatch(worker: worker, limit: batchSize, stop: stop) }.value
                } catch {
                    guard let onError else { throw error }
                    onError(error)
                    handled = 0
                }
                if handled == 0, !stop.isSet {
                    do {
                        try await idleWait(
                            clock: env.clock, idle: pollInterval, wakeUps: env.store.wakeUps,
                            topics: [.queue(WebhookService.deliveryQueue)], after: mark)
                    } catch {
                        return
                    }
                }
            }
        } onCancel: {
            stop.set()
        }
    }

    // MARK: One batch

    private func runBatch(worker: String, limit: Int, stop: StopSignal?) async throws -> Int {
        let now = env.clock.now()
        let jobs = try await env.store.transaction(.system) { tx in
            try await tx.jobs.claim(
                queues: [WebhookService.deliveryQueue], worker: worker, limit: limit, lease: lease, now: now)
        }
        var firstError: (any Error)?
        for (index, job) in jobs.enumerated() {
            if stop?.isSet == true {
                await release(jobs[index...])
                break
            }
            do {
                try await handle(job)
            } catch let error as WAError where error.code == .leaseLost {
                continue
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return jobs.count
    }

    /// Hands claimed but unstarted jobs back to the queue at shutdown (a snooze: the claim does not count as an
    /// attempt).
    private func release(_ jobs: ArraySlice<Job>) async {
        for job in jobs {
            // A job that cannot be handed back is claimed again when its lease ends.
            await env.bestEffort("handing an unstarted delivery job back at shutdown", .job(job)) {
                _ = try await env.store.transaction(.organization(job.organizationID)) { tx in
                    try await tx.jobs.snooze(job.id, in: job.organizationID, attempt: job.attempt, until: env.clock.now())
                }
            }
        }
    }

    /// What the prepare step decided.
    private enum Preparation {
        case finished
        case send(Delivery, WebhookEndpoint, WebhookDeliveryStateMachine, attempt: Int)
    }

    private func handle(_ job: Job) async throws {
        let org = job.organizationID
        let payload: WebhookDeliveryJob
        do {
            payload = try job.decodePayload(WebhookDeliveryJob.self)
            guard payload.organization == org else {
                throw WAError(.tenantMismatch, "the job's payload names another organization")
            }
        } catch {
            try await env.setAside(unreadable: job, error)
            return
        }
        let preparation = try await prepare(job, payload)
        guard case .send(let delivery, let endpoint, var machine, let attempt) = preparation else { return }

        let startedAt = env.clock.now()
        let (outcome, note) = await sendAttempt(delivery, to: endpoint, number: attempt, at: startedAt)
        let finishedAt = env.clock.now()
        let action = machine.attemptFinished(outcome, at: finishedAt, random: env.random)
        let attemptRecord = Delivery.Attempt(
            startedAt: startedAt, statusCode: outcome.statusCode, error: note ?? Self.errorText(outcome),
            durationMilliseconds: max(0, Int((finishedAt.timeIntervalSince(startedAt) * 1000).rounded())))

        // A concurrent edit of the endpoint (a label change) is a version conflict: try the record step again.
        var tries = 0
        while true {
            do {
                try await self.record(
                    job, delivery: delivery.id, attempt: attemptRecord, outcome: outcome, action: action,
                    state: machine.state, at: finishedAt)
                return
            } catch let error as WAError where error.code == .versionConflict && tries < 3 {
                tries += 1
            }
        }
    }

    private func prepare(_ job: Job, _ payload: WebhookDeliveryJob) async throws -> Preparation {
        let org = job.organizationID
        return try await env.store.transaction(.organization(org)) { tx -> Preparation in
            let now = env.clock.now()
            _ = try await tx.jobs.extendLease(
                job.id, in: org, attempt: job.attempt, until: now.adding(lease))
            guard var delivery = try await tx.deliveries.find(payload.delivery, in: org) else {
                _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: "delivery not found", now: now)
                return .finished
            }
            var machine = WebhookDeliveryStateMachine(policy: service.retryPolicy, state: delivery.state)
            guard !machine.isFinished else {
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
                return .finished
            }
            let endpoint = try await tx.webhookEndpoints.find(delivery.endpointID, in: org)
            let isTest = delivery.eventType == WebhookEventType.webhookTest.rawValue
            guard let endpoint, endpoint.isEnabled || isTest else {
                let action = machine.endpointDisabled()
                delivery.state = machine.state
                delivery.updatedAt = now
                _ = try await tx.deliveries.update(delivery)
                _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: Self.jobError(action), now: now)
                return .finished
            }
            let action = machine.attemptStarted(at: now)
            switch action {
            case .send(let attempt):
                // Stored before the request is made: a worker that dies mid-attempt leaves it in flight, and the
                // next one makes the attempt again.
                delivery.state = machine.state
                delivery.updatedAt = now
                let stored = try await tx.deliveries.update(delivery)
                return .send(stored, endpoint, machine, attempt: attempt)
            case .sleep(let until):
                // Woken before the delivery is due: wait again without spending an attempt.
                _ = try await tx.jobs.snooze(job.id, in: org, attempt: job.attempt, until: until)
                return .finished
            case .recordSuccess, .recordFailure, .recordGiveUp, .enqueueReplay, .reject:
                _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: Self.jobError(action), now: now)
                return .finished
            }
        }
    }

    /// Signs and sends one attempt. Returns the outcome and, when nothing was sent, a note for the attempt log.
    private func sendAttempt(_ delivery: Delivery, to endpoint: WebhookEndpoint, number: Int, at now: Date) async
        -> (WebhookAttemptOutcome, String?)
    {
        let policy = service.urlPolicy
        let url: WebhookURL
        do {
            url = try policy.validate(endpoint.url)
        } catch {
            // Recorded as the attempt's outcome (the policy may have become stricter since the endpoint was saved).
            return (.connectionFailed("refused by the URL policy"), "not sent: the URL is refused by the URL policy")
        }
        let headers: [HTTPHeaderField]
        do {
            let secrets = try WebhookSigningKeys.signing(endpoint, at: now, with: env.secretBox)
            let signer = try WebhookRequestSigner(mode: endpoint.signatureMode, secrets: secrets)
            headers =
                [HTTPHeaderField(name: "content-type", value: "application/json")]
                + signer.headers(id: delivery.eventID, payload: delivery.payload, at: now)
        } catch {
            var metadata = Logger.Metadata.organization(endpoint.organizationID)
            metadata["endpoint_id"] = "\(endpoint.id)"
            metadata["delivery_id"] = "\(delivery.id)"
            env.logFailure("opening the endpoint's signing secret (the attempt is recorded as failed)", error, metadata, level: .error)
            return (.connectionFailed("signing secret unavailable"), "not sent: the signing secret is unavailable")
        }
        let request = WebhookHTTPRequest(
            url: url.description, headers: headers, body: delivery.payload, timeout: requestTimeout,
            targetPolicy: policy, deliveryID: delivery.id, endpointID: endpoint.id, attempt: number)
        return (await sender.send(request), nil)
    }

    private func record(
        _ job: Job, delivery id: DeliveryID, attempt: Delivery.Attempt, outcome: WebhookAttemptOutcome,
        action: WebhookDeliveryStateMachine.Action, state: WebhookDeliveryStateMachine.State, at now: Date
    ) async throws {
        let org = job.organizationID
        try await env.store.transaction(.organization(org)) { tx in
            var delivery = try await tx.deliveries.get(id, in: org)
            // The job transition is the first write: it is the fence (lease_lost for a worker whose lease was taken
            // over, which rolls the whole transaction back).
            switch action {
            case .recordSuccess:
                _ = try await tx.jobs.complete(job.id, in: org, attempt: job.attempt, now: now)
            case .recordFailure(let at, _):
                _ = try await tx.jobs.retry(job.id, in: org, attempt: job.attempt, at: at, error: outcome.summary)
            case .recordGiveUp, .send, .sleep, .enqueueReplay, .reject:
                // `attemptFinished` only answers with a record action for the in-flight state the prepare step
                // stored; anything else ends the job loudly rather than leaving it to spin.
                _ = try await tx.jobs.fail(job.id, in: org, attempt: job.attempt, error: Self.jobError(action), now: now)
            }
            delivery.state = state
            delivery.attempts.append(attempt)
            delivery.updatedAt = now
            _ = try await tx.deliveries.update(delivery)

            guard var endpoint = try await tx.webhookEndpoints.find(delivery.endpointID, in: org) else { return }
            let before = endpoint
            let health = service.healthPolicy
            let decision =
                delivery.eventType == WebhookEventType.webhookTest.rawValue
                ? health.recordTestResult(succeeded: outcome.isSuccess, endpoint: &endpoint, at: now)
                : health.record(outcome, for: &endpoint, at: now)
            if endpoint != before { endpoint = try await tx.webhookEndpoints.update(endpoint) }
            switch decision {
            case .none:
                break
            case .enable:
                _ = try await tx.auditEvents.insert(
                    env.auditEvent(
                        "webhook_endpoint.enabled", by: .system, in: org, resourceType: "webhook_endpoint",
                        resourceID: endpoint.id.description, metadata: ["reason": "test event succeeded"]))
            case .disable(let reason):
                _ = try await tx.auditEvents.insert(
                    env.auditEvent(
                        "webhook_endpoint.disabled", by: .system, in: org, resourceType: "webhook_endpoint",
                        resourceID: endpoint.id.description,
                        metadata: ["reason": reason, "consecutive_failures": String(endpoint.consecutiveFailures)]))
                var data: JSONObject = [
                    "endpoint_id": .identifier(endpoint.id),
                    "reason": .string(reason),
                    "consecutive_failures": .integer(Int64(endpoint.consecutiveFailures)),
                    "disabled_at": .timestamp(now),
                ]
                if let since = endpoint.firstFailureAt { data["failing_since"] = .timestamp(since) }
                if let label = endpoint.label { data["label"] = .string(label) }
                let event = WebhookEvent(
                    type: .webhookEndpointDisabled, organizationID: org, data: .object(data), ids: env.ids)
                _ = try await service.publish(event, in: tx)  // the fan-out never sends it to this endpoint
            }
        }
    }

    // MARK: Helpers

    private static func errorText(_ outcome: WebhookAttemptOutcome) -> String? {
        switch outcome {
        case .response: nil
        case .timeout: "timeout"
        case .connectionFailed(let reason): "connection failed: " + String(reason.prefix(200))
        }
    }

    /// The job's error text for an action that ends it without success.
    private static func jobError(_ action: WebhookDeliveryStateMachine.Action) -> String {
        switch action {
        case .recordGiveUp(let reason): reason.description
        case .reject(let invalid): "invalid delivery state: \(invalid)"
        case .send, .sleep, .recordFailure, .recordSuccess, .enqueueReplay: "unexpected delivery action: \(action)"
        }
    }
}

/// Set once when the worker's loop is cancelled; read by the batch in hand.
private final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
