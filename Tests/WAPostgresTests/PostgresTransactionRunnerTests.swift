import Foundation
import Logging
import PostgresNIO
import Testing
import WACore
@testable import WAPostgres

/// The transactions the PostgreSQL store runs: tenant and system scope, rollback, and PostgreSQL's errors as the
/// storage contract's.
@Suite("PostgreSQL transaction runner")
struct PostgresTransactionRunnerTests {
    struct Boom: Error {}

    /// Runs `body` with a runner over a fresh, migrated database.
    func withRunner(_ body: (PostgresTransactionRunner) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await body(PostgresTransactionRunner(client: client, logger: TestDatabase.logger))
        }
    }

    static func insertTemplate(
        _ connection: PostgresConnection, organization: OrganizationID, name: String, id: UUID = UUID()
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO templates (organization_id, id, version, name, data)
            VALUES (\(UUID(uuidString: organization.description)!), \(id), 1, \(name), '{}'::jsonb)
            """)
    }

    static func templateNames(_ connection: PostgresConnection) async throws -> [String] {
        try await connection.strings("SELECT name FROM templates ORDER BY name")
    }

    @Test func aTenantTransactionSeesItsOrganizationOnlyAndTheSystemSeesAll() async throws {
        try await withRunner { runner in
            let a = OrganizationID(uuid: UUID())
            let b = OrganizationID(uuid: UUID())
            try await runner.run(.organization(a)) { try await Self.insertTemplate($0, organization: a, name: "a") }
            try await runner.run(.organization(b)) { try await Self.insertTemplate($0, organization: b, name: "b") }
            #expect(try await runner.run(.organization(a)) { try await Self.templateNames($0) } == ["a"])
            #expect(try await runner.run(.organization(b)) { try await Self.templateNames($0) } == ["b"])
            #expect(try await runner.run(.system) { try await Self.templateNames($0) } == ["a", "b"])
            // The settings end with the transaction: the pooled connection holds no tenant afterwards.
            let leftover = try await runner.client.withConnection { connection in
                try await connection.strings(
                    "SELECT coalesce(current_setting('app.organization_id', true), '') || '/' || current_user")
            }
            #expect(leftover.first?.hasPrefix("/") == true && leftover.first?.contains("wa_app") == false)
        }
    }

    @Test func aThrowingBodyKeepsNothingAndItsErrorArrivesUnchanged() async throws {
        try await withRunner { runner in
            let a = OrganizationID(uuid: UUID())
            await #expect(throws: Boom.self) {
                try await runner.run(.organization(a)) { connection in
                    try await Self.insertTemplate(connection, organization: a, name: "doomed")
                    throw Boom()
                }
            }
            let left = try await runner.run(.system) { try await Self.templateNames($0) }
            #expect(left.isEmpty)
        }
    }

    /// PostgreSQL answers `COMMIT` with `ROLLBACK`, not an error, when a statement of the transaction failed: a body
    /// that swallows such a failure and returns must not look committed.
    @Test func aBodyThatSwallowsAFailedStatementCommitsNothingAndRunSaysSo() async throws {
        try await withRunner { runner in
            let a = OrganizationID(uuid: UUID())
            var outcome: WAError?
            do {
                try await runner.run(.organization(a)) { connection in
                    try await Self.insertTemplate(connection, organization: a, name: "lost")
                    _ = try? await connection.execute("SELECT 1 / 0")
                }
            } catch let error as WAError {
                outcome = error
            }
            #expect(outcome?.code == .internalError, "\(String(describing: outcome))")
            #expect(try await runner.run(.system) { try await Self.templateNames($0) }.isEmpty)
            // The connection went back to the pool usable.
            try await runner.run(.organization(a)) { try await Self.insertTemplate($0, organization: a, name: "kept") }
            #expect(try await runner.run(.system) { try await Self.templateNames($0) } == ["kept"])
        }
    }

    @Test func databaseErrorsBecomeTheContractsErrors() async throws {
        try await withRunner { runner in
            let a = OrganizationID(uuid: UUID())
            let b = OrganizationID(uuid: UUID())
            try await runner.run(.organization(a)) { try await Self.insertTemplate($0, organization: a, name: "x") }
            func error(_ scope: TransactionScope, _ query: PostgresQuery) async -> WAError? {
                do {
                    try await runner.run(scope) { connection in
                        do {
                            try await connection.execute(query)
                        } catch {
                            throw PostgresTransactionRunner.mapped(error, doing: "testing", runner.logger)
                        }
                    }
                    return nil
                } catch {
                    return error as? WAError
                }
            }
            let aUUID = UUID(uuidString: a.description)!
            let bUUID = UUID(uuidString: b.description)!
            let duplicate = await error(
                .organization(a),
                "INSERT INTO templates (organization_id, id, version, name, data) VALUES (\(aUUID), \(UUID()), 1, 'x', '{}')")
            #expect(duplicate?.code == .alreadyExists && duplicate?.field == "name")
            let samePrimaryKey = await error(
                .organization(a),
                """
                INSERT INTO templates (organization_id, id, version, name, data)
                SELECT organization_id, id, 1, 'y', '{}' FROM templates WHERE name = 'x'
                """)
            #expect(samePrimaryKey?.code == .alreadyExists && samePrimaryKey?.field == "id")
            let foreign = await error(
                .organization(a),
                "INSERT INTO templates (organization_id, id, version, name, data) VALUES (\(bUUID), \(UUID()), 1, 'z', '{}')")
            #expect(foreign?.code == .tenantMismatch)
            try await runner.run(.organization(a)) { connection in
                try await connection.execute(
                    """
                    INSERT INTO audit_events (organization_id, id, version, action, actor_type, occurred_at, data)
                    VALUES (\(aUUID), \(UUID()), 1, 'member.invited', 'system', now(), '{}')
                    """)
            }
            let changed = await error(.organization(a), "UPDATE audit_events SET action = 'member.removed'")
            #expect(changed?.code == .immutableRecord)
            let broken = await error(.organization(a), "SELECT * FROM no_such_table")
            #expect(broken?.code == .internalError && broken?.message.contains("no_such_table") == false)
        }
    }

    /// The server ends a transaction's session between two statements (`pg_terminate_backend`, as a restart does):
    /// the next statement fails with `storage_unavailable` at once. PostgresNIO alone would wait forever for a
    /// statement sent on a closed connection (`PostgresConnection.queryWatchingClose`). A body that returns normally
    /// then fails at `COMMIT`, whose outcome the message calls unknown. The runner works again afterwards.
    @Test(.timeLimit(.minutes(5)))
    func aConnectionTheServerEndsIsStorageUnavailableAndNothingWaitsForever() async throws {
        try await withRunner { runner in
            let a = OrganizationID(uuid: UUID())
            func endSession(of connection: PostgresConnection) async throws {
                let pid = try await connection.integer("SELECT pg_backend_pid()::bigint")
                _ = try await runner.client.query("SELECT pg_terminate_backend(\(pid)::int)", logger: runner.logger)
                    .collect()
                for _ in 0..<500 where !connection.isClosed { try await Task.sleep(for: .milliseconds(10)) }
                #expect(connection.isClosed)
            }
            let midway = await #expect(throws: WAError.self) {
                try await runner.run(.organization(a)) { connection in
                    try await endSession(of: connection)
                    let context = PostgresTransactionContext(
                        connection: connection, scope: .organization(a), logger: runner.logger)
                    _ = try await context.rows(SQLBuilder("SELECT 1"), doing: "testing")
                }
            }
            #expect(midway?.code == .storageUnavailable && midway?.isRetryable == true)
            #expect(midway?.message.contains("testing") == true, "\(String(describing: midway))")
            let atCommit = await #expect(throws: WAError.self) {
                try await runner.run(.organization(a)) { connection in
                    try await Self.insertTemplate(connection, organization: a, name: "cut off")
                    try await endSession(of: connection)
                }
            }
            #expect(atCommit?.code == .storageUnavailable && atCommit?.message.contains("committing") == true)
            let left = try await runner.run(.system) { try await Self.templateNames($0) }
            #expect(left.isEmpty, "the server rolled the transaction back")
        }
    }

    /// A pool that gives no connection (here: shut down; also one that has failed to connect for a while) is
    /// `storage_unavailable`, not PostgresNIO's own error.
    @Test func aPoolWithoutConnectionsIsStorageUnavailable() async throws {
        try await TestDatabase.withFreshDatabase { _, settings in
            let client = PostgresClient(
                configuration: settings.clientConfiguration, backgroundLogger: TestDatabase.logger)
            let running = Task { await client.run() }
            running.cancel()
            await running.value
            let error = await #expect(throws: WAError.self) {
                try await PostgresTransactionRunner(client: client, logger: TestDatabase.logger).run(.system) { _ in }
            }
            #expect(error?.code == .storageUnavailable && error?.isRetryable == true)
        }
    }

    /// Two transactions that lock two rows in opposite orders: PostgreSQL picks one to fail with a deadlock, which
    /// the contract calls `storage_conflict` (retryable); the other commits.
    @Test func aDeadlockIsAStorageConflict() async throws {
        try await withRunner { runner in
            let a = OrganizationID(uuid: UUID())
            let first = UUID()
            let second = UUID()
            try await runner.run(.organization(a)) { connection in
                try await Self.insertTemplate(connection, organization: a, name: "first", id: first)
                try await Self.insertTemplate(connection, organization: a, name: "second", id: second)
            }
            let bothHoldOne = Rendezvous(parties: 2)
            func lock(_ one: UUID, then other: UUID) async -> Result<Void, WAError> {
                do {
                    try await runner.run(.organization(a)) { connection in
                        do {
                            try await connection.execute("SELECT 1 FROM templates WHERE id = \(one) FOR UPDATE")
                            // Wait until the other transaction holds its first row too, then reach for it.
                            try await bothHoldOne.arrive()
                            try await connection.execute("SELECT 1 FROM templates WHERE id = \(other) FOR UPDATE")
                        } catch {
                            throw PostgresTransactionRunner.mapped(error, doing: "locking", runner.logger)
                        }
                    }
                    return .success(())
                } catch {
                    return .failure(error as? WAError ?? WAError(.internalError, "\(error)"))
                }
            }
            async let one = lock(first, then: second)
            async let two = lock(second, then: first)
            let outcomes = await [one, two]
            let failures = outcomes.compactMap { outcome -> WAError? in
                if case .failure(let error) = outcome { return error }
                return nil
            }
            #expect(failures.map(\.code) == [.storageConflict], "\(outcomes)")
            #expect(failures.first?.code.isTransactionConflict == true && failures.first?.isRetryable == true)
        }
    }
}

/// Lets tasks wait until `parties` of them have arrived, for at most `timeout` of real time: a party that failed
/// before arriving makes the others fail instead of waiting forever.
actor Rendezvous {
    struct TimedOut: Error {}

    let parties: Int
    let timeout: Duration
    private var arrived = 0

    init(parties: Int, timeout: Duration = .seconds(30)) {
        self.parties = parties
        self.timeout = timeout
    }

    func arrive() async throws {
        arrived += 1
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while arrived < parties {
            guard clock.now < deadline else { throw TimedOut() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
