import Logging
import NIOCore
import PostgresNIO

/// A statement was not run, or its result did not arrive, because its connection had closed (PostgresNIO would have
/// waited for it forever: ``PostgresNIO/PostgresConnection/queryWatchingClose(_:logger:)``).
struct PostgresConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection to the database is closed" }
}

extension PostgresConnection {
    /// How often ``queryWatchingClose(_:logger:)`` checks whether the connection closed while it waits.
    static let closedCheckInterval = TimeAmount.seconds(1)

    /// Runs `query` and returns its whole result, or fails with ``PostgresConnectionClosed`` when the connection has
    /// closed before the query was sent or closes while the result is awaited.
    ///
    /// PostgresNIO (1.33.2) writes a query to the connection's channel without watching the write. On a channel that
    /// has already closed the write fails, the query is dropped, and its result never arrives: the caller waits
    /// forever. That happens when the server ends a session between two statements of a transaction (a restart, a
    /// crash, `pg_terminate_backend`) and when the pool hands out a connection whose close it has not processed yet.
    /// So the connection is checked before the query is sent, and every ``closedCheckInterval`` while its result is
    /// awaited (for the moment between the check and the send); a query the server did receive fails by itself when
    /// the connection closes.
    func queryWatchingClose(_ query: PostgresQuery, logger: Logger) async throws -> PostgresQueryResult {
        guard !isClosed else { throw PostgresConnectionClosed() }
        let result = eventLoop.makePromise(of: PostgresQueryResult.self)
        let watch = eventLoop.scheduleRepeatedTask(
            initialDelay: Self.closedCheckInterval, delay: Self.closedCheckInterval
        ) { [self] _ in
            // Completing the promise a second time does nothing: whichever comes first wins.
            if isClosed { result.fail(PostgresConnectionClosed()) }
        }
        let query: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger)
        query.whenComplete { outcome in
            watch.cancel()
            result.completeWith(outcome)
        }
        return try await result.futureResult.get()
    }
}
