import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Webhook delivery state machine")
struct WebhookDeliveryStateMachineTests {
    typealias Machine = WebhookDeliveryStateMachine
    typealias State = Machine.State

    static let now = Date(timeIntervalSince1970: 1_767_225_600)
    static let later = now.addingTimeInterval(60)

    static var exact: WebhookRetryPolicy {
        var policy = WebhookRetryPolicy.standard
        policy.jitter = 0
        return policy
    }

    /// One input to the machine.
    enum Event: Sendable, CustomStringConvertible {
        case attemptStarted
        case attemptFinished(WebhookAttemptOutcome)
        case cancel
        case endpointDisabled
        case replayRequested

        var description: String {
            switch self {
            case .attemptStarted: "attemptStarted"
            case .attemptFinished(let outcome): "attemptFinished(\(outcome.summary))"
            case .cancel: "cancel"
            case .endpointDisabled: "endpointDisabled"
            case .replayRequested: "replayRequested"
            }
        }

        func apply(to machine: inout Machine) -> Machine.Action {
            switch self {
            case .attemptStarted: machine.attemptStarted(at: WebhookDeliveryStateMachineTests.now)
            case .attemptFinished(let outcome):
                machine.attemptFinished(outcome, at: WebhookDeliveryStateMachineTests.now, random: SeededRandomSource(seed: 1))
            case .cancel: machine.cancel()
            case .endpointDisabled: machine.endpointDisabled()
            case .replayRequested: machine.replayRequested(at: WebhookDeliveryStateMachineTests.now)
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var state: State
        var event: Event
        var action: Machine.Action
        /// The state afterwards; `nil`: unchanged.
        var next: State?

        var testDescription: String { "\(state) + \(event)" }
    }

    static let due = State.scheduled(attempt: 3, at: now)
    static let notDue = State.scheduled(attempt: 3, at: later)
    static let inFlight = State.inFlight(attempt: 3, since: now.addingTimeInterval(-5))
    static let lastInFlight = State.inFlight(attempt: 8, since: now.addingTimeInterval(-5))
    static let succeeded = State.succeeded(attempts: 2)
    static let failed = State.failed(reason: .permanentFailure(statusCode: 404), attempts: 4)

    static func reject(_ event: String, _ state: State) -> Machine.Action {
        .reject(Machine.InvalidEvent(event: event, state: state))
    }

    /// Every state against every event: what the machine answers and where it goes.
    static let table: [Row] = [
        // scheduled, due
        Row(state: due, event: .attemptStarted, action: .send(attempt: 3), next: .inFlight(attempt: 3, since: now)),
        Row(state: due, event: .attemptFinished(.response(statusCode: 200)), action: reject("attemptFinished", due)),
        Row(state: due, event: .cancel, action: .recordGiveUp(.cancelled), next: .failed(reason: .cancelled, attempts: 2)),
        Row(state: due, event: .endpointDisabled, action: .recordGiveUp(.endpointDisabled),
            next: .failed(reason: .endpointDisabled, attempts: 2)),
        Row(state: due, event: .replayRequested, action: reject("replayRequested", due)),
        // scheduled, not due yet
        Row(state: notDue, event: .attemptStarted, action: .sleep(until: later)),
        Row(state: notDue, event: .attemptFinished(.timeout), action: reject("attemptFinished", notDue)),
        Row(state: notDue, event: .cancel, action: .recordGiveUp(.cancelled), next: .failed(reason: .cancelled, attempts: 2)),
        Row(state: notDue, event: .endpointDisabled, action: .recordGiveUp(.endpointDisabled),
            next: .failed(reason: .endpointDisabled, attempts: 2)),
        Row(state: notDue, event: .replayRequested, action: reject("replayRequested", notDue)),
        // in flight
        Row(state: inFlight, event: .attemptStarted, action: .send(attempt: 3), next: .inFlight(attempt: 3, since: now)),
        Row(state: inFlight, event: .attemptFinished(.response(statusCode: 204)), action: .recordSuccess,
            next: .succeeded(attempts: 3)),
        Row(state: inFlight, event: .attemptFinished(.response(statusCode: 503)),
            action: .recordFailure(retryAt: now.addingTimeInterval(30 * 60), attempt: 4),
            next: .scheduled(attempt: 4, at: now.addingTimeInterval(30 * 60))),
        Row(state: inFlight, event: .attemptFinished(.response(statusCode: 404)),
            action: .recordGiveUp(.permanentFailure(statusCode: 404)),
            next: .failed(reason: .permanentFailure(statusCode: 404), attempts: 3)),
        Row(state: inFlight, event: .attemptFinished(.response(statusCode: 410)), action: .recordGiveUp(.endpointGone),
            next: .failed(reason: .endpointGone, attempts: 3)),
        Row(state: inFlight, event: .attemptFinished(.response(statusCode: 500, abortRequested: true)),
            action: .recordGiveUp(.abortedByReceiver), next: .failed(reason: .abortedByReceiver, attempts: 3)),
        Row(state: lastInFlight, event: .attemptFinished(.timeout),
            action: .recordGiveUp(.attemptsExhausted(lastOutcome: .timeout)),
            next: .failed(reason: .attemptsExhausted(lastOutcome: .timeout), attempts: 8)),
        Row(state: inFlight, event: .cancel, action: .recordGiveUp(.cancelled), next: .failed(reason: .cancelled, attempts: 3)),
        Row(state: inFlight, event: .endpointDisabled, action: .recordGiveUp(.endpointDisabled),
            next: .failed(reason: .endpointDisabled, attempts: 3)),
        Row(state: inFlight, event: .replayRequested, action: reject("replayRequested", inFlight)),
        // succeeded
        Row(state: succeeded, event: .attemptStarted, action: reject("attemptStarted", succeeded)),
        Row(state: succeeded, event: .attemptFinished(.response(statusCode: 500)), action: reject("attemptFinished", succeeded)),
        Row(state: succeeded, event: .cancel, action: reject("cancel", succeeded)),
        Row(state: succeeded, event: .endpointDisabled, action: reject("endpointDisabled", succeeded)),
        Row(state: succeeded, event: .replayRequested, action: reject("replayRequested", succeeded)),
        // failed
        Row(state: failed, event: .attemptStarted, action: reject("attemptStarted", failed)),
        Row(state: failed, event: .attemptFinished(.response(statusCode: 200)), action: reject("attemptFinished", failed)),
        Row(state: failed, event: .cancel, action: reject("cancel", failed)),
        Row(state: failed, event: .endpointDisabled, action: reject("endpointDisabled", failed)),
        Row(state: failed, event: .replayRequested, action: .enqueueReplay(at: now), next: .scheduled(attempt: 1, at: now)),
    ]

    @Test(arguments: table)
    func transition(_ row: Row) {
        var machine = Machine(policy: Self.exact, state: row.state)
        #expect(row.event.apply(to: &machine) == row.action)
        #expect(machine.state == (row.next ?? row.state))
    }

    @Test func theTableCoversEveryStateAndEvent() {
        let states: Set<String> = Set(Self.table.map { "\($0.state)".prefix(while: { $0 != "(" }).description })
        #expect(states == ["scheduled", "inFlight", "succeeded", "failed"])
        for state in [Self.due, Self.notDue, Self.inFlight, Self.succeeded, Self.failed] {
            let events = Set(Self.table.filter { $0.state == state }.map { "\($0.event)".prefix(while: { $0 != "(" }) })
            #expect(events == ["attemptStarted", "attemptFinished", "cancel", "endpointDisabled", "replayRequested"])
        }
    }

    @Test(arguments: [
        (State.scheduled(attempt: 1, at: now), Delivery.Status.pending, Optional(now), 0, false),
        (.inFlight(attempt: 2, since: now), .pending, Optional(now), 2, false),
        (.succeeded(attempts: 3), .succeeded, nil, 3, true),
        (.failed(reason: .cancelled, attempts: 4), .failed, nil, 4, true),
    ] as [(State, Delivery.Status, Date?, Int, Bool)])
    func derivedStatus(_ state: State, _ status: Delivery.Status, _ next: Date?, _ made: Int, _ finished: Bool) {
        #expect(state.status == status)
        #expect(state.nextAttemptAt == next)
        #expect(state.attemptsMade == made)
        #expect(state.isFinished == finished)
        let delivery = Delivery(
            id: DeliveryID(high: 1, low: 1), organizationID: OrganizationID(high: 1, low: 2),
            endpointID: WebhookEndpointID(high: 1, low: 3), eventID: "evt",
            eventType: "message.sent", payload: [], state: state, createdAt: Self.now)
        #expect(delivery.status == status)
        #expect(delivery.nextAttemptAt == next)
    }

    @Test func theStateSurvivesStorageEncoding() throws {
        let states: [State] = [
            .scheduled(attempt: 2, at: Self.now), .inFlight(attempt: 1, since: Self.later), .succeeded(attempts: 5),
            .failed(reason: .attemptsExhausted(lastOutcome: .response(statusCode: 429, retryAfter: .delay(.seconds(30)))), attempts: 8),
            .failed(reason: .attemptsExhausted(lastOutcome: .connectionFailed("refused")), attempts: 8),
            .failed(reason: .permanentFailure(statusCode: 401), attempts: 1),
        ]
        for state in states {
            let data = try JSONEncoder().encode(state)
            #expect(try JSONDecoder().decode(State.self, from: data) == state)
        }
    }

    @Test func aNewDeliveryIsDueAtOnce() {
        var machine = Machine(createdAt: Self.now)
        #expect(machine.state == .scheduled(attempt: 1, at: Self.now))
        #expect(machine.attemptStarted(at: Self.now) == .send(attempt: 1))
    }

    // MARK: Scenarios

    @Test func threeFailuresThenSuccessTakes35MinutesAnd5Seconds() {
        let clock = TestClock()
        let start = clock.now()
        let random = SeededRandomSource(seed: 1)
        var machine = Machine(policy: Self.exact, createdAt: start)
        let failures: [WebhookAttemptOutcome] = [.response(statusCode: 500), .timeout, .connectionFailed("connection refused")]
        for (index, failure) in failures.enumerated() {
            #expect(machine.attemptStarted(at: clock.now()) == .send(attempt: index + 1))
            guard case .recordFailure(let at, let attempt) = machine.attemptFinished(failure, at: clock.now(), random: random)
            else {
                Issue.record("expected a retry")
                return
            }
            #expect(attempt == index + 2)
            // Woken early: nothing is sent, the worker sleeps until the attempt is due.
            #expect(machine.attemptStarted(at: at.addingTimeInterval(-1)) == .sleep(until: at))
            clock.set(at)
        }
        #expect(machine.attemptStarted(at: clock.now()) == .send(attempt: 4))
        #expect(machine.attemptFinished(.response(statusCode: 200), at: clock.now(), random: random) == .recordSuccess)
        #expect(clock.now().timeIntervalSince(start) == 35 * 60 + 5)
        #expect(machine.attemptsMade == 4)
    }

    @Test func givesUpAfterTheEighthAttemptOnTheSvixTimeline() {
        let clock = TestClock()
        let start = clock.now()
        let random = SeededRandomSource(seed: 1)
        var machine = Machine(policy: Self.exact, createdAt: start)
        var offsets: [TimeInterval] = []
        for attempt in 1...8 {
            #expect(machine.attemptStarted(at: clock.now()) == .send(attempt: attempt))
            offsets.append(clock.now().timeIntervalSince(start))
            let action = machine.attemptFinished(.response(statusCode: 503), at: clock.now(), random: random)
            if attempt < 8 {
                guard case .recordFailure(let at, _) = action else {
                    Issue.record("expected a retry after attempt \(attempt)")
                    return
                }
                clock.set(at)
            } else {
                #expect(action == .recordGiveUp(.attemptsExhausted(lastOutcome: .response(statusCode: 503))))
            }
        }
        #expect(offsets == [0, 5, 305, 2105, 9305, 27305, 63305, 99305])
        #expect(machine.state == .failed(reason: .attemptsExhausted(lastOutcome: .response(statusCode: 503)), attempts: 8))
    }

    @Test func retryAfterMovesTheNextAttempt() {
        let random = SeededRandomSource(seed: 1)
        var machine = Machine(policy: Self.exact, createdAt: Self.now)
        _ = machine.attemptStarted(at: Self.now)
        let at = Self.now.addingTimeInterval(600)
        #expect(
            machine.attemptFinished(.response(statusCode: 429, retryAfter: .date(at)), at: Self.now, random: random)
                == .recordFailure(retryAt: at, attempt: 2))
        _ = machine.attemptStarted(at: at)
        #expect(
            machine.attemptFinished(.response(statusCode: 503, retryAfter: .delay(.seconds(900))), at: at, random: random)
                == .recordFailure(retryAt: at.addingTimeInterval(900), attempt: 3))
    }

