public import Foundation

/// The attempts of one delivery (one event to one endpoint), as a state machine in the style of DESIGN.md §2:
/// the adapter reports what happened, the machine answers with the ``Action`` to perform.
///
/// ```swift
/// var machine = WebhookDeliveryStateMachine(policy: .standard)
/// guard case .send(let attempt) = machine.attemptStarted(at: clock.now()) else { return }
/// let outcome = await post(payload, headers: signer.headers(eventID: id, payload: payload, at: clock.now()))
/// switch machine.attemptFinished(outcome, at: clock.now(), random: random) {
/// case .scheduleRetry(let date, _): queue.schedule(delivery, at: date)
/// case .markSucceeded: …
/// case .giveUp(let reason): … // reason.recommendsDisablingEndpoint for 410 Gone
/// case .send, .none: break
/// }
/// ```
///
/// The machine is a value: persist ``state`` (or the attempt count and next attempt time, see
/// ``init(policy:completedAttempts:nextAttemptAt:)``) with the ``Delivery`` and rebuild it when the job runs again.
/// Inputs that do not fit the current state (a second start while one attempt is in flight, a result after the
/// delivery finished) change nothing and return ``Action/none``. A manual replay of a failed delivery starts a fresh
/// machine (a full attempt budget) for the same stored payload and `webhook-id`.
public struct WebhookDeliveryStateMachine: Sendable, Hashable {
    /// Where the delivery stands.
    public enum State: Sendable, Hashable {
        /// Attempt `attempt` may start now.
        case ready(attempt: Int)
        /// Attempt `attempt` is in flight since `startedAt`.
        case inFlight(attempt: Int, startedAt: Date)
        /// Attempt `attempt` is due at `at`.
        case waiting(attempt: Int, at: Date)
        /// Attempt `attempts` succeeded.
        case succeeded(attempts: Int)
        /// Given up after `attempts` attempts.
        case failed(reason: GiveUpReason, attempts: Int)
    }

    /// What the adapter should do next.
    public enum Action: Sendable, Hashable {
        /// Make attempt `attempt` now (sign with the current time, POST the stored payload).
        case send(attempt: Int)
        /// Persist the failure and run attempt `attempt` at `at`.
        case scheduleRetry(at: Date, attempt: Int)
        /// Persist success (``Delivery/Status-swift.enum/succeeded``).
        case markSucceeded
        /// Persist failure (``Delivery/Status-swift.enum/failed``); no further attempt.
        case giveUp(GiveUpReason)
        /// Nothing to do (the input did not apply to the current state).
        case none
    }

    /// Why a delivery was given up.
    public enum GiveUpReason: Sendable, Hashable, CustomStringConvertible {
        /// Every allowed attempt failed; `lastOutcome` is the final one.
        case attemptsExhausted(lastOutcome: WebhookAttemptOutcome)
        /// A status that means "never" (400, 401, 403, 404, 422, or any in the policy's set).
        case permanentFailure(statusCode: Int)
        /// `410 Gone`: the receiver says the endpoint no longer exists.
        case endpointGone
        /// The receiver answered `webhook-delivery: abort-message`.
        case abortedByReceiver
        /// The endpoint was disabled or deleted while the delivery was pending.
        case endpointDisabled
        /// Cancelled by a user or an operator.
        case cancelled

        /// Whether the endpoint itself should be disabled (410 Gone).
        public var recommendsDisablingEndpoint: Bool { self == .endpointGone }

        /// A short, safe description for delivery logs.
        public var description: String {
            switch self {
            case .attemptsExhausted(let last): "attempts exhausted (last: \(last.summary))"
            case .permanentFailure(let code): "permanent failure: HTTP \(code)"
            case .endpointGone: "endpoint gone: HTTP 410"
            case .abortedByReceiver: "aborted by receiver (webhook-delivery: abort-message)"
            case .endpointDisabled: "endpoint disabled"
            case .cancelled: "cancelled"
            }
        }
    }

