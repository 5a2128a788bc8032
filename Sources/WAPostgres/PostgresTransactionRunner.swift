import Logging
import NIOCore
import Synchronization
public import PostgresNIO
public import WACore

/// Opens the transactions of the PostgreSQL store the way the storage contract needs them: on one pooled
/// connection, at READ COMMITTED, with the tenant set and the role taken before the body runs, rolled back when it
/// throws, and with PostgreSQL's errors turned into ``WACore/WAError``s.
///
/// A tenant transaction runs
/// ```sql
/// BEGIN ISOLATION LEVEL READ COMMITTED;
/// SELECT set_config('app.organization_id', '<organization>', true);
/// SET LOCAL ROLE wa_app;           -- row-level security: this organization's rows only
/// ```
/// and a system transaction `SET LOCAL ROLE wa_system` instead. The settings end with the transaction, so a
/// connection goes back to the pool as it came. The connecting user must be a member of both roles (the migrations
/// grant them to the user that runs them).
public struct PostgresTransactionRunner: Sendable {
    /// The pool transactions run on.
    public let client: PostgresClient
    /// Where failures are described in full (the database's own message, which errors never carry).
    public let logger: Logger

    private let activity = TransactionActivity()

    /// A runner over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A counter that changes whenever a transaction (or a statement on its own) of this runner starts or ends, and
    /// on every read while one is open, so a test can tell whether anything used the database meanwhile (WACoreTesting's `TestClock` waits for
    /// it to stand still before moving time: `clock.addActivityProbe { store.runner.activityCount }`).
    public var activityCount: Int { activity.count }

    /// How many transactions ``run(_:_:)`` has opened (statements run on their own not counted).
    var transactionsRun: Int { activity.transactions }

    /// Runs `body` in one transaction for `scope` and commits what it did, or rolls back everything when it
    /// throws (its error reaches the caller unchanged; a failure of the database itself arrives as a
    /// ``WACore/WAError``: ``WACore/WAError/postgres(_:doing:)``). A statement the server refuses ends the
    /// transaction in PostgreSQL: a body that catches that error and returns has committed nothing, and `run`
    /// throws `internal_error` rather than return its result.
    ///
    /// When the database cannot be reached, or the connection breaks, the error is `storage_unavailable`
    /// (retryable). While the pool reconnects, a call waits for a connection; once the pool has failed to connect
    /// for a while (PostgresNIO's circuit breaker, 60 s) calls fail at once until a connection succeeds again. A
    /// connection lost during `COMMIT` says so in the message: whether the transaction was kept is unknown. A
    /// connection that turns out to be closed already at `BEGIN` (the pool had not noticed yet) is replaced once:
    /// nothing ran on it.
    public func run<Result>(
        _ scope: TransactionScope, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        activity.begin(transaction: true)
        defer { activity.end() }
        do {
            return try await attempt(scope, body)
        } catch let failure as NotBegun {
            logger.debug("a pooled connection was closed; trying another", metadata: ["error": "\(failure.error)"])
            do {
                return try await attempt(scope, body)
            } catch let failure as NotBegun {
                throw failure.error
            }
        }
    }

    /// `BEGIN` failed because the connection was lost: nothing ran.
    private struct NotBegun: Error {
        var error: WAError
    }

    /// One try of ``run(_:_:)``, on one pooled connection.
    private func attempt<Result>(
        _ scope: TransactionScope, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        var leased = false
        do {
            return try await client.withConnection { connection in
                leased = true
                do {
                    try await Self.step(
                        "BEGIN ISOLATION LEVEL READ COMMITTED", on: connection, logger, doing: "opening a transaction")
                } catch let error as WAError where error.code == .storageUnavailable {
                    throw NotBegun(error: error)
                }
                do {
                    switch scope {
                    case .organization(let organization):
                        try await Self.step(
                            "SELECT set_config(\(PostgresSchema.organizationSetting), \(organization.description), true)",
                            on: connection, logger, doing: "setting the transaction's organization")
                        try await Self.step(
                            "SET LOCAL ROLE wa_app", on: connection, logger, doing: "taking the tenant role")
                    case .system:
                        try await Self.step(
                            "SET LOCAL ROLE wa_system", on: connection, logger, doing: "taking the system role")
                    }
                    let result = try await body(connection)
                    try await Self.commit(on: connection, logger)
                    return result
                } catch {
                    // A connection that failed is closed instead of rolled back: the server rolls back what it had.
                    if (error as? WAError)?.code == .storageUnavailable {
                        try? await connection.close()
                        throw error
                    }
                    do {
                        _ = try await connection.queryWatchingClose("ROLLBACK", logger: logger)
                    } catch {
                        logger.warning(
                            "a rollback failed; the connection is closed",
                            metadata: ["error": "\(PostgresErrorSummary(error).text)"])
                        try? await connection.close()
                    }
                    throw error
                }
            }
        } catch where !leased {
            throw noConnection(error)
        }
    }

