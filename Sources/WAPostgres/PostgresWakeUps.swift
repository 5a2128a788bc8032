import Logging
public import PostgresNIO
public import ServiceLifecycle
public import WACore

/// Wakes the gateway's idle workers when a transaction on this database commits work for them, on any node: the
/// ``PostgresStore`` sends `NOTIFY wa_wakeups, '<topic>'` in every transaction that enqueued or handed back jobs or
/// appended events (PostgreSQL delivers it only if the transaction commits), and ``run()`` listens on one pooled
/// connection and signals the waiting workers. Polling stays the safety net: while the listener reconnects, workers
/// find their work at their next poll.
///
/// Run it beside the client, as a ServiceLifecycle `Service` (``PostgresStore/wakeUpListener``).
public final class PostgresWakeUps: WorkerWakeUps, Service {
    /// The channel the store notifies and the listener listens on.
    public static let channel = "wa_wakeups"

    private let client: PostgresClient
    private let logger: Logger
    private let signal = WakeUpSignal()

    /// A listener on `client`, which must be running.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func mark() -> WakeUpMark { signal.mark() }

    public func wait(for topics: Set<WakeUpTopic>, after mark: WakeUpMark) async throws {
        try await signal.wait(for: topics, after: mark)
    }

    /// Listens until the task is cancelled or a graceful shutdown begins, reconnecting a second after a failure.
    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.listen() }
    }

    private func listen() async throws {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    // PostgresNIO never answers a LISTEN sent on a connection that has closed (see
                    // `PostgresConnection.queryWatchingClose`); the pool may still hand one out right after a restart.
                    guard !connection.isClosed else { throw PostgresConnectionClosed() }
                    try await connection.listen(on: Self.channel) { notifications in
                        for try await notification in notifications {
                            if let topic = Self.topic(notification.payload) { signal.signal([topic]) }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "listening for worker wake-ups failed; trying again", metadata: ["error": "\(PostgresErrorSummary(error).text)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// The payload that names `topic`.
    static func payload(_ topic: WakeUpTopic) -> String {
        switch topic {
        case .queue(let queue): "queue:" + queue
        case .eventLog: "event_log"
        }
    }

    /// The topic a payload names, or `nil`.
    static func topic(_ payload: String) -> WakeUpTopic? {
        if payload == "event_log" { return .eventLog }
        if payload.hasPrefix("queue:") { return .queue(String(payload.dropFirst("queue:".count))) }
        return nil
    }
}