    /// The current state.
    public private(set) var state: State
    /// The policy deciding retries.
    public let policy: WebhookRetryPolicy

    /// A new delivery: attempt 1 is ready.
    public init(policy: WebhookRetryPolicy = .standard) {
        self.policy = policy
        self.state = .ready(attempt: 1)
    }

    /// A pending delivery rebuilt from storage after `completedAttempts` failed attempts, the next one due at
    /// `nextAttemptAt` (nil: due now).
    public init(policy: WebhookRetryPolicy = .standard, completedAttempts: Int, nextAttemptAt: Date?) {
        self.policy = policy
        let next = max(1, completedAttempts + 1)
        if let nextAttemptAt {
            state = .waiting(attempt: next, at: nextAttemptAt)
        } else {
            state = .ready(attempt: next)
        }
    }

    /// The number of attempts started so far.
    public var attemptsMade: Int {
        switch state {
        case .ready(let attempt), .waiting(let attempt, _): attempt - 1
        case .inFlight(let attempt, _): attempt
        case .succeeded(let attempts), .failed(_, let attempts): attempts
        }
    }

    /// Whether the delivery has finished (succeeded or given up).
    public var isFinished: Bool {
        switch state {
        case .succeeded, .failed: true
        case .ready, .inFlight, .waiting: false
        }
    }

    /// The worker picked the delivery up at `now`. Returns ``Action/send(attempt:)`` when an attempt is due,
    /// ``Action/scheduleRetry(at:attempt:)`` (unchanged) when woken too early, ``Action/none`` otherwise.
    public mutating func attemptStarted(at now: Date) -> Action {
        switch state {
        case .ready(let attempt):
            state = .inFlight(attempt: attempt, startedAt: now)
            return .send(attempt: attempt)
        case .waiting(let attempt, let due):
            guard now >= due else { return .scheduleRetry(at: due, attempt: attempt) }
            state = .inFlight(attempt: attempt, startedAt: now)
            return .send(attempt: attempt)
        case .inFlight, .succeeded, .failed:
            return .none
        }
    }

    /// The in-flight attempt ended at `now` with `outcome`; jitter for the next wait is drawn from `random`.
    public mutating func attemptFinished(
        _ outcome: WebhookAttemptOutcome, at now: Date, random: any RandomSource
    ) -> Action {
        guard case .inFlight(let attempt, _) = state else { return .none }
        switch policy.classify(outcome) {
        case .success:
            state = .succeeded(attempts: attempt)
            return .markSucceeded
        case .aborted:
            return giveUp(.abortedByReceiver, attempts: attempt)
        case .permanent(let statusCode, let disableEndpoint):
            return giveUp(disableEndpoint ? .endpointGone : .permanentFailure(statusCode: statusCode), attempts: attempt)
        case .retryable:
            let retryAfter: RetryAfter? =
                if case .response(_, let retryAfter, _) = outcome { retryAfter } else { nil }
            guard let next = policy.nextAttemptDate(afterAttempt: attempt, retryAfter: retryAfter, now: now, random: random)
            else {
                return giveUp(.attemptsExhausted(lastOutcome: outcome), attempts: attempt)
            }
            state = .waiting(attempt: attempt + 1, at: next)
            return .scheduleRetry(at: next, attempt: attempt + 1)
        }
    }

    /// A user or operator cancelled the delivery; ignored once finished.
    public mutating func cancel() -> Action {
        guard !isFinished else { return .none }
        return giveUp(.cancelled, attempts: attemptsMade)
    }

    /// The endpoint was disabled or deleted; a pending delivery is given up (an in-flight attempt's result is then
    /// ignored).
    public mutating func endpointDisabled() -> Action {
        guard !isFinished else { return .none }
        return giveUp(.endpointDisabled, attempts: attemptsMade)
    }

    private mutating func giveUp(_ reason: GiveUpReason, attempts: Int) -> Action {
        state = .failed(reason: reason, attempts: attempts)
        return .giveUp(reason)
    }
}
