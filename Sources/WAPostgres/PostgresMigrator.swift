public import Logging
public import PostgresNIO
import WACore

/// Brings a database's schema up to date with versioned ``Migration``s.
///
/// ```swift
/// let applied = try await PostgresMigrator(client: client, logger: logger).migrate()   // Migration.bundled
/// ```
///
/// One run, on one connection of the client:
/// 1. takes the session-level advisory lock ``advisoryLockKey`` (`pg_advisory_lock`), so that concurrent runs
///    (several gateway nodes starting at once) take turns: the second finds everything applied;
/// 2. creates `wa_schema_migrations (version, name, checksum, applied_at)` if it is missing;
/// 3. checks every applied migration against the given ones and refuses to run (applying nothing) when an
///    applied file was changed (its checksum or name differs), when an applied version is not among the given
///    ones (the database is newer than this code), or when a pending migration is older than the newest applied
///    one (migrations are applied in version order only);
/// 4. applies each pending migration in a transaction of its own, together with its row in
///    `wa_schema_migrations`: a migration that fails leaves nothing behind, and the ones before it stay applied;
/// 5. releases the lock, also when it fails.
///
/// Each statement of a migration is sent on its own (see ``Migration``). The connecting user owns what the
/// migrations create and needs the rights they use (`0001_roles` creates roles: a superuser, or `CREATEROLE`).
/// Errors are ``WACore/WAError``s `internal_error` whose message names the migration and carries the server's
/// message; they are meant for the operator starting the gateway.
public struct PostgresMigrator: Sendable {
    /// The advisory lock key a run holds: the bytes of "WAMIGRAT" as a big-endian 64-bit integer.
    public static let advisoryLockKey: Int64 = 0x5741_4D49_4752_4154

    /// The table that records applied migrations.
    public static let historyTable = "wa_schema_migrations"

    private let client: PostgresClient
    private let logger: Logger

