import Foundation
import PostgresNIO
import WACore

/// Organizations' event logs in `event_log`, numbered by `event_log_counters`, with their consumers in
/// `event_log_consumers`.
///
/// **Commit order without gaps.** An append is one statement: it raises the organization's counter row (an upsert,
/// which locks the row until the transaction ends) and inserts the event with the new number. A second append of the
/// same organization waits for that lock, so it takes its number only after the first transaction committed (the
/// next number) or rolled back (the same number again). Numbers therefore become visible in order and without gaps:
/// a reader that has seen number `n` has seen every event up to `n`, however long a writer's transaction lasted —
/// the case a plain sequence gets wrong, where a late committer's lower number appears after a reader moved past
/// it. Appends of different organizations never wait for each other.
struct PostgresEventLogRepository: EventLogRepository {
    let context: PostgresTransactionContext

    /// What `data` holds: the event without its organization (the row's key).
    private struct StoredEvent: Codable {
        var id: WebhookEventID
        var type: WebhookEventType
        var createdAt: Date
        var instanceID: InstanceID?
        var data: StoredJSONValue
    }

    func append(_ event: WebhookEvent) async throws(WAError) -> LoggedEvent {
        try await append(event, reading: nil).logged
    }

    /// The append and the consumer's locking read in one statement: the counter's upsert (which locks the
    /// organization's counter row) runs first, then the consumer's `FOR UPDATE` read. That read waits for a fan-out
    /// run holding the consumer, and then returns the consumer as that run committed it (READ COMMITTED follows the
    /// row to its newest version), exactly as a statement of its own would.
    func append(_ event: WebhookEvent, readingConsumer name: String) async throws(WAError)
        -> (logged: LoggedEvent, consumer: EventLogConsumer)
    {
        let (logged, consumer) = try await append(event, reading: name)
        return (logged, consumer ?? EventLogConsumer(name: name, organizationID: event.organizationID))
    }

