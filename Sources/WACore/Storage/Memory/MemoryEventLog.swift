import Foundation

/// One organization's event log in a ``MemoryStore``; only touched under the store's lock.
final class MemoryEventLog: @unchecked Sendable {
    /// The kept events, oldest first.
    var events: [LoggedEvent] = []
    /// The latest number given (0 before the first append).
    var last: UInt64 = 0

    var bounds: EventLogBounds {
        EventLogBounds(firstRetained: events.first?.sequence ?? last + 1, last: last)
    }
}

/// The event log of one ``MemoryStore`` transaction.
struct MemoryEventLogRepository: EventLogRepository {
    let transaction: MemoryTransaction

    func append(_ event: WebhookEvent) async throws(WAError) -> LoggedEvent {
        try transaction.withEventLog(of: event.organizationID) { log, undo in
            log.last += 1
            let logged = LoggedEvent(sequence: log.last, event: event)
            log.events.append(logged)
            undo.append {
                log.events.removeLast()
                log.last -= 1
            }
            return logged
        }
    }

    func read(in organization: OrganizationID, after sequence: UInt64, limit: Int) async throws(WAError)
        -> [LoggedEvent]
    {
        guard (1...1_000).contains(limit) else {
            throw WAError(.invalidArgument, "read 1 to 1000 events at a time", field: "limit")
        }
        return try transaction.withEventLog(of: organization) { log, _ in
            // Numbers are consecutive from the first kept event, so the position is arithmetic.
            guard let first = log.events.first?.sequence else { return [] }
            let start = sequence < first ? 0 : Int(sequence - first + 1)
            guard start < log.events.count else { return [] }
            return Array(log.events[start..<Swift.min(log.events.count, start + limit)])
        }
    }

    func bounds(in organization: OrganizationID) async throws(WAError) -> EventLogBounds {
        try transaction.withEventLog(of: organization) { log, _ in log.bounds }
    }

    func prune(before date: Date) async throws(WAError) -> Int {
        guard transaction.scope == .system else {
            throw WAError(.tenantMismatch, "pruning every organization's event log needs a system-scope transaction")
        }
        var total = 0
        for organization in transaction.eventLogOrganizations() {
            total += try transaction.withEventLog(of: organization) { log, undo in
                let removed = log.events.prefix { $0.event.createdAt < date }
                guard !removed.isEmpty else { return 0 }
                log.events.removeFirst(removed.count)
                undo.append { log.events.insert(contentsOf: removed, at: 0) }
                return removed.count
            }
        }
        return total
    }
}