    /// A migrator for the database `client` connects to; `client.run()` must be running.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies the library's ``Migration/bundled`` migrations that are not applied yet.
    ///
    /// - Returns: The versions applied by this call, in order (empty when the schema was up to date).
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await migrate(try Migration.bundled)
    }

    /// Applies those of `migrations` that are not applied yet, in version order.
    ///
    /// - Returns: The versions applied by this call, in order (empty when the schema was up to date).
    /// - Throws: ``WACore/WAError``: `invalid_argument` for two migrations with one version; `internal_error` when
    ///   the applied history does not match `migrations` (nothing is applied then), when a migration fails (it is
    ///   rolled back; the ones before it stay applied), or when the database cannot be reached.
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> [Int] {
        let migrations = try Migration.ordered(migrations)
        return try await client.withConnection { connection in
            try await lock(connection)
            do {
                let applied = try await run(migrations, on: connection)
                try await unlock(connection)
                return applied
            } catch {
                try? await unlock(connection)
                throw error
            }
        }
    }

    private func run(_ migrations: [Migration], on connection: PostgresConnection) async throws -> [Int] {
        try await execute(
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: Self.historyTable) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, on: connection, doing: "create the table \(Self.historyTable)")
        let history = try await appliedMigrations(on: connection)
        let pending = try pendingMigrations(migrations, history: history)
        var appliedNow: [Int] = []
        for migration in pending {
            try await apply(migration, on: connection)
            appliedNow.append(migration.version)
        }
        if appliedNow.isEmpty {
            logger.debug("database schema is up to date", metadata: ["version": "\(history.last?.version ?? 0)"])
        }
        return appliedNow
    }

    private struct AppliedMigration {
        var version: Int
        var name: String
        var checksum: String
    }

    private func appliedMigrations(on connection: PostgresConnection) async throws -> [AppliedMigration] {
        do {
            let rows = try await connection.queryWatchingClose(
                "SELECT version, name, checksum FROM \(unescaped: Self.historyTable) ORDER BY version", logger: logger)
            var history: [AppliedMigration] = []
            for row in rows {
                let (version, name, checksum) = try row.decode((Int, String, String).self)
                history.append(AppliedMigration(version: version, name: name, checksum: checksum))
            }
            return history
        } catch {
            throw failure("read \(Self.historyTable)", error)
        }
    }

    /// The migrations to apply, after checking the history against the files.
    private func pendingMigrations(_ migrations: [Migration], history: [AppliedMigration]) throws(WAError)
        -> [Migration]
    {
        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for applied in history {
            guard let migration = byVersion[applied.version] else {
                throw WAError(
                    .internalError,
                    "database schema: migration \(applied.version) (\(applied.name)) is applied in this database but "
                        + "this version of the gateway does not have it: the database is newer than the code; run a "
                        + "newer version")
            }
            guard migration.checksum == applied.checksum, migration.name == applied.name else {
                throw WAError(
                    .internalError,
                    "database schema: migration \(migration.version) (\(migration.fileName)) was changed after it was "
                        + "applied (applied as \(applied.name) with checksum \(applied.checksum), the file is "
                        + "\(migration.name) with checksum \(migration.checksum)); an applied migration must never "
                        + "change: restore the file and put the change in a new migration")
            }
        }
        let newest = history.last?.version ?? 0
        let appliedVersions = Set(history.map(\.version))
        let pending = migrations.filter { !appliedVersions.contains($0.version) }
        if let older = pending.first(where: { $0.version < newest }) {
            throw WAError(
                .internalError,
                "database schema: migration \(older.fileName) is not applied but migration \(newest) is; migrations "
                    + "are applied in version order only: give it a version above \(newest)")
        }
        return pending
    }

    /// Applies one migration and records it, in one transaction.
    private func apply(_ migration: Migration, on connection: PostgresConnection) async throws {
        logger.info("applying database migration", metadata: ["migration": "\(migration.fileName)"])
        try await execute("BEGIN", on: connection, doing: "begin the transaction of migration \(migration.fileName)")
        do {
            for (index, statement) in migration.statements.enumerated() {
                do {
                    _ = try await connection.queryWatchingClose(
                        PostgresQuery(unsafeSQL: statement.text), logger: logger)
                } catch {
                    let summary = PostgresErrorSummary(error)
                    let line = summary.position.map { statement.line(ofPosition: $0) } ?? statement.line
                    throw WAError(
                        .internalError,
                        "database migration \(migration.fileName) failed and was rolled back: statement "
                            + "\(index + 1) of \(migration.statementCount) (line \(line)): \(summary.text)")
                }
            }
            try await execute(
                """
                INSERT INTO \(unescaped: Self.historyTable) (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                """, on: connection, doing: "record migration \(migration.fileName)")
            try await execute("COMMIT", on: connection, doing: "commit migration \(migration.fileName)")
        } catch {
            do {
                _ = try await connection.queryWatchingClose("ROLLBACK", logger: logger)
            } catch {
                // The connection is in an unknown state: close it so it cannot return to the pool mid-transaction
                // (closing also ends the transaction and the advisory lock).
                logger.error(
                    "cannot roll back a failed migration; closing the connection",
                    metadata: ["migration": "\(migration.fileName)", "error": "\(PostgresErrorSummary(error).text)"])
                try? await connection.close()
            }
            throw error
        }
    }

    private func lock(_ connection: PostgresConnection) async throws {
        try await execute(
            "SELECT pg_advisory_lock(\(Self.advisoryLockKey))", on: connection, doing: "take the migration lock")
    }

    private func unlock(_ connection: PostgresConnection) async throws {
        do {
            _ = try await connection.queryWatchingClose(
                "SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
        } catch {
            // A session lock must not stay with a pooled connection: closing the connection releases it.
            try? await connection.close()
            throw failure("release the migration lock", error)
        }
    }

    private func execute(_ query: PostgresQuery, on connection: PostgresConnection, doing what: String) async throws {
        do {
            _ = try await connection.queryWatchingClose(query, logger: logger)
        } catch {
            throw failure(what, error)
        }
    }

    private func failure(_ what: String, _ error: any Error) -> WAError {
        WAError(.internalError, "database migrations: cannot \(what): \(PostgresErrorSummary(error).text)")
    }
}
