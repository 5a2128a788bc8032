import Foundation
import PostgresNIO
import Testing
import WACore
@testable import WAPostgres

/// Each test runs in a fresh database of the test server.
@Suite struct PostgresMigratorTests {
    private let logger = TestDatabase.logger

    /// Three migrations: a table, a DO block and a function in several statements, a second table. Each inserts a
    /// row into `applications`, so applying one twice would show.
    private func sample() throws -> [Migration] {
        try [
            Migration(
                fileName: "0001_applications.sql",
                sql: """
                    -- Records each application of a migration.
                    CREATE TABLE applications (version int NOT NULL);
                    INSERT INTO applications VALUES (1);
                    """),
            Migration(
                fileName: "0002_settings.sql",
                sql: """
                    CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
                    DO $$
                    BEGIN
                        IF NOT EXISTS (SELECT FROM settings WHERE key = 'greeting') THEN
                            INSERT INTO settings VALUES ('greeting', 'hello; world');
                        END IF;
                    END
                    $$;
                    CREATE FUNCTION shout(text) RETURNS text LANGUAGE plpgsql AS $fn$
                    BEGIN
                        RETURN upper($1) || '!';
                    END
                    $fn$;
                    INSERT INTO applications VALUES (2);
                    """),
            Migration(
                fileName: "0003_contacts.sql",
                sql: "CREATE TABLE contacts (id bigint PRIMARY KEY); INSERT INTO applications VALUES (3);"),
        ]
    }

