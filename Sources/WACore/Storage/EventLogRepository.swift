public import Foundation

/// Every domain event of an organization (the events webhooks carry), in the order their transactions committed.
///
/// **Sequence.** Each organization has its own log, numbered 1, 2, 3 … without gaps in commit order: an event
/// appended in a transaction that rolls back takes no number, and the appends of one organization's transactions
/// are serialized by the store, so a reader that has seen number `n` has seen every event up to `n`. The sequence
/// is per organization, not global, so that tenants never contend on one counter.
///
/// **Retention.** Events are kept until ``prune(before:)`` removes the ones created before a date, except those a
/// ``EventLogConsumer`` has yet to read; the bounds say what is left. Reading from a pruned position is the
/// caller's to refuse (``EventLogService`` fails with `event_log_position_pruned`), never a silent gap.
///
/// **Consumers.** The store also keeps where each named consumer of a log has got (``EventLogConsumer``): the
/// webhook fan-out reads the log through one.
public protocol EventLogRepository: Sendable {
    /// Appends `event` to its organization's log with the next sequence number, in this transaction.
    func append(_ event: WebhookEvent) async throws(WAError) -> LoggedEvent

    /// ``append(_:)``, then ``consumer(_:in:)`` for consumer `name` of the event's organization (locked until the
    /// transaction ends), as one step: a store may do both in one round trip. Publishing reads the consumer right
    /// after the append, while the organization's next append waits, so every round trip saved there is one the
    /// organization's other writers do not wait for. The default implementation makes the two calls.
    func append(_ event: WebhookEvent, readingConsumer name: String) async throws(WAError)
        -> (logged: LoggedEvent, consumer: EventLogConsumer)

    /// The events of `organization` numbered after `sequence`, oldest first, at most `limit` (1 … 1,000).
    func read(in organization: OrganizationID, after sequence: UInt64, limit: Int) async throws(WAError)
        -> [LoggedEvent]

    /// What the log of `organization` holds now.
    func bounds(in organization: OrganizationID) async throws(WAError) -> EventLogBounds

    /// Removes, in every organization, the events created before `date` (``WebhookEvent/createdAt``; within an
    /// organization, from its oldest event up to the first one created at or after `date`, and never past the
    /// lowest ``EventLogConsumer/position`` of its consumers) and returns how many. The numbering goes on: the
    /// next append takes the next number. Requires system scope.
    func prune(before date: Date) async throws(WAError) -> Int

    /// The consumer `name` of `organization`'s log: position 0 and not scheduled when it was never saved. Until
    /// the transaction ends, every other transaction that reads the same consumer waits (PostgreSQL:
    /// `SELECT … FOR UPDATE`).
    func consumer(_ name: String, in organization: OrganizationID) async throws(WAError) -> EventLogConsumer

    /// Stores `consumer`, in this transaction. Fails with `invalid_argument` when its position is past the
    /// log's last number or its name is empty or longer than 64 characters.
    func save(_ consumer: EventLogConsumer) async throws(WAError)
}

extension EventLogRepository {
    public func append(_ event: WebhookEvent, readingConsumer name: String) async throws(WAError)
        -> (logged: LoggedEvent, consumer: EventLogConsumer)
    {
        let logged = try await append(event)
        return (logged, try await consumer(name, in: event.organizationID))
    }
}

/// One event in an organization's log, with its number there.
public struct LoggedEvent: Sendable, Hashable {
    /// The event's number in its organization's log (from 1, without gaps in commit order).
    public var sequence: UInt64
    /// The event.
    public var event: WebhookEvent

    public init(sequence: UInt64, event: WebhookEvent) {
        self.sequence = sequence
        self.event = event
    }
}

/// What an organization's event log holds: every event numbered `firstRetained … last` (none when `last` is
/// below `firstRetained`).
public struct EventLogBounds: Sendable, Hashable {
    /// The number of the oldest event still kept (`last + 1` when none is).
    public var firstRetained: UInt64
    /// The number of the latest event appended (0 before the first).
    public var last: UInt64

    public init(firstRetained: UInt64, last: UInt64) {
        self.firstRetained = firstRetained
        self.last = last
    }
}
