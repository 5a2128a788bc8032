import Foundation
import PostgresNIO
import WACore

extension WAError {
    /// The ``WAError`` the storage contract promises for what PostgreSQL or PostgresNIO reported while `doing`
    /// something (a few words: "inserting a member"). The text of the database's own message never reaches
    /// ``WAError/message`` (clients see the error); it goes to the log the caller writes.
    ///
    /// - `23505` unique violation: `already_exists`, with the constraint's Swift key name as the field (the part
    ///   of `<table>__<key>` after `__`, `id` for a primary key);
    /// - `40001` serialization failure, `40P01` deadlock, `55P03` lock not available: `storage_conflict`
    ///   (retryable: the whole transaction runs again);
    /// - `42501` with a row-level security refusal: `tenant_mismatch`;
    /// - the audit log's `WA001`: `immutable_record`;
    /// - a connection that broke or was closed (``PostgresConnectionClosed`` too), or a server that ended the
    ///   session (shutting down, restarting, an administrator's `pg_terminate_backend`) or cannot take it now
    ///   (starting up): `storage_unavailable` (``isConnectionFailure(_:)``; retryable later, but a statement it
    ///   interrupted may or may not have run);
    /// - anything else (a constraint the adapter should never break): `internal_error`.
    static func postgres(_ error: any Error, doing: String) -> WAError {
        if let error = error as? WAError { return error }
        if error is PostgresConnectionClosed {
            return WAError(.storageUnavailable, "the connection to the database failed while \(doing); try again")
        }
        guard let psql = error as? PSQLError else {
            return WAError(.internalError, "the database failed while \(doing)")
        }
        if isConnectionFailure(psql) {
            return WAError(.storageUnavailable, "the connection to the database failed while \(doing); try again")
        }
        let state = psql.serverInfo?[.sqlState]
        switch state {
        case "23505":
            let constraint = psql.serverInfo?[.constraintName] ?? ""
            let field = constraint.range(of: "__").map { String(constraint[$0.upperBound...]) } ?? "id"
            return WAError(.alreadyExists, "a record with this \(field) exists", field: field)
        case "40001", "40P01", "55P03":
            return WAError(.storageConflict, "a concurrent transaction got in the way while \(doing); run it again")
        case "42501":
            return WAError(.tenantMismatch, "the record belongs to another organization")
        case PostgresSchema.appendOnlySQLState:
            return WAError(.immutableRecord, "audit events cannot be changed or deleted")
        default:
            return WAError(.internalError, "the database failed while \(doing)")
        }
    }

    /// Whether PostgresNIO reports the connection failing rather than a statement: the connection was closed (by
    /// the server, or by PostgresNIO after an error) or broke, or the server ended the session with SQLSTATE class
    /// `08` (connection exception), `57P01` (shutting down, or `pg_terminate_backend`), `57P02` (crash of another
    /// process) or `57P03` (starting up, shutting down, in recovery).
    static func isConnectionFailure(_ error: PSQLError) -> Bool {
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
        default:
            return false
        }
    }
}
