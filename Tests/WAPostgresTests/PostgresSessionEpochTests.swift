import Foundation
import PostgresNIO
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// Migration 0004: `members.session_epoch`, which never moves back, and members stored without the field.
@Suite("PostgreSQL session epoch")
struct PostgresSessionEpochTests {
    let f = Fixtures()

    private func members<Result: Sendable>(
        _ runner: PostgresTransactionRunner, _ scope: TransactionScope,
        _ body: (PostgresEntityRepository<MemberMapping>) async throws -> Result
    ) async throws -> Result {
        try await runner.run(scope) { connection in
            let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
            defer { context.close() }
            return try await body(PostgresEntityRepository<MemberMapping>(context: context))
        }
    }

    @Test func theEpochIsStoredInItsColumnAndNeverMovesBack() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let runner = PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
            let org = f.organization()
            let scope = TransactionScope.organization(org.id)
            let member = try await members(runner, scope) { try await $0.insert(f.member(in: org.id)) }
            var moved = member
            moved.sessionEpoch = 3
            moved = try await members(runner, scope) { [moved] in try await $0.update(moved) }
            let column = try await TestDatabase.transaction(client, as: .system) { connection in
                try await connection.integer("SELECT session_epoch::int FROM members WHERE id = \(member.id.uuid)")
            }
            #expect(column == 3)

            var back = moved
            back.sessionEpoch = 2
            let error = await #expect(throws: WAError.self) {
                try await members(runner, scope) { [back] in try await $0.update(back) }
            }
            #expect(error?.code == .internalError)
            let stored = try await members(runner, scope) { try await $0.find(member.id, in: org.id) }
            #expect(stored?.sessionEpoch == 3 && stored?.version == moved.version)

            let refused = try await TestDatabase.transaction(client, as: .system) { connection in
                try await connection.failure(of: "UPDATE members SET session_epoch = 0 WHERE id = \(member.id.uuid)")
            }
            #expect(refused?.sqlState == "23514")
        }
    }

    @Test func aMemberStoredWithoutTheFieldReadsEpochZero() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let runner = PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
            let org = f.organization()
            let scope = TransactionScope.organization(org.id)
            let member = try await members(runner, scope) { try await $0.insert(f.member(in: org.id)) }
            // As a row written before 0004: no sessionEpoch in `data`, the column at its default.
            try await TestDatabase.transaction(client, as: .system) { connection in
                try await connection.execute("UPDATE members SET data = data - 'sessionEpoch' WHERE id = \(member.id.uuid)")
            }
            let json = try await TestDatabase.transaction(client, as: .system) { connection in
                try await connection.strings("SELECT data::text FROM members WHERE id = \(member.id.uuid)")
            }
            #expect(json.count == 1 && !json[0].contains("sessionEpoch"))
            let read = try await members(runner, scope) { try await $0.find(member.id, in: org.id) }
            #expect(read == member)
            // The next write stores it, and it moves on from there.
            var next = try #require(read)
            next.sessionEpoch += 1
            let updated = try await members(runner, scope) { [next] in try await $0.update(next) }
            #expect(updated.sessionEpoch == 1)
        }
    }
}
