import Foundation
import Logging
import PostgresNIO
import Synchronization
import WACore

/// What every repository of one PostgreSQL transaction shares: the connection the transaction runs on, its scope,
/// whether it is still open, and the JSON coding of entities.
final class PostgresTransactionContext: Sendable {
    let connection: PostgresConnection
    let scope: TransactionScope
    let logger: Logger
    private let isOpen = Atomic<Bool>(true)
    private let notified = Mutex<Set<WakeUpTopic>>([])

    init(connection: PostgresConnection, scope: TransactionScope, logger: Logger) {
        self.connection = connection
        self.scope = scope
        self.logger = logger
    }

    /// Wakes the workers of `topic` when (and only if) the transaction commits: `pg_notify` right after the statement
    /// that gave them something to do, once per topic and transaction (PostgreSQL holds a transaction's notifications
    /// until it commits). Sent as it happens rather than at the end, so that no extra statement runs after a lock the
    /// transaction takes later (the event log's counter) and before its commit.
    func notify(_ topic: WakeUpTopic) async throws(WAError) {
        guard markNotified(topic) else { return }
        var sql = SQLBuilder("SELECT pg_notify(")
        sql.append(bound: .text(PostgresWakeUps.channel))
        sql.append(", ")
        sql.append(bound: .text(PostgresWakeUps.payload(topic)))
        sql.append(")")
        _ = try await count(sql, doing: "notifying workers")
    }

    /// Notes that the transaction notifies `topic` (for a statement that calls `pg_notify` itself); returns whether
    /// it had not yet.
    func markNotified(_ topic: WakeUpTopic) -> Bool {
        notified.withLock { $0.insert(topic).inserted }
    }

    /// Marks the transaction over: its repositories refuse every further call.
    func close() { isOpen.store(false, ordering: .releasing) }

    /// Fails unless the transaction is open and may act for `organization` (`nil`: no organization named); `what`
    /// names the data in the error.
    func requireUsable(for organization: OrganizationID?, _ what: String) throws(WAError) {
        guard isOpen.load(ordering: .acquiring) else { throw WAError(.transactionMisuse, "the transaction has ended") }
        if let organization, !scope.permits(organization) {
            throw WAError(.tenantMismatch, "the \(what) belongs to another organization")
        }
    }

    /// Runs `sql` and returns its rows, with PostgreSQL's errors as the contract's (``WACore/WAError/postgres(_:doing:)``).
    func rows(_ sql: SQLBuilder, doing: String) async throws(WAError) -> [PostgresRow] {
        do {
            return try await connection.queryWatchingClose(sql.query, logger: logger).rows
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: doing, logger)
        }
    }

    /// Runs `sql` and returns how many rows it returned.
    func count(_ sql: SQLBuilder, doing: String) async throws(WAError) -> Int {
        try await rows(sql, doing: doing).count
    }

    /// The first column of every row as `T`.
    func values<T: PostgresDecodable>(_ sql: SQLBuilder, as _: T.Type, doing: String) async throws(WAError) -> [T] {
        let rows = try await rows(sql, doing: doing)
        do {
            return try rows.map { try $0.decode(T.self) }
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: doing, logger)
        }
    }

    /// `entity` as the JSON stored in `data`.
    func json<Entity: Encodable>(_ entity: Entity) throws(WAError) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(entity), as: UTF8.self)
        } catch {
            throw WAError(.internalError, "a record could not be encoded")
        }
    }

    /// The entity a row's `data` holds.
    func decode<Entity: Decodable>(_ text: String, as _: Entity.Type) throws(WAError) -> Entity {
        do {
            return try JSONDecoder().decode(Entity.self, from: Data(text.utf8))
        } catch {
            logger.error("a stored record could not be decoded", metadata: ["error": "\(error)"])
            throw WAError(.internalError, "a stored record could not be read")
        }
    }

    /// The entities the rows' `data` hold, in order.
    func decode<Entity: Decodable>(_ texts: some Sequence<String>, as _: Entity.Type) throws(WAError) -> [Entity] {
        var entities: [Entity] = []
        for text in texts { entities.append(try decode(text, as: Entity.self)) }
        return entities
    }

    /// The page `request` asked for, from the `data` of a query that read `request.limit + 1` rows in page order (the
    /// extra row only tells that there is a next page).
    func page<Entity: StoredEntity>(_ texts: [String], of request: PageRequest, as _: Entity.Type) throws(WAError)
        -> Page<Entity>
    {
        let items = try decode(texts.prefix(request.limit), as: Entity.self)
        let next = texts.count > request.limit ? items.last.map { Cursor(after: $0.id, order: request.order) } : nil
        return Page(items: items, nextCursor: next)
    }
}