    private func append(_ event: WebhookEvent, reading consumerName: String?) async throws(WAError)
        -> (logged: LoggedEvent, consumer: EventLogConsumer?)
    {
        try context.requireUsable(for: event.organizationID, "event log")
        let stored = StoredEvent(
            id: event.id, type: event.type, createdAt: event.createdAt, instanceID: event.instanceID,
            data: StoredJSONValue(event.data))
        var sql = SQLBuilder("WITH next AS (INSERT INTO event_log_counters (organization_id, last_sequence) VALUES (")
        sql.append(bound: .id(event.organizationID))
        sql.append(
            ", 1) ON CONFLICT (organization_id) DO UPDATE SET last_sequence = event_log_counters.last_sequence + 1"
                + " RETURNING last_sequence), appended AS (INSERT INTO event_log (organization_id, sequence, event_type, created_at,"
                + " data) SELECT ")
        sql.append(bound: .id(event.organizationID))
        sql.append(", last_sequence, ")
        sql.append(bound: .text(event.type.rawValue))
        sql.append(", ")
        sql.append(bound: .date(event.createdAt))
        sql.append(", ")
        sql.append(bound: .json(try context.json(stored)))
        sql.append(" FROM next RETURNING sequence)")
        if let consumerName {
            sql.append(", consumer AS (SELECT position, is_scheduled FROM event_log_consumers WHERE organization_id = ")
            sql.append(bound: .id(event.organizationID))
            sql.append(" AND name = ")
            sql.append(bound: .text(consumerName))
            sql.append(" FOR UPDATE) SELECT sequence, (SELECT position FROM consumer), (SELECT is_scheduled FROM consumer)")
        } else {
            sql.append(" SELECT sequence, NULL::bigint, NULL::boolean")
        }
        sql.append(" FROM appended")
        // The wake-up in the same statement: the counter's row lock is held from here to the commit, so every
        // statement after this one delays the organization's next append.
        if context.markNotified(.eventLog) {
            sql.append(", (SELECT pg_notify(")
            sql.append(bound: .text(PostgresWakeUps.channel))
            sql.append(", ")
            sql.append(bound: .text(PostgresWakeUps.payload(.eventLog)))
            sql.append(")) AS wake")
        }
        let rows = try await context.rows(sql, doing: "appending to the event log")
        let number: Int
        let position: Int?
        let scheduled: Bool?
        do {
            guard let row = try rows.first?.decode((Int, Int?, Bool?).self) else {
                throw WAError(.internalError, "the event log gave no number")
            }
            (number, position, scheduled) = row
        } catch let error as WAError {
            throw error
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "appending to the event log", context.logger)
        }
        let logged = LoggedEvent(sequence: UInt64(number), event: event)
        guard let consumerName, let position, let scheduled else { return (logged, nil) }
        return (
            logged,
            EventLogConsumer(
                name: consumerName, organizationID: event.organizationID, position: UInt64(position),
                isScheduled: scheduled)
        )
    }

    func read(in organization: OrganizationID, after sequence: UInt64, limit: Int) async throws(WAError)
        -> [LoggedEvent]
    {
        guard (1...1_000).contains(limit) else {
            throw WAError(.invalidArgument, "read 1 to 1000 events at a time", field: "limit")
        }
        try context.requireUsable(for: organization, "event log")
        var sql = SQLBuilder("SELECT sequence, data::text FROM event_log WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND sequence > ")
        sql.append(bound: .integer(Int(clamping: sequence)))
        sql.append(" ORDER BY sequence LIMIT \(limit)")
        var events: [LoggedEvent] = []
        let rows = try await context.rows(sql, doing: "reading the event log")
        for row in rows {
            let (number, text): (Int, String)
            do {
                (number, text) = try row.decode((Int, String).self)
            } catch {
                throw PostgresTransactionRunner.mapped(error, doing: "reading the event log", context.logger)
            }
            let stored = try context.decode(text, as: StoredEvent.self)
            events.append(
                LoggedEvent(
                    sequence: UInt64(number),
                    event: WebhookEvent(
                        id: stored.id, type: stored.type, createdAt: stored.createdAt, organizationID: organization,
                        instanceID: stored.instanceID, data: stored.data.value)))
        }
        return events
    }

    func bounds(in organization: OrganizationID) async throws(WAError) -> EventLogBounds {
        try context.requireUsable(for: organization, "event log")
        var sql = SQLBuilder("SELECT coalesce((SELECT last_sequence FROM event_log_counters WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append("), 0)::bigint, (SELECT min(sequence) FROM event_log WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(")::bigint")
        let rows = try await context.rows(sql, doing: "reading the event log's bounds")
        do {
            guard let (last, first) = try rows.first?.decode((Int, Int?).self) else {
                return EventLogBounds(firstRetained: 1, last: 0)
            }
            return EventLogBounds(firstRetained: UInt64(first ?? last + 1), last: UInt64(last))
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "reading the event log's bounds", context.logger)
        }
    }

    /// One statement: per organization, the events before the first one created at or after `date`, and not past
    /// the lowest consumer's position.
    func prune(before date: Date) async throws(WAError) -> Int {
        guard context.scope == .system else {
            throw WAError(.tenantMismatch, "pruning every organization's event log needs a system-scope transaction")
        }
        var sql = SQLBuilder(
            "DELETE FROM event_log e USING (SELECT c.organization_id, least(coalesce((SELECT min(x.sequence)"
                + " FROM event_log x WHERE x.organization_id = c.organization_id AND x.created_at >= ")
        sql.append(bound: .date(date))
        sql.append(
            "), c.last_sequence + 1) - 1, coalesce((SELECT min(k.position) FROM event_log_consumers k"
                + " WHERE k.organization_id = c.organization_id), c.last_sequence)) AS upto FROM event_log_counters c) b"
                + " WHERE e.organization_id = b.organization_id AND e.sequence <= b.upto RETURNING 1")
        return try await context.count(sql, doing: "pruning the event log")
    }

    func consumer(_ name: String, in organization: OrganizationID) async throws(WAError) -> EventLogConsumer {
        try context.requireUsable(for: organization, "event log")
        var sql = SQLBuilder("SELECT position, is_scheduled FROM event_log_consumers WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND name = ")
        sql.append(bound: .text(name))
        sql.append(" FOR UPDATE")
        let rows = try await context.rows(sql, doing: "reading an event log consumer")
        do {
            guard let (position, scheduled) = try rows.first?.decode((Int, Bool).self) else {
                return EventLogConsumer(name: name, organizationID: organization)
            }
            return EventLogConsumer(
                name: name, organizationID: organization, position: UInt64(position), isScheduled: scheduled)
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "reading an event log consumer", context.logger)
        }
    }

    func save(_ consumer: EventLogConsumer) async throws(WAError) {
        // Counted as the table's CHECK counts (char_length: Unicode scalars), which is never fewer than Swift's
        // characters: a name of 64 characters with combining marks is longer than 64 for the database.
        guard (1...64).contains(consumer.name.unicodeScalars.count) else {
            throw WAError(.invalidArgument, "a consumer's name has 1 to 64 characters (Unicode scalars)", field: "name")
        }
        try context.requireUsable(for: consumer.organizationID, "event log")
        let last = try await bounds(in: consumer.organizationID).last
        guard consumer.position <= last else {
            throw WAError(
                .invalidArgument, "position \(consumer.position) is past the log's last number \(last)",
                field: "position")
        }
        var sql = SQLBuilder("INSERT INTO event_log_consumers (organization_id, name, position, is_scheduled) VALUES (")
        let placeholders = [
            sql.bind(.id(consumer.organizationID)), sql.bind(.text(consumer.name)),
            sql.bind(.integer(Int(clamping: consumer.position))), sql.bind(.boolean(consumer.isScheduled)),
        ]
        sql.append(placeholders.joined(separator: ", "))
        sql.append(
            ") ON CONFLICT (organization_id, name) DO UPDATE SET position = EXCLUDED.position,"
                + " is_scheduled = EXCLUDED.is_scheduled")
        _ = try await context.count(sql, doing: "saving an event log consumer")
    }
}