    /// Runs one statement on its own (no transaction around it, as the system) on a pooled connection and returns its
    /// rows, with the errors ``run(_:_:)`` reports.
    func autocommit(_ query: PostgresQuery, doing: String) async throws -> [PostgresRow] {
        let logger = self.logger
        activity.begin()
        defer { activity.end() }
        var leased = false
        do {
            return try await client.withConnection { connection in
                leased = true
                do {
                    return try await connection.queryWatchingClose(query, logger: logger).rows
                } catch {
                    throw Self.mapped(error, doing: doing, logger)
                }
            }
        } catch where !leased {
            throw noConnection(error)
        }
    }

    /// The error for a pool that gave no connection: it is shut down, or cannot connect (PostgresNIO's own error).
    private func noConnection(_ error: any Error) -> any Error {
        if Task.isCancelled { return CancellationError() }
        logger.warning("no connection to the database", metadata: ["error": "\(PostgresErrorSummary(error).text)"])
        return WAError(.storageUnavailable, "the database cannot be reached; try again")
    }

    /// `COMMIT`, which PostgreSQL answers with `ROLLBACK` (and no error) when a statement of the transaction failed
    /// and the body caught that failure and went on. Nothing was committed then, so it is an error here, never a
    /// success. A connection that fails meanwhile leaves the outcome unknown, and the error says so.
    static func commit(on connection: PostgresConnection, _ logger: Logger) async throws {
        let command: String
        do {
            command = try await connection.queryWatchingClose("COMMIT", logger: logger).metadata.command
        } catch {
            let mapped = Self.mapped(error, doing: "committing", logger)
            guard mapped.code == .storageUnavailable else { throw mapped }
            throw WAError(
                .storageUnavailable,
                "the connection to the database failed while committing: the transaction may or may not have been kept")
        }
        guard command == "COMMIT" else {
            logger.error(
                "a transaction was rolled back instead of committed: a statement in it had failed",
                metadata: ["command": "\(command)"])
            throw WAError(.internalError, "the transaction was rolled back: a statement in it failed")
        }
    }

    /// Runs one statement, turning a failure into the contract's error (and logging the database's own text).
    static func step(
        _ query: PostgresQuery, on connection: PostgresConnection, _ logger: Logger, doing: String
    ) async throws {
        do {
            _ = try await connection.queryWatchingClose(query, logger: logger)
        } catch {
            throw Self.mapped(error, doing: doing, logger)
        }
    }

    /// ``WACore/WAError/postgres(_:doing:)``, with the database's own description logged when it becomes an
    /// internal error (or, as a warning, `storage_unavailable`).
    static func mapped(_ error: any Error, doing: String, _ logger: Logger) -> WAError {
        let mapped = WAError.postgres(error, doing: doing)
        switch mapped.code {
        case .internalError:
            logger.error(
                "the database failed", metadata: ["doing": "\(doing)", "error": "\(PostgresErrorSummary(error).text)"])
        case .storageUnavailable:
            logger.warning(
                "the database connection failed",
                metadata: ["doing": "\(doing)", "error": "\(PostgresErrorSummary(error).text)"])
        default:
            break
        }
        return mapped
    }
}

/// How busy a ``PostgresTransactionRunner`` is, for ``PostgresTransactionRunner/activityCount``.
private final class TransactionActivity: Sendable {
    private let events = Atomic<Int>(0)
    private let open = Atomic<Int>(0)
    private let transactionCount = Atomic<Int>(0)

    func begin(transaction: Bool = false) {
        if transaction { transactionCount.add(1, ordering: .relaxed) }
        open.add(1, ordering: .relaxed)
        events.add(1, ordering: .relaxed)
    }

    var transactions: Int { transactionCount.load(ordering: .relaxed) }

    func end() {
        events.add(1, ordering: .relaxed)
        open.subtract(1, ordering: .relaxed)
    }

    var count: Int {
        // While a transaction is open the count keeps moving, so waiting for it to stand still waits for the end.
        if open.load(ordering: .relaxed) > 0 { return events.add(1, ordering: .relaxed).newValue }
        return events.load(ordering: .relaxed)
    }
}
