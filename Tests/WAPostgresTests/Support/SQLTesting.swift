import Foundation
import Logging
import PostgresNIO
import WACore
@testable import WAPostgres

/// Who a test transaction acts as: the two roles the schema's row-level security knows.
enum TestRole: Sendable {
    /// `SET LOCAL ROLE wa_app`, with `app.organization_id` set to the organization (none when `nil`).
    case tenant(UUID?)
    /// `SET LOCAL ROLE wa_system`.
    case system
}

extension TestDatabase {
    /// Runs `body` in a transaction as `role` (setting the tenant as the adapter does: `set_config(…, true)`, then
    /// `SET LOCAL ROLE`), with `app.purging_organization` set when `purging` is given. Commits when `body` returns.
    static func transaction<Result: Sendable>(
        _ client: PostgresClient, as role: TestRole, purging: UUID? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection { connection in
            try await connection.execute("BEGIN")
            do {
                switch role {
                case .tenant(let organization):
                    if let organization {
                        try await connection.execute(
                            """
                            SELECT set_config('\(unescaped: PostgresSchema.organizationSetting)',
                                \(organization.uuidString), true)
                            """)
                    }
                    try await connection.execute("SET LOCAL ROLE wa_app")
                case .system:
                    try await connection.execute("SET LOCAL ROLE wa_system")
                }
                if let purging {
                    try await connection.execute(
                        """
                        SELECT set_config('\(unescaped: PostgresSchema.purgingOrganizationSetting)',
                            \(purging.uuidString), true)
                        """)
                }
                let result = try await body(connection)
                try await connection.execute("COMMIT")
                return result
            } catch {
                try? await connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}

extension PostgresConnection {
    /// Runs `query` and reads every row it returns (so that an error while executing surfaces here).
    func execute(_ query: PostgresQuery) async throws {
        for try await _ in try await self.query(query, logger: TestDatabase.logger) {}
    }

    /// The first column of every row `query` returns, as text.
    func strings(_ query: PostgresQuery) async throws -> [String] {
        var values: [String] = []
        for try await value in try await self.query(query, logger: TestDatabase.logger).decode(String.self) {
            values.append(value)
        }
        return values
    }

    /// The one integer `query` returns.
    func integer(_ query: PostgresQuery) async throws -> Int {
        var values: [Int] = []
        for try await value in try await self.query(query, logger: TestDatabase.logger).decode(Int.self) {
            values.append(value)
        }
        guard values.count == 1, let value = values.first else {
            throw SQLTestFailure("expected one integer from \(query.sql), got \(values)")
        }
        return value
    }

    /// Runs `query` inside a savepoint. When it fails with a server error, rolls back to the savepoint (the
    /// transaction goes on) and returns the error; returns `nil` when it succeeds.
    func failure(of query: PostgresQuery) async throws -> PSQLError? {
        try await execute("SAVEPOINT attempt")
        do {
            try await execute(query)
            try await execute("RELEASE SAVEPOINT attempt")
            return nil
        } catch let error as PSQLError where error.serverInfo != nil {
            try await execute("ROLLBACK TO SAVEPOINT attempt")
            return error
        }
    }
}

extension PSQLError {
    /// The SQLSTATE the server reported.
    var sqlState: String? { serverInfo?[.sqlState] }
}

/// A test expectation about SQL that failed, with what was seen.
struct SQLTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
