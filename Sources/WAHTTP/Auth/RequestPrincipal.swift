import WACore

/// The principal the request authenticated as, for the handlers the authentication middleware runs.
///
/// ``AuthenticationMiddleware`` binds it around the operation; a handler of a protected operation reads it with
/// ``require()``. The tenant comes from here only, never from the request.
enum RequestPrincipal {
    @TaskLocal static var current: Principal?

    /// The request's principal.
    ///
    /// - Throws: `unauthenticated` when none is bound (an operation missing from the public list reached without
    ///   credentials would be a wiring bug; failing closed keeps it harmless).
    static func require() throws -> Principal {
        guard let principal = current else {
            throw WAError(.unauthenticated, "authentication is required")
        }
        return principal
    }
}
