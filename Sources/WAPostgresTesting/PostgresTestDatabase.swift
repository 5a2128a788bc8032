import Foundation
public import Logging
public import PostgresNIO
import Synchronization
import WACore
public import WAPostgres

/// A real PostgreSQL server for tests, and a fresh database for each test: what the WAPostgres tests and the
/// end-to-end tests run on, and what an application's own tests can use.
///
/// ```swift
/// @Test func ordersArePersisted() async throws {
///     try await PostgresTestDatabase.withFreshDatabase { client, _ in
///         try await PostgresTestDatabase.migrate(client)
///         let store = PostgresStore(client: client, logger: PostgresTestDatabase.logger)
///         …
///     }
/// }
/// ```
///
/// The server is the one `WA_TEST_DATABASE_URL` names (`scripts/test` starts one and sets it). Without that
/// variable, one ``WAPostgres/EmbeddedPostgres`` per test process is started in a temporary directory on first use
/// (from the system's PostgreSQL binaries) and stopped (and removed) when the process exits, so the tests never
/// skip silently. On CI (`CI` set) the variable is required: a missing one fails every test that needs the
/// database, with a message saying so.
public enum PostgresTestDatabase {
    /// The logger the helpers give PostgresNIO.
    public static let logger = Logger(label: "wa-postgres-tests")

    /// Whether this run is on CI: `CI` is set to anything but empty, `0` or `false`.
    public static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !["", "0", "false"].contains(value.lowercased())
    }()

    /// The settings of the server's maintenance database (`postgres`).
    public static func serverSettings() async throws -> PostgresConnectionSettings {
        if let url = ProcessInfo.processInfo.environment["WA_TEST_DATABASE_URL"], !url.isEmpty {
            return try PostgresConnectionSettings(url: url)
        }
        guard !isCI else { throw MissingServer() }
        return try await embeddedServer.value
    }

    /// Creates a database with a random name, runs `body` with a running client for it (and its settings, to
    /// make more clients), then stops the client and drops the database, whether `body` succeeded or not.
    @discardableResult
    public static func withFreshDatabase<Result: Sendable>(
        _ body: (PostgresClient, PostgresConnectionSettings) async throws -> Result
    ) async throws -> Result {
        let server = try await serverSettings()
        let name = "wa_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await withClient(server) { admin in
            try await admin.query("CREATE DATABASE \(unescaped: name)", logger: logger)
        }
        var settings = server
        settings.database = name
        do {
            let result = try await withClient(settings) { client in try await body(client, settings) }
            try await drop(name, on: server)
            return result
        } catch {
            try? await drop(name, on: server)
            throw error
        }
    }

    /// Runs `body` with a `PostgresClient` for `settings` whose `run()` runs alongside, and stops it afterwards.
    @discardableResult
    public static func withClient<Result: Sendable>(
        _ settings: PostgresConnectionSettings, _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            do {
                let result = try await body(client)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    private static func drop(_ name: String, on server: PostgresConnectionSettings) async throws {
        try await withClient(server) { admin in
            try await admin.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: logger)
        }
    }

    // MARK: - The embedded server

    /// Started on first use, once per test process.
    private static let embeddedServer = Task { () async throws -> PostgresConnectionSettings in
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("wa-pg-tests-\(UUID().uuidString.prefix(8))").path
        let postgres = EmbeddedPostgres(
            configuration: EmbeddedPostgresConfiguration(
                directory: directory,
                // Throw-away data: no need to survive an OS crash. Tests run in parallel, each with its clients, and
                // several migrate fresh databases at once (each migration locks every table it creates).
                settings: [
                    "fsync": "off", "full_page_writes": "off", "max_connections": "300",
                    "max_locks_per_transaction": "256",
                ]),
            logger: logger)
        started.withLock { $0 = postgres }
        atexit { PostgresTestDatabase.stopEmbeddedServer() }
        return try await postgres.start()
    }

    private static let started = Mutex<EmbeddedPostgres?>(nil)

    /// Stops the embedded server and removes its directory (from `atexit`: the process is ending).
    private static func stopEmbeddedServer() {
        guard let postgres = started.withLock({ $0 }) else { return }
        do {
            try postgres.stopBlocking()
            try FileManager.default.removeItem(atPath: postgres.configuration.directory)
        } catch {
            FileHandle.standardError.write(Data("could not stop the test PostgreSQL server: \(error)\n".utf8))
        }
    }

    /// Migrates the database `client` connects to with the bundled migrations.
    public static func migrate(_ client: PostgresClient) async throws {
        try await PostgresMigrator(client: client, logger: logger).migrate()
    }

    /// `CI` is set but `WA_TEST_DATABASE_URL` is not.
    public struct MissingServer: Error, CustomStringConvertible {
        public var description: String {
            "WA_TEST_DATABASE_URL is not set: on CI the WAPostgres tests run against the server scripts/test starts "
                + "(run the tests through scripts/test, or set WA_TEST_DATABASE_URL=postgres://user@host:port/postgres)"
        }
    }
}
