import Foundation
import Logging
import PostgresNIO
import WACore
import WAPostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The PostgreSQL store a command runs on, with the schema brought up to date first: the external server
/// `--database-url` names, or the embedded one under the data directory.
///
/// The embedded server belongs to the data directory's lock holder (``DataDirectoryLock``): a `serve` takes the
/// lock, starts the server (or attaches to one a crashed `serve` left running) and stops it when it ends. A command
/// that finds the lock taken uses the running gateway's server and leaves it running; one that gets the lock
/// stops what it started.
enum PostgresStorage {
    /// The database the gateway uses inside its embedded cluster.
    static let embeddedDatabase = "wa_gateway"

    /// Runs `body` with a migrated ``PostgresStore`` whose client runs meanwhile; `body` gets the versions this
    /// call migrated.
    ///
    /// - Parameter exclusive: whether the data directory must not be in use by another gateway (`serve`): then it
    ///   fails when it is.
    static func withStore<Result>(
        _ options: StorageOptions, exclusive: Bool, logger: Logger,
        _ body: (PostgresStore, _ applied: [Int]) async throws -> Result
    ) async throws -> Result {
        if let url = options.databaseURL {
            return try await run(try PostgresConnectionSettings(url: url), logger: logger, body)
        }
        try DataDirectory.prepare(options.dataDirectory, passableByOthers: geteuid() == 0)
        let lock = try DataDirectoryLock.acquire(in: options.dataDirectory)
        if lock == nil, exclusive {
            throw SetupError(
                "another wa-gateway (a serve, or a migrate that started the database) is using the data directory "
                    + "\(options.dataDirectory); stop it, or give this one a --data-dir of its own")
        }
        defer { withExtendedLifetime(lock) {} }
        let postgres = EmbeddedPostgres(
            configuration: EmbeddedPostgresConfiguration(directory: options.embeddedPostgresDirectory), logger: logger)
        // With the lock, what runs is ours (a crashed gateway's server at worst); without it, the running gateway's.
        let ours = lock != nil
        try await postgres.start()
        do {
            let settings = try await postgres.createDatabaseIfMissing(embeddedDatabase)
            let result = try await run(settings, logger: logger, body)
            if ours { try await postgres.stop() }
            return result
        } catch {
            if ours { try? await postgres.stop() }
            throw error
        }
    }

    private static func run<Result>(
        _ settings: PostgresConnectionSettings, logger: Logger,
        _ body: (PostgresStore, _ applied: [Int]) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let applied = try await PostgresMigrator(client: client, logger: logger).migrate()
            if !applied.isEmpty {
                logger.notice("database schema migrated", metadata: ["applied": "\(applied)", "database": "\(settings)"])
            }
            return try await body(PostgresStore(client: client, logger: logger), applied)
        }
    }
}
