import Logging
import PostgresNIO
import WAPostgres
import WAPostgresTesting

/// The WAPostgres tests' short name for ``PostgresTestDatabase`` (in WAPostgresTesting, shared with the end-to-end
/// tests): the server the tests run against and a fresh database for each test.
enum TestDatabase {
    static var logger: Logger { PostgresTestDatabase.logger }

    static var isCI: Bool { PostgresTestDatabase.isCI }

    static func serverSettings() async throws -> PostgresConnectionSettings {
        try await PostgresTestDatabase.serverSettings()
    }

    @discardableResult
    static func withFreshDatabase<Result: Sendable>(
        _ body: (PostgresClient, PostgresConnectionSettings) async throws -> Result
    ) async throws -> Result {
        try await PostgresTestDatabase.withFreshDatabase(body)
    }

    @discardableResult
    static func withClient<Result: Sendable>(
        _ settings: PostgresConnectionSettings, _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        try await PostgresTestDatabase.withClient(settings, body)
    }

    static func migrate(_ client: PostgresClient) async throws {
        try await PostgresTestDatabase.migrate(client)
    }
}
