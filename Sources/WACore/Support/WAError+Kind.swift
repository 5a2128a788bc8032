extension WAError {
    /// What kind of failure an error is, independent of any transport: the HTTP adapter maps each kind to one
    /// status in one place (``invalidInput`` → 422, ``rateLimited`` → 429 …), another adapter to its own codes.
    public enum Kind: String, CaseIterable, Sendable, Hashable, Codable {
        /// The request carries a value that is not acceptable; changing the input may help.
        case invalidInput = "invalid_input"
        /// No valid credentials (or signature) were presented.
        case unauthenticated = "unauthenticated"
        /// The caller is known but not allowed to do this (a permission, the recipient's opt-out).
        case forbidden = "forbidden"
        /// The thing the request names does not exist (for this organization).
        case notFound = "not_found"
        /// The current state of a resource does not allow the request (exists already, changed meanwhile, wrong
        /// status, a plan limit reached, run by another node).
        case conflict = "conflict"
        /// The request or its content is larger than a limit or quota allows.
        case tooLarge = "too_large"
        /// The content's type is not one that is accepted.
        case unsupportedType = "unsupported_type"
        /// A rate limit or quota refused the request; see ``WAError/retryAfter``.
        case rateLimited = "rate_limited"
        /// Something the request needs is temporarily unavailable (a session, a proxy, the transport, the database);
        /// retry.
        case unavailable = "unavailable"
        /// A fault on the gateway's side that the caller cannot fix; details went to the log only.
        case `internal` = "internal"
    }
}
