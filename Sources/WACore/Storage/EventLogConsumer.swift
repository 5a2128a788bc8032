/// How far one named reader of an organization's event log (the webhook fan-out) has got, kept in the store
/// beside the log.
///
/// A consumer handles the events numbered after ``position`` and saves the new position in the transaction that
/// did the work, so a crash never loses or repeats a handled event. ``isScheduled`` lets writers and the consumer
/// agree, without a lost wake-up, on whether a run is already on its way: a writer that appends an event and finds
/// it `false` schedules a run (a job) and sets it; the run clears it in the transaction that finds nothing left
/// to read. Stores serialize every transaction that reads a consumer in the same organization until it ends
/// (PostgreSQL: `SELECT … FOR UPDATE` on its row), so the two never miss each other.
///
/// Retention waits for consumers: ``EventLogRepository/prune(before:)`` keeps every event after the lowest
/// position of the organization's consumers, however old.
public struct EventLogConsumer: Sendable, Hashable, CustomStringConvertible {
    /// Who reads: `webhooks` for the fan-out. At most 64 characters.
    public var name: String
    /// Whose log.
    public var organizationID: OrganizationID
    /// The number of the last event handled (0 before the first).
    public var position: UInt64
    /// Whether a run that will read the events after ``position`` is scheduled.
    public var isScheduled: Bool

    public init(name: String, organizationID: OrganizationID, position: UInt64 = 0, isScheduled: Bool = false) {
        self.name = name
        self.organizationID = organizationID
        self.position = position
        self.isScheduled = isScheduled
    }

    public var description: String {
        "EventLogConsumer(\(name) of \(organizationID) at \(position)\(isScheduled ? ", scheduled" : ""))"
    }
}
