import PostgresNIO

/// A readable summary of an error from PostgresNIO: for a server error its SQLSTATE, message, detail and hint,
/// which `PSQLError`'s own description hides on purpose.
///
/// For operators' messages (a migration that fails, a server that does not start) and logs; never for API
/// clients.
struct PostgresErrorSummary: Sendable {
    /// The server's SQLSTATE (`42P01`), when the server reported the error.
    var sqlState: String?
    /// The 1-based character position in the statement the server points at, when it does.
    var position: Int?
    /// The summary: `relation "x" does not exist (SQLSTATE 42P01)`.
    var text: String

    init(_ error: any Error) {
        guard let error = error as? PSQLError else {
            text = String(describing: error)
            return
        }
        guard let server = error.serverInfo, let message = server[.message] else {
            var text = "\(error.code)"
            if let underlying = error.underlying { text += ": \(underlying)" }
            self.text = text
            return
        }
        sqlState = server[.sqlState]
        position = server[.position].flatMap { Int($0) }
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail = server[.detail] { text += "; detail: \(detail)" }
        if let hint = server[.hint] { text += "; hint: \(hint)" }
        if let context = server[.locationContext] { text += "; context: \(context)" }
        self.text = text
    }
}
