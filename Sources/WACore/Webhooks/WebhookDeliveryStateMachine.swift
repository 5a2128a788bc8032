public import Foundation

/// The attempts of one delivery (one event to one endpoint), as a state machine in the style of DESIGN.md §2:
/// the worker reports what happened, the machine answers with the ``Action`` to perform.
///
/// The machine's ``State`` is what a ``Delivery`` stores (``Delivery/state``); the delivery's status and next
/// attempt time are derived from it, so there is one source of truth. Rebuild the machine from the stored state
/// with ``init(policy:state:)``, feed it one event, and store ``state`` again with the action's effect:
///
/// ```swift
/// var machine = WebhookDeliveryStateMachine(policy: .standard, state: delivery.state)
/// switch machine.attemptStarted(at: clock.now()) {
/// case .send(let attempt): delivery.state = machine.state   // store "in flight", then POST outside the transaction
/// case .sleep(let until): queue.snooze(job, until: until)    // woken early: no attempt spent
/// case .reject(let error): …                                  // a bug: the delivery cannot start an attempt
/// default: …
/// }
/// let action = machine.attemptFinished(outcome, at: clock.now(), random: random)
/// // .recordSuccess, .recordFailure(retryAt:attempt:) or .recordGiveUp(_:): store machine.state with the attempt
/// ```
///
/// Every event that does not fit the current state (a result when no attempt is in flight, a replay of a
/// delivery that has not failed) changes nothing and returns ``Action/reject(_:)`` naming the event and the
/// state: callers treat it as an error, never as "nothing to do". A manual replay of a failed delivery
/// (``replayRequested(at:)``) starts a fresh attempt budget for the same stored payload and `webhook-id`.
public struct WebhookDeliveryStateMachine: Sendable, Hashable {
    /// Where the delivery stands. Attempt numbers count within the current attempt budget (a replay starts at 1
    /// again); the delivery's attempt log keeps every attempt ever made.
    public enum State: Sendable, Hashable, Codable {
        /// Attempt `attempt` is due at `at` (the first attempt is due when the delivery is created).
        case scheduled(attempt: Int, at: Date)
        /// Attempt `attempt` started at `since` and its result is not recorded yet. Stored before the request is
        /// made, so a worker that dies mid-attempt leaves the delivery here; the next worker makes the attempt
        /// again (delivery is at least once).
        case inFlight(attempt: Int, since: Date)
        /// Attempt `attempts` succeeded.
        case succeeded(attempts: Int)
        /// Given up after `attempts` attempts of the current budget.
        case failed(reason: GiveUpReason, attempts: Int)
    }

    /// What the worker should do next.
    public enum Action: Sendable, Hashable {
        /// Make attempt `attempt` now (sign with the current time, POST the stored payload). Store the in-flight
        /// state first.
        case send(attempt: Int)
        /// The job woke before the attempt is due: sleep until `until` without spending an attempt.
        case sleep(until: Date)
        /// Record the failed attempt and run attempt `attempt` at `retryAt`.
        case recordFailure(retryAt: Date, attempt: Int)
        /// Record the successful attempt; the delivery is finished.
        case recordSuccess
        /// Record that the delivery was given up; no further attempt.
        case recordGiveUp(GiveUpReason)
        /// A replay was accepted: queue the delivery for its first attempt of a fresh budget at `at`.
        case enqueueReplay(at: Date)
        /// The event does not fit the current state; nothing changed.
        case reject(InvalidEvent)
    }

    /// An event that does not fit the state the delivery is in.
    public struct InvalidEvent: Error, Sendable, Hashable, CustomStringConvertible {
        /// The event (`attemptStarted`, `attemptFinished`, `cancel`, `endpointDisabled`, `replayRequested`).
        public var event: String
        /// The state it met.
        public var state: State

        public init(event: String, state: State) {
            self.event = event
            self.state = state
        }

        public var description: String { "\(event) is not possible in state \(state)" }
    }

    /// Why a delivery was given up.
    public enum GiveUpReason: Sendable, Hashable, Codable, CustomStringConvertible {
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

    /// A new delivery created at `now`: attempt 1 is due at once.
    public init(policy: WebhookRetryPolicy = .standard, createdAt now: Date) {
        self.init(policy: policy, state: .scheduled(attempt: 1, at: now))
    }

