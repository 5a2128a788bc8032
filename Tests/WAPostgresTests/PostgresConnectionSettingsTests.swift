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

    /// Connects to the test server (`WA_TEST_DATABASE_URL`, or the tests' embedded server) through the settings.
    @Test func connectsToRealServer() async throws {
        try await TestDatabase.withFreshDatabase { client, settings in
            let rows = try await client.query(
                "SELECT current_setting('server_version_num')::int, current_database()", logger: TestDatabase.logger)
            var found: (version: Int, database: String)?
            for try await (version, database) in rows.decode((Int, String).self) { found = (version, database) }
            let (version, database) = try #require(found)
            #expect(version >= 140000)
            #expect(database == settings.database)
        }
    }
}
