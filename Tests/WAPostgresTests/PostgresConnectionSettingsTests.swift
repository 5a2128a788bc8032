import Foundation
import Logging
import PostgresNIO
import Testing
import WACore
import WAPostgres

@Suite struct PostgresConnectionSettingsTests {
    @Test func parsesTCPURL() throws {
        let s = try PostgresConnectionSettings(url: "postgres://wa:s%40cret@db.example:6543/wa_prod")
        #expect(s.host == "db.example")
        #expect(s.port == 6543)
        #expect(s.username == "wa")
        #expect(s.password == "s@cret")
        #expect(s.database == "wa_prod")
        #expect(!s.description.contains("s@cret"))
    }

    @Test func parsesSocketURL() throws {
        let s = try PostgresConnectionSettings(url: "postgresql://postgres@/wa?host=/tmp/pg&port=5433")
        #expect(s.socketDirectory == "/tmp/pg")
        #expect(s.host == nil)
        #expect(s.port == 5433)
    }

    @Test(arguments: [
        "mysql://u@h/db", "postgres://h/db", "postgres://u@h:99999/db", "postgres://u@h", "postgres://u@h/db?sslmode=require",
        "postgres://u@h/db?port=x", "postgres://u@/db",
    ])
    func rejectsInvalidURLs(_ url: String) {
        let error = #expect(throws: WAError.self) { try PostgresConnectionSettings(url: url) }
        #expect(error?.code == .invalidArgument && error?.field == "database_url")
    }

    /// Connects to the PostgreSQL server `scripts/test` started (`WA_TEST_DATABASE_URL`).
    @Test(.enabled(if: TestDatabase.url != nil))
    func connectsToRealServer() async throws {
        let settings = try PostgresConnectionSettings(url: try #require(TestDatabase.url))
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let rows = try await client.query("SELECT current_setting('server_version_num')::int", logger: Logger(label: "test"))
            var version = 0
            for try await value in rows.decode(Int.self) { version = value }
            #expect(version >= 140000)
            group.cancelAll()
        }
    }
}

enum TestDatabase {
    static var url: String? { ProcessInfo.processInfo.environment["WA_TEST_DATABASE_URL"] }
}
