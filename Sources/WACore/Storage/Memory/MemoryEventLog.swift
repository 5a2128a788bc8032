import Foundation

/// One organization's event log in a ``MemoryStore``; only touched under the store's lock.
final class MemoryEventLog: @unchecked Sendable {
    /// The kept events, oldest first.
    var events: [LoggedEvent] = []
    /// The latest number given (0 before the first append).
    var last: UInt64 = 0
    /// The saved consumers, by name.
    var consumers: [String: EventLogConsumer] = [:]

    var bounds: EventLogBounds {
        EventLogBounds(firstRetained: events.first?.sequence ?? last + 1, last: last)
    }
}

/// The event log of one ``MemoryStore`` transaction.
struct MemoryEventLogRepository: EventLogRepository {
    let transaction: MemoryTransaction

    func append(_ event: WebhookEvent) async throws(WAError) -> LoggedEvent {
        transaction.touch(.eventLog)
        return try transaction.withEventLog(of: event.organizationID) { log, undo in
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
                // Never past an event a consumer has yet to read.
                let unread = log.consumers.values.map(\.position).min() ?? .max
                let removed = log.events.prefix { $0.event.createdAt < date && $0.sequence <= unread }
                guard !removed.isEmpty else { return 0 }
                log.events.removeFirst(removed.count)
                undo.append { log.events.insert(contentsOf: removed, at: 0) }
                return removed.count
            }
        }
        return total
    }

    func consumer(_ name: String, in organization: OrganizationID) async throws(WAError) -> EventLogConsumer {
        // Every memory transaction runs alone, which is the serialization the contract asks for.
        try transaction.withEventLog(of: organization) { log, _ in
            log.consumers[name] ?? EventLogConsumer(name: name, organizationID: organization)
        }
    }

    func save(_ consumer: EventLogConsumer) async throws(WAError) {
        guard (1...64).contains(consumer.name.count) else {
            throw WAError(.invalidArgument, "a consumer's name has 1 to 64 characters", field: "name")
        }
        try transaction.withEventLog(of: consumer.organizationID) { (log, undo) throws(WAError) in
            guard consumer.position <= log.last else {
                throw WAError(
                    .invalidArgument, "position \(consumer.position) is past the log's last number \(log.last)",
                    field: "position")
            }
            let previous = log.consumers.updateValue(consumer, forKey: consumer.name)
            undo.append { log.consumers[consumer.name] = previous }
        }
    }
}
