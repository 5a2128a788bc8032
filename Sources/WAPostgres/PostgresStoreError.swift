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
    /// - anything else (a lost connection, a constraint the adapter should never break): `internal_error`.
    static func postgres(_ error: any Error, doing: String) -> WAError {
        if let error = error as? WAError { return error }
        guard let psql = error as? PSQLError else {
            return WAError(.internalError, "the database failed while \(doing)")
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
}