    @Test func redirectsAreRetriedNotFollowed() {
        var machine = Machine(policy: Self.exact, createdAt: Self.now)
        _ = machine.attemptStarted(at: Self.now)
        #expect(
            machine.attemptFinished(.response(statusCode: 301), at: Self.now, random: SeededRandomSource(seed: 1))
                == .recordFailure(retryAt: Self.now.addingTimeInterval(5), attempt: 2))
    }

    @Test func aReplayStartsAFreshBudget() {
        let random = SeededRandomSource(seed: 1)
        var machine = Machine(policy: Self.exact, state: .failed(reason: .attemptsExhausted(lastOutcome: .timeout), attempts: 8))
        #expect(machine.replayRequested(at: Self.later) == .enqueueReplay(at: Self.later))
        #expect(machine.attemptStarted(at: Self.later) == .send(attempt: 1))
        #expect(
            machine.attemptFinished(.timeout, at: Self.later, random: random)
                == .recordFailure(retryAt: Self.later.addingTimeInterval(5), attempt: 2))
        #expect(machine.replayRequested(at: Self.later) == Self.reject("replayRequested", machine.state))
    }

    @Test func theRejectionNamesTheEventAndTheState() {
        let invalid = Machine.InvalidEvent(event: "attemptStarted", state: .succeeded(attempts: 1))
        #expect(invalid.description == "attemptStarted is not possible in state succeeded(attempts: 1)")
    }
}