    @Test func appliesEverythingToAnEmptyDatabase() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrations = try sample()
            let applied = try await PostgresMigrator(client: client, logger: logger).migrate(migrations)
            #expect(applied == [1, 2, 3])
            #expect(try await strings(client, "SELECT shout(value) FROM settings") == ["HELLO; WORLD!"])
            #expect(try await strings(client, "SELECT version::text FROM applications ORDER BY version") == ["1", "2", "3"])
            #expect(try await tableExists(client, "contacts"))
            let history = try await strings(
                client, "SELECT version || ' ' || name || ' ' || checksum FROM wa_schema_migrations ORDER BY version")
            #expect(history == migrations.map { "\($0.version) \($0.name) \($0.checksum)" })
            #expect(try await advisoryLocksHeld(client) == 0)
        }
    }

    @Test func aSecondRunAppliesNothing() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = PostgresMigrator(client: client, logger: logger)
            try await migrator.migrate(try sample())
            #expect(try await migrator.migrate(try sample()) == [])
            #expect(try await strings(client, "SELECT count(*)::text FROM applications") == ["3"])
        }
    }

    @Test func appliesOnlyWhatIsNew() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = PostgresMigrator(client: client, logger: logger)
            let migrations = try sample()
            #expect(try await migrator.migrate(Array(migrations.prefix(1))) == [1])
            #expect(try await migrator.migrate(migrations) == [2, 3])
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        try await TestDatabase.withFreshDatabase { client, settings in
            try await TestDatabase.withClient(settings) { otherClient in
                let migrations = try sample()
                // Hold the lock so that both runs are surely waiting for it at the same time, then let them go.
                let results = try await client.withConnection { holder in
                    try await holder.query(
                        "SELECT pg_advisory_lock(\(PostgresMigrator.advisoryLockKey))", logger: logger)
                    async let first = PostgresMigrator(client: client, logger: logger).migrate(migrations)
                    async let second = PostgresMigrator(client: otherClient, logger: logger).migrate(migrations)
                    var waiting: (any Error)?
                    do {
                        try await waitUntil("both migrators wait for the lock") {
                            try await self.advisoryLockWaiters(holder) == 2
                        }
                    } catch {
                        waiting = error  // still release the lock, or the runs would wait forever
                    }
                    try await holder.query(
                        "SELECT pg_advisory_unlock(\(PostgresMigrator.advisoryLockKey))", logger: logger)
                    let results = try await [first, second]
                    if let waiting { throw waiting }
                    return results
                }
                #expect(results.sorted { $0.count < $1.count } == [[], [1, 2, 3]])
                #expect(
                    try await strings(client, "SELECT version::text FROM applications ORDER BY version") == ["1", "2", "3"])
                #expect(try await advisoryLocksHeld(client) == 0)
            }
        }
    }

    @Test func aChangedAppliedMigrationIsRefused() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = PostgresMigrator(client: client, logger: logger)
            var migrations = try sample()
            try await migrator.migrate(Array(migrations.prefix(2)))
            migrations[1] = try Migration(fileName: "0002_settings.sql", sql: "CREATE TABLE settings (key text);")
            let error = try await #require(throws: WAError.self) { try await migrator.migrate(migrations) }
            #expect(error.code == .internalError)
            #expect(error.message.contains("migration 2 (0002_settings.sql) was changed after it was applied"))
            #expect(error.message.contains(migrations[1].checksum))
            #expect(!(try await tableExists(client, "contacts")))  // nothing pending was applied either
            #expect(try await advisoryLocksHeld(client) == 0)
        }
    }

    @Test func anAppliedMigrationMissingFromTheFilesIsRefused() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = PostgresMigrator(client: client, logger: logger)
            let migrations = try sample()
            try await migrator.migrate(migrations)
            let error = try await #require(throws: WAError.self) {
                try await migrator.migrate(Array(migrations.prefix(2)))
            }
            #expect(error.message.contains("migration 3 (contacts) is applied"))
            #expect(error.message.contains("the database is newer than the code"))
        }
    }

    @Test func aPendingMigrationOlderThanTheNewestAppliedIsRefused() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = PostgresMigrator(client: client, logger: logger)
            let migrations = try sample()
            try await migrator.migrate([migrations[0], migrations[2]])
            let error = try await #require(throws: WAError.self) { try await migrator.migrate(migrations) }
            #expect(error.message.contains("migration 0002_settings.sql is not applied but migration 3 is"))
            #expect(!(try await tableExists(client, "settings")))
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = PostgresMigrator(client: client, logger: logger)
            let good = try sample()[0]
            let broken = try Migration(
                fileName: "0002_broken.sql",
                sql: """
                    CREATE TABLE half_done (id int);
                    INSERT INTO applications VALUES (2);
                    INSERT INTO missing_table
                    VALUES (1);
                    """)
            let error = try await #require(throws: WAError.self) { try await migrator.migrate([good, broken]) }
            #expect(error.code == .internalError)
            #expect(error.message.contains("database migration 0002_broken.sql failed and was rolled back"))
            #expect(error.message.contains("statement 3 of 3 (line 3)"))
            #expect(error.message.contains("relation \"missing_table\" does not exist (SQLSTATE 42P01)"))

            #expect(!(try await tableExists(client, "half_done")))
            #expect(try await strings(client, "SELECT version::text FROM applications") == ["1"])
            #expect(try await strings(client, "SELECT version::text FROM wa_schema_migrations") == ["1"])
            #expect(try await advisoryLocksHeld(client) == 0)

            // Once fixed, it applies.
            let fixed = try Migration(fileName: "0002_broken.sql", sql: "CREATE TABLE half_done (id int);")
            #expect(try await migrator.migrate([good, fixed]) == [2])
        }
    }

    @Test func bundledMigrationsApplyAndCreateTheRoles() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = PostgresMigrator(client: client, logger: logger)
            let bundled = try Migration.bundled
            #expect(bundled.map(\.version) == [1, 2, 3, 4, 5])
            #expect(try await migrator.migrate() == bundled.map(\.version))
            #expect(try await migrator.migrate() == [])
            #expect(try await tableExists(client, "organizations"), "0002_schema built the schema")
            let roles = try await strings(
                client,
                """
                SELECT rolname || ' ' || rolcanlogin::text || ' '
                       || pg_has_role(current_user, oid, 'MEMBER')::text || ' '
                       || has_schema_privilege(oid, 'public', 'USAGE')::text
                FROM pg_roles WHERE rolname IN ('wa_app', 'wa_system') ORDER BY rolname
                """)
            #expect(roles == ["wa_app false true true", "wa_system false true true"])
            // Granted explicitly (pg_has_role alone is always true for a superuser).
            let memberships = try await strings(
                client,
                """
                SELECT r.rolname::text FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                WHERE r.rolname IN ('wa_app', 'wa_system')
                  AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                ORDER BY 1
                """)
            #expect(memberships == ["wa_app", "wa_system"])
            let role = try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET LOCAL ROLE wa_app", logger: logger)
                var names: [String] = []
                for try await name in try await connection.query("SELECT current_user::text", logger: logger)
                    .decode(String.self)
                {
                    names.append(name)
                }
                return names
            }
            #expect(role == ["wa_app"])
        }
    }

    /// PostgresNIO sends every query with the extended protocol (its `simpleQuery` too), which refuses several
    /// statements in one string: the reason migrations are split with `SQLScript`.
    @Test func postgresNIORefusesSeveralStatementsInOneQuery() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let error = await #expect(throws: PSQLError.self) {
                try await client.query("SELECT 1; SELECT 2", logger: logger)
            }
            #expect(error?.serverInfo?[.sqlState] == "42601")
            #expect(error?.serverInfo?[.message] == "cannot insert multiple commands into a prepared statement")
        }
    }

    // MARK: - Helpers

    private func strings(_ client: PostgresClient, _ sql: String) async throws -> [String] {
        var values: [String] = []
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self) {
            values.append(value)
        }
        return values
    }

    private func tableExists(_ client: PostgresClient, _ name: String) async throws -> Bool {
        try await strings(client, "SELECT (to_regclass('public.\(name)') IS NOT NULL)::text") == ["true"]
    }

    /// Advisory locks granted in this database (to anyone).
    private func advisoryLocksHeld(_ client: PostgresClient) async throws -> Int {
        let count = try await strings(
            client,
            """
            SELECT count(*)::text FROM pg_locks
            WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
        return Int(count.first ?? "") ?? -1
    }

    private func advisoryLockWaiters(_ connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT count(*)::int FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, logger: logger)
        var count = 0
        for try await value in rows.decode(Int.self) { count = value }
        return count
    }

    /// Polls `condition` until it holds; fails the test after 60 s.
    private func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