    /// The machine of a stored delivery (``Delivery/state``).
    public init(policy: WebhookRetryPolicy = .standard, state: State) {
        self.policy = policy
        self.state = state
    }

    /// The number of attempts of the current budget started so far.
    public var attemptsMade: Int { state.attemptsMade }

    /// Whether the delivery has finished (succeeded or given up).
    public var isFinished: Bool { state.isFinished }

    // MARK: Events

    /// A worker picked the delivery up at `now`. Returns ``Action/send(attempt:)`` when an attempt is due (or when
    /// a previous worker's attempt was left in flight: it is made again), ``Action/sleep(until:)`` when woken
    /// too early, and rejects a finished delivery.
    public mutating func attemptStarted(at now: Date) -> Action {
        switch state {
        case .scheduled(let attempt, let due):
            guard now >= due else { return .sleep(until: due) }
            state = .inFlight(attempt: attempt, since: now)
            return .send(attempt: attempt)
        case .inFlight(let attempt, _):
            state = .inFlight(attempt: attempt, since: now)
            return .send(attempt: attempt)
        case .succeeded, .failed:
            return reject("attemptStarted")
        }
    }

    /// The in-flight attempt ended at `now` with `outcome`; jitter for the next wait is drawn from `random`.
    public mutating func attemptFinished(
        _ outcome: WebhookAttemptOutcome, at now: Date, random: any RandomSource
    ) -> Action {
        guard case .inFlight(let attempt, _) = state else { return reject("attemptFinished") }
        switch policy.classify(outcome) {
        case .success:
            state = .succeeded(attempts: attempt)
            return .recordSuccess
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
            state = .scheduled(attempt: attempt + 1, at: next)
            return .recordFailure(retryAt: next, attempt: attempt + 1)
        }
    }

    /// A user or operator cancelled the delivery.
    public mutating func cancel() -> Action {
        guard !isFinished else { return reject("cancel") }
        return giveUp(.cancelled, attempts: attemptsMade)
    }

    /// The endpoint was disabled or deleted; a pending delivery is given up (an in-flight attempt's result is then
    /// rejected).
    public mutating func endpointDisabled() -> Action {
        guard !isFinished else { return reject("endpointDisabled") }
        return giveUp(.endpointDisabled, attempts: attemptsMade)
    }

    /// Someone asked to send a failed delivery again at `now`: a fresh attempt budget starts with attempt 1.
    /// Only failed deliveries can be replayed.
    public mutating func replayRequested(at now: Date) -> Action {
        guard case .failed = state else { return reject("replayRequested") }
        state = .scheduled(attempt: 1, at: now)
        return .enqueueReplay(at: now)
    }

    private mutating func giveUp(_ reason: GiveUpReason, attempts: Int) -> Action {
        state = .failed(reason: reason, attempts: attempts)
        return .recordGiveUp(reason)
    }

    private func reject(_ event: String) -> Action {
        .reject(InvalidEvent(event: event, state: state))
    }
}

extension WebhookDeliveryStateMachine.State {
    /// The delivery status this state shows (``Delivery/status``): scheduled and in-flight deliveries are pending.
    public var status: Delivery.Status {
        switch self {
        case .scheduled, .inFlight: .pending
        case .succeeded: .succeeded
        case .failed: .failed
        }
    }

    /// When the next attempt is due: the scheduled time, `since` for an attempt in flight (a worker that picks
    /// it up makes it again), `nil` once finished.
    public var nextAttemptAt: Date? {
        switch self {
        case .scheduled(_, let at): at
        case .inFlight(_, let since): since
        case .succeeded, .failed: nil
        }
    }

    /// The number of attempts of the current budget started so far.
    public var attemptsMade: Int {
        switch self {
        case .scheduled(let attempt, _): attempt - 1
        case .inFlight(let attempt, _): attempt
        case .succeeded(let attempts), .failed(_, let attempts): attempts
        }
    }

    /// Whether the delivery has finished (succeeded or given up).
    public var isFinished: Bool {
        switch self {
        case .succeeded, .failed: true
        case .scheduled, .inFlight: false
        }
    }
}
